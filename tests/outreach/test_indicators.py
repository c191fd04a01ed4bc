"""The outreach assessment indicators (outreach.indicators), on a county built by hand.

Year 2025, cut-off 10 December 2025 12:00 (Beijing time). The department's group D is paired with the
township's group T; the township has the villages V (the ``world`` village) and V2.

Exchange visits:

    x1  10 Apr  host T, guest D                       counts for both
    x2  10 Sep  host D, guest T                       counts for both
    x3  10 Oct  host T, guest D, cancelled            no
    x4  15 Dec  host D, guest T (after the cut-off)   no
    x5  10 Oct 2024                                   no (last year)

exchange visits: D 2, T 2. Party days at the township's branches: V 15 Jan, V 15 Jun, V2 15 Mar (counted),
V 20 Dec (after the cut-off) and V 15 Dec 2024 (last year) not: T 3; D 0 (no branches).
Needs of the township's branches: n1 (V, raised 1 Feb, done), n3 (V2, raised 1 Jul, done) counted; n2 (in
progress), n4 (raised 12 Dec, after the cut-off, done), n5 (raised 2024, done) not: practical things T 2.
A new township group E: 0 of each.

Where they apply: exchange visits to departments and townships, party days and practical things to
townships only; none to the county committee's own group.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import OrgUnit, StudyGroup
from core.registry import AssessmentPeriod, indicator_source
from outreach.models import ExchangeVisit, Need, Pairing
from tests.factories import StudyGroupFactory
from tests.outreach.factories import need, party_day, township, village

pytestmark = pytest.mark.django_db


def at(y, m, d, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


CUTOFF = at(2025, 12, 10, 12)
PERIOD = AssessmentPeriod(year=2025, cutoff=CUTOFF)
NAMES = ["outreach.exchange_visits", "outreach.party_days", "outreach.practical_things"]
D = datetime.date


def exchange(pairing, host, guest, starts_at, **extra):
    return ExchangeVisit.objects.create(
        pairing=pairing,
        host_group=host,
        guest_group=guest,
        title="三看一听一分享",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
        place="镇会议室",
        **extra,
    )


def done(branch, raised_on):
    return need(
        branch,
        raised_on,
        raised_on + datetime.timedelta(days=60),
        status=Need.Status.DONE,
        done_on=raised_on + datetime.timedelta(days=20),
        result="已修好",
    )


@pytest.fixture
def county(world):
    h = world.home
    DG, T = h.dept_group, h.town_group
    V, V2 = h.village, village(h.town, "甲旗红星村")
    a, b = sorted([DG, T], key=lambda g: g.pk)
    pairing = Pairing.objects.create(year=2025, group_a=a, group_b=b)
    x = [
        exchange(pairing, T, DG, at(2025, 4, 10)),
        exchange(pairing, DG, T, at(2025, 9, 10)),
        exchange(pairing, T, DG, at(2025, 10, 10), cancelled_at=at(2025, 10, 1), cancel_reason="改期"),
        exchange(pairing, DG, T, at(2025, 12, 15)),
        exchange(Pairing.objects.create(year=2024, group_a=a, group_b=b), T, DG, at(2024, 10, 10)),
    ]
    days = [
        party_day(V, D(2025, 1, 15)),
        party_day(V, D(2025, 6, 15)),
        party_day(V2, D(2025, 3, 15)),
        party_day(V, D(2025, 12, 20)),
        party_day(V, D(2024, 12, 15)),
    ]
    needs = [
        done(V, D(2025, 2, 1)),
        need(V, D(2025, 5, 1), D(2025, 8, 1), status=Need.Status.IN_PROGRESS),
        done(V2, D(2025, 7, 1)),
        done(V, D(2025, 12, 12)),
        done(V, D(2024, 11, 1)),
    ]
    E = township(h.county, "甲旗新镇")
    C = StudyGroupFactory(unit=h.county)
    return {"D": DG, "T": T, "E": E, "C": C, "visits": x, "days": days, "needs": needs}


def compute(name, groups):
    return indicator_source(name).compute(StudyGroup.objects.filter(pk__in=[g.pk for g in groups]), PERIOD, {})


def test_each_count_matches_the_hand_count(county):
    groups = [county["D"], county["T"], county["E"]]
    d, t, e = (g.pk for g in groups)
    assert compute("outreach.exchange_visits", groups) == {d: Decimal(2), t: Decimal(2), e: Decimal(0)}
    assert compute("outreach.party_days", groups) == {d: Decimal(0), t: Decimal(3), e: Decimal(0)}
    assert compute("outreach.practical_things", groups) == {d: Decimal(0), t: Decimal(2), e: Decimal(0)}


def test_a_cut_off_after_the_year_counts_what_came_after_the_earlier_one(county):
    later = AssessmentPeriod(year=2025, cutoff=at(2026, 1, 15))
    groups = StudyGroup.objects.filter(pk=county["T"].pk)
    t = county["T"].pk
    assert indicator_source("outreach.exchange_visits").compute(groups, later, {}) == {t: Decimal(3)}
    assert indicator_source("outreach.party_days").compute(groups, later, {}) == {t: Decimal(4)}
    assert indicator_source("outreach.practical_things").compute(groups, later, {}) == {t: Decimal(3)}


def test_they_apply_where_outreach_is_done(county):
    applies = {name: [indicator_source(name).applies_to(county[key]) for key in ("C", "D", "T")] for name in NAMES}
    assert applies == {
        "outreach.exchange_visits": [False, True, True],
        "outreach.party_days": [False, False, True],
        "outreach.practical_things": [False, False, True],
    }
    assert county["C"].unit.kind == OrgUnit.Kind.COUNTY


@pytest.mark.parametrize("name", NAMES)
def test_two_groups_or_six_take_the_same_queries(world, name):
    counts = []
    for size in (2, 6):
        ids = []
        for i in range(size):
            group = township(world.home.county, f"查询镇{size}-{i}")
            branch = village(group.unit, f"查询村{size}-{i}")
            party_day(branch, D(2025, 5, 5))
            done(branch, D(2025, 5, 5))
            ids.append(group.pk)
        with CaptureQueriesContext(connection) as ctx:
            values = indicator_source(name).compute(StudyGroup.objects.filter(pk__in=ids), PERIOD, {})
        assert len(values) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {row.record.pk for row in response.context["table"].page.object_list}


def test_the_links_list_exactly_the_records_counted(client_as, county):
    client = client_as("staff")
    x1, x2, x3, x4, _x5 = county["visits"]
    url = indicator_source("outreach.exchange_visits").records_url(county["D"], PERIOD, {})
    assert url.startswith(reverse("outreach:visit_list"))
    assert _listed(client, url) == {x1.pk, x2.pk}
    days = county["days"]
    url = indicator_source("outreach.party_days").records_url(county["T"], PERIOD, {})
    assert _listed(client, url) == {days[0].pk, days[1].pk, days[2].pk}
    needs = county["needs"]
    url = indicator_source("outreach.practical_things").records_url(county["T"], PERIOD, {})
    assert _listed(client, url) == {needs[0].pk, needs[2].pk}
    # A cut-off after the year lists the whole year's records (x4, the 20 Dec party day, n4).
    later = AssessmentPeriod(year=2025, cutoff=at(2026, 1, 15))
    url = indicator_source("outreach.exchange_visits").records_url(county["D"], later, {})
    assert "until" not in url and _listed(client, url) == {x1.pk, x2.pk, x4.pk}
    url = indicator_source("outreach.party_days").records_url(county["T"], later, {})
    assert _listed(client, url) == {days[0].pk, days[1].pk, days[2].pk, days[3].pk}
    url = indicator_source("outreach.practical_things").records_url(county["T"], later, {})
    assert _listed(client, url) == {needs[0].pk, needs[2].pk, needs[3].pk}
