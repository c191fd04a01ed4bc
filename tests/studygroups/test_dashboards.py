"""Each role's dashboard leads to the work: every figure is a link, and the list it opens shows exactly the
rows the figure counts. The numbers are worked out by hand from the sessions below; the query count of
every dashboard is pinned and does not grow with the data."""

import datetime
import re
from html import unescape
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.notifications import notify
from studygroups.models import Attendance, Reflection, StudySession
from studygroups.services.sessions import NOTICE
from tests.studygroups.factories import PlanFactory, PlanTopicFactory, ReadingProgressFactory, RequiredReadingFactory

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def _session(group, days_ago: float, title: str, **fields) -> StudySession:
    start = NOW - datetime.timedelta(days=days_ago)
    return StudySession.objects.create(
        study_group=group,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="会议室",
        **fields,
    )


@pytest.fixture
def work(world):
    """The home department's group on 2026-06-15 12:00 (see the comment of each session)."""
    home = world.home
    group, leader, member = home.dept_group, home.leader, home.member
    s = {}
    # A: held on time; the leader on leave (owes a make-up), the member present without a reflection.
    s["A"] = _session(group, 10, "甲活动", record="记录", record_entered_at=NOW - datetime.timedelta(days=9))
    Attendance.objects.create(session=s["A"], person=leader, status="leave", reason="出差")
    Attendance.objects.create(session=s["A"], person=member, status="present")
    # B: five days ago, no record (overdue), no attendance.
    s["B"] = _session(group, 5, "乙活动")
    # C: a month ago, record written today (late); the member wrote a reflection.
    s["C"] = _session(group, 30, "丙活动", record="补写", record_entered_at=NOW)
    Attendance.objects.create(session=s["C"], person=member, status="present")
    Attendance.objects.create(session=s["C"], person=leader, status="present")
    Reflection.objects.create(session=s["C"], person=member, text="体会")
    # D: this morning at midnight: no record (not overdue yet), no attendance.
    s["D"] = _session(group, 0.5, "丁活动")
    # E in three days (its notice is due today), F in ten days (notice from 06-22).
    s["E"] = _session(group, -3, "戊活动")
    s["F"] = _session(group, -10, "己活动")
    # G last year (2025-11-27): no record; leader and member on leave, not made up.
    s["G"] = _session(group, 200, "庚活动")
    Attendance.objects.create(session=s["G"], person=leader, status="leave", reason="开会")
    Attendance.objects.create(session=s["G"], person=member, status="leave", reason="培训")
    # Another county's session: never counted.
    s["other"] = _session(world.other.dept_group, 5, "外县活动")
    # The group's annual plan has a topic due in March, not covered: the group is behind its plan.
    PlanTopicFactory(plan=PlanFactory(study_group=group, year=2026), planned_month=3, title="三月专题")
    # Two required readings this year, the member finished one.
    first = RequiredReadingFactory(unit=home.county, year=2026)
    RequiredReadingFactory(unit=home.county, year=2026)
    ReadingProgressFactory(person=member, reading=first, finished_on=datetime.date(2026, 5, 1))
    return s


def _figure_url(html: str, key: str) -> str:
    match = re.search(rf'href="([^"]+)"[^>]*data-figure="{key}"', html)
    assert match, f"no link for the figure {key}"
    return unescape(match.group(1))


def _figure_value(html: str, key: str) -> int:
    found = re.search(rf'data-figure="{key}">(\d+)</a>', html) or re.search(
        rf'data-(?:state|count)="{key}">(\d+)<', html
    )
    assert found, f"no value for the figure {key}"
    return int(found.group(1))


def _listed(client, url: str) -> list:
    """The records the list at ``url`` shows (all of its pages)."""
    response = client.get(url)
    assert response.status_code == 200, url
    if "table" in response.context:
        return list(response.context["table"].data)
    return list(response.context["rows"])  # plan coverage


def _follow(client, html: str, key: str) -> tuple[int, list]:
    return _figure_value(html, key), _listed(client, _figure_url(html, key))


def test_staff_figures_lead_to_exactly_the_rows_they_count(client_as, world, work):
    client = client_as("staff")
    html = client.get(reverse("dashboard")).content.decode()
    # County state: one department, one township, two groups, five people in the home county (four members
    # and the inspector, a person of the county's propaganda office).
    for key, expected in (("departments", 1), ("townships", 1), ("groups", 2), ("people", 5)):
        value, rows = _follow(client, html, key)
        assert value == len(rows) == expected, key
    value, rows = _follow(client, html, "held")
    assert value == 4 and {r.title for r in rows} == {"甲活动", "乙活动", "丙活动", "丁活动"}
    value, rows = _follow(client, html, "scheduled")
    assert value == 2 and [r.title for r in rows] == ["戊活动", "己活动"]  # soonest first
    value, rows = _follow(client, html, "missing_record")
    assert value == 1 and [r.title for r in rows] == ["乙活动"]  # D is not due yet, G is last year
    value, rows = _follow(client, html, "late_record")
    assert value == 1 and [r.title for r in rows] == ["丙活动"]
    value, rows = _follow(client, html, "open_makeups")
    assert value == 1 and [(r.person, r.session.title) for r in rows] == [(world.home.leader, "甲活动")]
    value, rows = _follow(client, html, "behind_plan")
    assert value == 1 and [r.group_id for r in rows] == [world.home.dept_group.pk]
    value, rows = _follow(client, html, "upcoming")
    assert value == 2 and [r.title for r in rows] == ["戊活动", "己活动"]
    assert "外县活动" not in html


def test_secretary_sees_records_owed_notices_attendance_and_makeups_by_whom(client_as, world, work):
    client = client_as("secretary")
    html = client.get(reverse("dashboard")).content.decode()
    # The contract with the phone test: one link per held session without a record, to its page, titled.
    owed = re.search(r'<ul[^>]*id="records-owed"[^>]*>(.*?)</ul>', html, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)">([^<]*)</a>', owed)
    assert sorted(links) == sorted(
        (work[k].get_absolute_url(), f"{work[k].starts_at.astimezone(NOW.tzinfo):%Y-%m-%d} {work[k].title}")
        for k in ("B", "D", "G")
    )
    value, rows = _follow(client, html, "no_record")
    assert value == 3 and {r.title for r in rows} == {"乙活动", "丁活动", "庚活动"}
    value, rows = _follow(client, html, "no_attendance")
    assert value == 2 and {r.title for r in rows} == {"乙活动", "丁活动"}
    assert reverse("studygroups:attendance_edit", args=[work["B"].pk]) in html
    value, rows = _follow(client, html, "upcoming")
    assert value == 2 and [r.title for r in rows] == ["戊活动", "己活动"]
    # E's notice is due today (goes out at the next run), F's from 2026-06-22.
    assert re.search(r'戊活动</a>.*?data-notice="due"', html, re.S)
    assert re.search(r'己活动</a>.*?data-notice="later".*?2026-06-22', html, re.S)
    # Make-ups by whom: the leader owes two (A and last year's G), the member one (G).
    value, rows = _follow(client, html, "makeups")
    assert value == len(rows) == 3
    by_person = re.findall(r'<a href="([^"]*\?person=\d+)">([^<]+)</a><span class="badge[^"]*">(\d+)<', html)
    assert [(name, int(n)) for _url, name, n in by_person] == [(world.home.leader.name, 2), (world.home.member.name, 1)]
    for url, _name, n in by_person:
        assert len(_listed(client, unescape(url))) == int(n)


def test_member_sees_what_to_do(client_as, world, work):
    client = client_as("member")
    html = client.get(reverse("dashboard")).content.decode()
    value, rows = _follow(client, html, "upcoming")
    assert value == 2 and [r.title for r in rows] == ["戊活动", "己活动"]
    value, rows = _follow(client, html, "to_reflect")  # A only: C has a reflection, G is last year
    assert value == 1 and [r.title for r in rows] == ["甲活动"]
    assert reverse("studygroups:reflection_submit", args=[work["A"].pk]) in html
    value, rows = _follow(client, html, "makeups")  # their own only: G
    assert value == 1 and [(r.person, r.session.title) for r in rows] == [(world.home.member, "庚活动")]
    value, rows = _follow(client, html, "readings")
    assert value == len(rows) == 2
    value, rows = _follow(client, html, "to_read")
    assert value == len(rows) == 1


def test_unread_notices_figure_and_the_navigation_badge(client_as, world, work):
    for user in (world.users.secretary, world.users.member):
        notify(users=[user], kind=NOTICE, message="通知一", target=work["E"], email=False)
        notify(users=[user], kind=NOTICE, message="通知二", target=work["F"], email=False)
    for account in ("secretary", "member"):
        client = client_as(account)
        html = client.get(reverse("dashboard")).content.decode()
        value, rows = _follow(client, html, "unread")
        assert value == len(rows) == 2
        assert 'data-unread="2"' in html  # the navigation says the same


def test_inspector_sees_the_upcoming_sessions_of_the_area(client_as, world, work):
    client = client_as("inspector")
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    value, rows = _follow(client, html, "upcoming")
    assert value == 2 and [r.title for r in rows] == ["戊活动", "己活动"]
    assert work["E"].get_absolute_url() in html
    assert "behind_plan" not in response.context["panel_data"]


def test_auditor_sees_the_latest_changes_with_who_made_them(client_as, world, work):
    session = work["B"]
    session.title = "乙活动（改）"
    session._history_user = world.users.secretary
    session._history_date = NOW + datetime.timedelta(minutes=5)  # the clock stands still in these tests
    session.save()
    client = client_as("auditor")
    response = client.get(reverse("dashboard"))
    changes = response.context["recent_changes"]()
    assert len(changes) == 15
    newest = changes[0]
    assert newest["label"] == "乙活动（改）" and newest["record"].history_user == world.users.secretary
    assert all(a["record"].history_date >= b["record"].history_date for a, b in zip(changes, changes[1:], strict=False))
    assert "外县活动" not in {c["label"] for c in changes}
    html = response.content.decode()
    url = reverse("record_history", args=["session", session.pk])
    assert url in html and world.users.secretary.username in html
    assert client.get(url).status_code == 200


def _more(world, n: int) -> None:
    """``n`` more sessions of every kind the dashboards count, in both groups of the home county."""
    home = world.home
    plan = PlanFactory(study_group=home.town_group, year=2026)
    for i in range(n):
        for group in (home.dept_group, home.town_group):
            held = _session(group, 40 + i, f"补{i}")
            Attendance.objects.create(session=held, person=home.leader, status="leave", reason="出差")
            Attendance.objects.create(session=held, person=home.member, status="present")
            _session(group, 6 + i / 10, f"缺{i}")
            _session(group, -5 - i, f"将{i}")
        PlanTopicFactory(plan=plan, planned_month=2)
        RequiredReadingFactory(unit=home.county, year=2026)


# Measured: the query count of each dashboard, the same with few and with many rows, at most 15 (issue 12).
# Other apps' panels add theirs (inspections, outreach, report downloads); figures from several tables come in
# one statement (core.aggregates), the auditor's latest changes in one UNION ALL over the history tables.
# The session, the user and (for accounts scoped to a unit) the unit are read by every page.
DASHBOARD_QUERIES = {"staff": 15, "secretary": 10, "member": 12, "inspector": 9, "auditor": 10}


@pytest.mark.parametrize("account", list(DASHBOARD_QUERIES))
def test_dashboard_query_count_is_exact_and_constant(client_as, page_queries, world, work, account):
    client = client_as(account)
    small = page_queries(client, reverse("dashboard"))
    _more(world, 6)
    assert page_queries(client, reverse("dashboard")) == small
    assert small == DASHBOARD_QUERIES[account]
