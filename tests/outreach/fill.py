"""Growing outreach rows for tests/test_page_coverage.py's query counts: every kind of record the pages show."""

import datetime
import itertools

from django.utils import timezone

from outreach.models import ExchangeVisit, Pairing
from outreach.services import feed_token_for, pairing_save, post_mark_studied, visit_create
from tests.outreach.factories import households, need, party_day, post

_n = itertools.count()


def fill(world, times: int) -> None:
    """``times`` more pairings (each with a visit), party days, needs, households and studied posts in the
    home county; the pairings take a year each (a group has one pair a year)."""
    home, staff = world.home, world.users.staff
    feed_token_for(staff)
    for _ in range(times):
        n = next(_n)
        year = 1000 + n % 900  # years long past (1000-1899): never the current year of the other rows
        pairing = pairing_save(pairing=Pairing(year=year, group_a=home.dept_group, group_b=home.town_group), user=None)
        # Days in the past, distinct within a test (one party day per branch and day).
        start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1 + n % 300)
        visit_create(
            visit=ExchangeVisit(
                pairing=pairing,
                host_group=home.town_group,
                title=f"交流{n}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                place="镇政府",
            ),
            user=staff,
            host_people=[home.town_member],
            guest_people=[home.member],
        )
        day = party_day(home.village, timezone.localdate(start), members=3, team=1)
        households(home.village, year, 40)
        need(home.village, day.held_on, day.held_on + datetime.timedelta(days=30), party_day=day)
        item = post(home.county, title=f"文{n}", required=True, published_on=day.held_on)
        post_mark_studied(post=item, person=home.member, user=world.users.member)
