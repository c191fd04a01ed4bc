"""Party days and household coverage worked out by hand; every state change of a raised need; the overdue
flag and its reminder."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import Attachment, Notification
from outreach.models import Need
from outreach.selectors.counts import BRANCHES, NEEDS, outreach_counts
from outreach.services import (
    NEED_OVERDUE,
    NeedStateError,
    need_close,
    need_complete,
    need_reopen,
    need_start,
    remind_overdue_needs,
)
from outreach.tasks import remind_overdue_needs as remind_task
from studygroups.selectors.stats import Period
from tests.outreach.factories import households, need, party_day, town_secretary, township, village

pytestmark = pytest.mark.django_db

D = datetime.date


def photo(name="evidence.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_household_coverage_of_a_hand_built_township(world):
    """Township 新华镇 with three villages, 2025:

    - 东村: 100 households; party days in March (30 by the work team, 20 by the first secretary, 10 by
      members: 60) and May (50): 110 visited, at most 100 covered;
    - 西村: 50 households; one party day with 20 visited: 20 covered;
    - 北村: no number entered; 15 visited, not counted in the coverage;
    - a party day of 2024 at 东村 (40 visited) is outside the year.

    Households 150, covered 100 + 20 = 120: coverage 80.0 %. Visited 60 + 50 + 20 + 15 = 145, party days 4.
    """
    group = township(world.home.county, "新华镇")
    east, west, north = (village(group.unit, name) for name in ("东村", "西村", "北村"))
    households(east, 2025, 100)
    households(west, 2025, 50)
    households(east, 2024, 999)  # another year's number
    party_day(east, D(2025, 3, 5), team=30, first=20, members=10)
    party_day(east, D(2025, 5, 5), members=50)
    party_day(west, D(2025, 3, 6), team=20)
    party_day(north, D(2025, 3, 7), members=15)
    party_day(east, D(2024, 12, 5), members=40)

    counts = outreach_counts([group], Period.year(2025))[group.pk]
    assert counts.party_days == 4
    assert counts.households_visited == 145
    assert (counts.households, counts.households_covered) == (150, 120)
    assert str(counts.coverage) == "80.0"
    assert counts.branches == {east.pk: (110, 100), west.pk: (20, 50), north.pk: (15, None)}
    # The first half-year alone: the same party days (all before July).
    assert outreach_counts([group], Period.half(2025, 2))[group.pk].party_days == 0


def test_the_counts_take_the_same_queries_for_one_group_or_many(world, django_assert_num_queries):
    groups = [township(world.home.county, f"镇{n}") for n in range(3)]
    for group in groups:
        party_day(village(group.unit, f"{group.unit.name}村"), D(2025, 3, 5), members=3)
    # Six: visits hosted, visits made, party days, households, needs, post study (the units come with the list).
    with django_assert_num_queries(6):
        outreach_counts(groups[:1], Period.year(2025))
    with django_assert_num_queries(6):
        counts = outreach_counts(groups, Period.year(2025))
    assert [counts[g.pk].households_visited for g in groups] == [3, 3, 3]


def test_a_page_reads_only_the_parts_of_the_counts_it_shows(world, django_assert_num_queries):
    """The coverage page's parts (party days with households, and needs): the same numbers as every part
    read, in three queries; exchange visits and posts studied left at zero.

    东村: 100 households, party days with 60 and 50 visited (covered 100); one need raised 2025-03-05 and
    still open on 2025-12-31, due 04-30: raised 1, overdue 1."""
    group = township(world.home.county, "新华镇")
    east = village(group.unit, "东村")
    households(east, 2025, 100)
    party_day(east, D(2025, 3, 5), team=30, first=20, members=10)
    party_day(east, D(2025, 5, 5), members=50)
    need(east, D(2025, 3, 5), D(2025, 4, 30))
    now = datetime.datetime(2025, 12, 31, 12, tzinfo=datetime.UTC)
    whole = outreach_counts([group], Period.year(2025), now=now)[group.pk]
    with django_assert_num_queries(3):
        part = outreach_counts([group], Period.year(2025), now=now, parts=(BRANCHES, NEEDS))[group.pk]
    shown = ("party_days", "households_visited", "households", "households_covered", "needs_raised")
    assert [getattr(part, name) for name in shown] == [getattr(whole, name) for name in shown] == [2, 110, 100, 100, 1]
    assert (part.needs_overdue, part.coverage, part.branches) == (1, whole.coverage, {east.pk: (110, 100)})
    assert (part.exchange_visits, part.posts_studied) == (0, 0)
    with django_assert_num_queries(1):
        assert outreach_counts([group], Period.year(2025), now=now, parts=(NEEDS,))[group.pk].party_days == 0
    with pytest.raises(ValueError):
        outreach_counts([group], Period.year(2025), parts=("everything",))


@pytest.fixture
def raised(world):
    return need(world.home.village, D(2025, 3, 5), D(2025, 4, 30))


def test_a_need_goes_from_open_through_in_progress_to_done_with_evidence(world, raised):
    user = world.users.staff
    assert raised.status == Need.Status.OPEN
    raised = need_start(need=raised, user=user, handled_by="驻村工作队", on=D(2025, 3, 10))
    assert (raised.status, raised.handled_by, raised.started_on) == ("in_progress", "驻村工作队", D(2025, 3, 10))
    raised = need_complete(need=raised, user=user, result="更换路灯 6 盏", on=D(2025, 4, 20), evidence=photo())
    assert (raised.status, raised.done_on, raised.done_on_time) == ("done", D(2025, 4, 20), True)
    assert Attachment.objects.of(raised).get().kind == Attachment.Kind.IMAGE
    # Every change is in the history, by whom.
    assert list(raised.history.order_by("history_id").values_list("status", flat=True)) == [
        "open",
        "in_progress",
        "done",
    ]
    assert raised.history.latest().history_user == user
    # Done is final.
    for change in (
        lambda: need_start(need=raised, user=user, handled_by="x"),
        lambda: need_close(need=raised, user=user, reason="x"),
        lambda: need_complete(need=raised, user=user, result="x"),
        lambda: need_reopen(need=raised, user=user),
    ):
        with pytest.raises(NeedStateError):
            change()


def test_done_needs_what_was_done_and_cannot_predate_the_need(world, raised):
    with pytest.raises(ValidationError):
        need_complete(need=raised, user=world.users.staff, result=" ")
    with pytest.raises(ValidationError):
        need_complete(need=raised, user=world.users.staff, result="x", on=D(2025, 3, 1))
    raised.refresh_from_db()
    assert raised.status == "open"


def test_done_late_is_done_but_not_on_time(world, raised):
    raised = need_complete(need=raised, user=world.users.staff, result="修好了", on=D(2025, 5, 2))
    assert raised.status == "done" and not raised.done_on_time


def test_a_need_is_closed_with_a_reason_and_may_be_reopened(world, raised):
    user = world.users.staff
    with pytest.raises(ValidationError):
        need_close(need=raised, user=user, reason="")
    raised = need_close(need=raised, user=user, reason="不属于村级事权，已转交")
    assert (raised.status, raised.close_reason) == ("closed", "不属于村级事权，已转交")
    with pytest.raises(NeedStateError):
        need_start(need=raised, user=user, handled_by="x")
    raised = need_reopen(need=raised, user=user)
    assert (raised.status, raised.close_reason) == ("open", "")
    raised = need_start(need=raised, user=user, handled_by="第一书记")
    raised = need_close(need=raised, user=user, reason="群众撤回")
    assert need_reopen(need=raised, user=user).status == "in_progress"


def test_the_overdue_flag(world, raised):
    assert not raised.is_overdue(D(2025, 4, 30))
    assert raised.is_overdue(D(2025, 5, 1))
    need_start(need=raised, user=None, handled_by="x")
    raised.refresh_from_db()
    assert raised.is_overdue(D(2025, 5, 1))
    need_complete(need=raised, user=None, result="x", on=D(2025, 4, 1))
    raised.refresh_from_db()
    assert not raised.is_overdue(D(2025, 5, 1))


def test_overdue_needs_remind_the_townships_secretaries_once(world, raised):
    secretary = town_secretary(world.home.town_group)
    need(world.home.village, D(2025, 3, 5), D(2025, 6, 30))  # not yet due
    done = need(world.home.village, D(2025, 3, 5), D(2025, 3, 31))
    need_complete(need=done, user=None, result="x", on=D(2025, 3, 20))
    assert remind_overdue_needs(today=D(2025, 5, 1)) == 1
    note = Notification.objects.get()
    assert (note.user, note.kind) == (secretary, NEED_OVERDUE)
    assert "2025-04-30" in note.message
    raised.refresh_from_db()
    assert raised.reminded_at is not None
    # Running again (the beat task, any day after) sends nothing more.
    assert remind_overdue_needs(today=D(2025, 5, 2)) == 0
    # The beat task runs with the real today, long after June 2025: the other need is overdue now too.
    assert remind_task.run() == 1
    assert remind_task.run() == 0
    assert Notification.objects.count() == 2


def test_the_beat_schedule_runs_the_reminder(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "outreach.tasks.remind_overdue_needs" in tasks


def test_the_dashboard_panel_shows_the_pending_and_overdue_needs(world, client_as):
    """Was empty (an unnamed link, found by axe): the panel read ``needs`` where panels get ``data``."""
    today = datetime.date.today()
    need(world.home.village, today - datetime.timedelta(days=40), today - datetime.timedelta(days=1))  # overdue
    need(world.home.village, today - datetime.timedelta(days=5), today + datetime.timedelta(days=20))
    html = client_as("staff").get("/").content.decode()
    panel = html[html.index('id="panel-outreach-needs"') :]
    assert '?status=open">2</a>' in panel and "<strong>1</strong>" in panel


def test_the_coverage_list_exports_the_hand_built_townships_numbers(world, client_as):
    """The township of the test above, its page and its XLSX for 2025 (numbers as worked out there)."""
    group = township(world.home.county, "新华镇")
    east, west = (village(group.unit, name) for name in ("东村", "西村"))
    households(east, 2025, 100)
    households(west, 2025, 50)
    party_day(east, D(2025, 3, 5), team=30, first=20, members=10)
    party_day(east, D(2025, 5, 5), members=50)
    party_day(west, D(2025, 3, 6), team=20)
    client = client_as("staff")
    page = client.get(reverse("outreach:coverage"), {"year": 2025, "q": "新华"})
    # Covered min(110, 100) + 20 of 150 households: 80.0 %.
    assert page.status_code == 200 and "80.0%" in page.content.decode()
    response = client.get(reverse("outreach:coverage"), {"year": 2025, "q": "新华", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if sum(v is not None for v in row) > 1)
    assert rows[0][0] == "入户全覆盖 · 2025" and "筛选 · 搜索：新华" in [row[0] for row in rows[:header]]
    assert rows[header][:5] == ["乡镇或部门", "主题党日", "入户数", "户数", "覆盖率"]
    assert [row[:5] for row in rows[header + 1 :]] == [["新华镇", 3, 130, 150, "80.0%"]]
    assert rows[header + 1][-1] == "东村 110/100；西村 20/50"
