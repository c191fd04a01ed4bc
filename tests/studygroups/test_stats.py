"""The study numbers with one definition (selectors.stats), worked out by hand for one group.

"Now" is 2025-10-15 noon. The home department's group has leader L and member M (seated since 2024)
and W, seated from 2024 until 2025-03-31. Sessions:

| session | when (local)        | kind         | record entered        | L       | M                   | W                  |
|---------|---------------------|--------------|-----------------------|---------|---------------------|--------------------|
| A       | 2025-02-10 09:00    | concentrated | 02-11 (on time)       | present | present             | present            |
| B       | 2025-05-12 09:00    | seminar      | 05-25 (13 days: late) | absent  | leave, made up 05-20| present (guest: not seated, not counted) |
| C       | 2025-06-30 23:30    | lecture      | 07-02 (on time)       | present | leave, no make-up   | —                  |
| D       | 2025-07-01 00:00    | online       | none (due: missing)   | present | late                | —                  |
| E       | 2025-11-20 09:00    | concentrated | (scheduled)           | —       | leave in advance    | —                  |
| F       | 2024-12-20 09:00    | concentrated | other year            | absent  | —                   | —                  |

Held in 2025: A, B, C, D (one of each kind); E scheduled. C is the first half's last, D the second's first.
Expected (seated on the day): A 3, B 2, C 2, D 2 = 9; present 5 (A 3, C L, D L), late 1 (D M): attended 6,
rate 6/9 = 66.7; leave 2, absent 1, not recorded 0. Leader: A, C, D of A-D = 3/4 = 75.0.
Make-ups owed 1 (C), done 1 (B). Records late 1 (B), missing 1 (D).
First half (A, B, C): expected 7, attended 4 = 57.1; leader 2/3 = 66.7; owed 1, done 1; late 1, missing 0.
Second half (D; E scheduled): expected 2, attended 2 = 100.0; leader 1/1; owed 0, done 0; late 0, missing 1.

Reflections: M and W on A, L on D (and M on F, 2024): year 3, first half 2, second half 1.

Research topics: R1 assigned 03-01, reported 09-01; R2 assigned 2024, reported 2024-11, applied 2025-02;
R3 assigned 08-01, researching; R4 finished (applied) in 2024.
Year: R1 reported, R2 applied, R3 researching. First half: R1 researching (reported later), R2 applied.
Second half: R1 reported, R3 researching (R2 was finished before July).

Exam scores 2025: L 90.0, M 85.5, W 70.0, the member who left in 2024: 60.0 (not counted); M 2024: 50.0.
Year and first half: (90 + 85.5 + 70) / 3 = 81.83 -> 81.8. Second half (W gone): 175.5 / 2 = 87.75 -> 87.8.

Plan topics (annual plan, quarterly plans Q1, Q2, Q3), the due month in brackets:
  一 (2): annual and Q1 copy; covered by A (listing the annual row).
  二 (Q2, no month: June): quarterly only; covered by B.
  三 (8): annual and Q3 copy "三 " (a trailing space); covered by D (listing the annual row).
  四 (9): annual; listed only by E, still to come: not covered, overdue.
  五 (11): annual; listed only by F in 2024: not covered in 2025, upcoming.
  六 (3): annual; listed only by the town group's session: not covered, overdue.
Year: 6 planned, 3 covered. First half (due 1-6): 一, 二, 六 = 3, covered 2. Second half: 三, 四, 五 = 3,
covered 1. The old coverage page and archive disagreed on exactly these cases: the archive looked for
sessions on each plan row (so the Q1 and Q3 copies said "not yet") and counted E (still to come), while
the coverage page counted F (another year).
"""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, StudyGroup
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    Reflection,
    ResearchTopic,
    StudySession,
)
from studygroups.selectors.stats import GroupStats, Period, group_stats, topic_coverage, total_stats
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, StudyGroupFactory

NOW = timezone.make_aware(datetime.datetime(2025, 10, 15, 12, 0))
P, LT, LV, AB = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEAVE, Attendance.Status.ABSENT)
K = StudySession.Kind


def at(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


def session(group, starts_at, kind=K.CONCENTRATED, *, record_on: datetime.datetime | None = None, topics=()):
    s = StudySession.objects.create(
        study_group=group,
        title=f"{kind} {starts_at:%m-%d}",
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="会议室",
        record="记录" if record_on else "",
        record_entered_at=record_on,
    )
    s.topics.set(topics)
    return s


def attend(s, person, status, **extra):
    if status == LV:
        extra.setdefault("reason", "出差")
    return Attendance.objects.create(session=s, person=person, status=status, **extra)


@pytest.fixture
def hand(world):
    """The group of the module docstring."""
    h = world.home
    group = h.dept_group
    L, M = h.leader, h.member
    W = MembershipFactory(study_group=group, end_date=datetime.date(2025, 3, 31)).person

    annual = Plan.objects.create(level="annual", unit=h.dept, study_group=group, year=2025, title="年度计划")
    quarterly = {
        q: Plan.objects.create(
            level="quarterly", unit=h.dept, study_group=group, year=2025, quarter=q, title=f"第{q}季度计划"
        )
        for q in (1, 2, 3)
    }
    t = {
        title: PlanTopic.objects.create(plan=annual, title=f"专题{title}", planned_month=month)
        for title, month in (("一", 2), ("三", 8), ("四", 9), ("五", 11), ("六", 3))
    }
    PlanTopic.objects.create(plan=quarterly[1], title="专题一", planned_month=2)
    t["二"] = PlanTopic.objects.create(plan=quarterly[2], title="专题二")
    PlanTopic.objects.create(plan=quarterly[3], title="专题三 ", planned_month=8)

    a = session(group, at(2025, 2, 10), record_on=at(2025, 2, 11), topics=[t["一"]])
    b = session(group, at(2025, 5, 12), K.SEMINAR, record_on=at(2025, 5, 25), topics=[t["二"]])
    c = session(group, at(2025, 6, 30, 23, 30), K.LECTURE, record_on=at(2025, 7, 2))
    d = session(group, at(2025, 7, 1, 0, 0), K.ONLINE, topics=[t["三"]])
    e = session(group, at(2025, 11, 20), topics=[t["四"]])
    f = session(group, at(2024, 12, 20), record_on=at(2024, 12, 21), topics=[t["五"]])
    town = session(h.town_group, at(2025, 3, 3), topics=[t["六"]])
    attend(town, h.town_member, P)

    for s, rows in (
        (a, [(L, P), (M, P), (W, P)]),
        (b, [(L, AB), (M, LV), (W, P)]),
        (c, [(L, P), (M, LV)]),
        (d, [(L, P), (M, LT)]),
        (e, [(M, LV)]),
        (f, [(L, AB)]),
    ):
        for person, status in rows:
            attend(s, person, status)
    made_up = Attendance.objects.get(session=b, person=M)
    made_up.makeup_done_on = datetime.date(2025, 5, 20)
    made_up.save()

    for s, person in ((a, M), (a, W), (d, L), (f, M)):
        Reflection.objects.create(session=s, person=person, text="体会")

    def research(title, assigned, status, reported=None, applied=None):
        ResearchTopic.objects.create(
            study_group=group,
            title=title,
            assigned_on=assigned,
            status=status,
            reported_on=reported,
            applied_on=applied,
        )

    research("R1", datetime.date(2025, 3, 1), "reported", datetime.date(2025, 9, 1))
    research("R2", datetime.date(2024, 5, 1), "applied", datetime.date(2024, 11, 1), datetime.date(2025, 2, 1))
    research("R3", datetime.date(2025, 8, 1), "researching")
    research("R4", datetime.date(2024, 2, 1), "applied", datetime.date(2024, 6, 1), datetime.date(2024, 9, 1))

    for person, score in ((L, "90.0"), (M, "85.5"), (W, "70.0"), (h.left, "60.0")):
        ExamScore.objects.create(person=person, year=2025, score=Decimal(score))
    ExamScore.objects.create(person=M, year=2024, score=Decimal("50.0"))
    return SimpleNamespace(group=group, L=L, M=M, W=W, sessions=[a, b, c, d, e, f], topics=t)


def numbers(stats: GroupStats) -> dict:
    return {
        "held": stats.sessions_held,
        "scheduled": stats.sessions_scheduled,
        "expected": stats.expected,
        "attended": stats.attended,
        "leave": stats.leave,
        "absent": stats.absent,
        "not_recorded": stats.not_recorded,
        "rate": stats.attendance_rate,
        "leader": (stats.leader_attended, stats.leader_expected, stats.leader_attendance_rate),
        "makeups": (stats.makeups_owed, stats.makeups_done),
        "records": (stats.records_late, stats.records_missing),
        "reflections": stats.reflections,
        "research": stats.research_by_status,
        "exam": stats.exam_average,
        "topics": (stats.topics_covered, stats.topics_planned),
    }


# --- periods -------------------------------------------------------------------------------------


def test_half_years_split_at_midnight_of_the_first_of_july_in_beijing_time():
    first, second = Period.half(2025, 1), Period.half(2025, 2)
    midnight = at(2025, 7, 1, 0, 0)
    assert first.end == second.start == midnight
    assert midnight.utcoffset() == datetime.timedelta(hours=8)
    assert midnight.astimezone(datetime.UTC) == datetime.datetime(2025, 6, 30, 16, 0, tzinfo=datetime.UTC)
    assert first.contains(midnight - datetime.timedelta(microseconds=1)) and not first.contains(midnight)
    assert second.contains(midnight)
    year = Period.year(2025)
    assert (year.start, year.end) == (at(2025, 1, 1, 0, 0), at(2026, 1, 1, 0, 0))
    assert (year.first_day, year.last_day, year.calendar_year) == (first.first_day, second.last_day, 2025)
    with pytest.raises(ValueError):
        Period.half(2025, 3)


# --- the hand-built group ------------------------------------------------------------------------


def test_the_year_of_one_group_matches_the_hand_count(world, hand):
    stats = group_stats([hand.group], Period.year(2025), now=NOW)[hand.group.pk]
    assert stats.sessions_held_by_kind == {K.CONCENTRATED: 1, K.SEMINAR: 1, K.LECTURE: 1, K.ONLINE: 1}
    assert numbers(stats) == {
        "held": 4,
        "scheduled": 1,
        "expected": 9,
        "attended": 6,
        "leave": 2,
        "absent": 1,
        "not_recorded": 0,
        "rate": Decimal("66.7"),
        "leader": (3, 4, Decimal("75.0")),
        "makeups": (1, 1),
        "records": (1, 1),
        "reflections": 3,
        "research": {"reported": 1, "applied": 1, "researching": 1},
        "exam": Decimal("81.8"),
        "topics": (3, 6),
    }
    assert (stats.research_topics, stats.research_reported, stats.research_applied) == (3, 2, 1)


def test_the_halves_split_sessions_topics_and_research_by_hand(world, hand):
    first = group_stats([hand.group], Period.half(2025, 1), now=NOW)[hand.group.pk]
    second = group_stats([hand.group], Period.half(2025, 2), now=NOW)[hand.group.pk]
    assert first.sessions_held_by_kind == {K.CONCENTRATED: 1, K.SEMINAR: 1, K.LECTURE: 1}
    assert second.sessions_held_by_kind == {K.ONLINE: 1}
    assert numbers(first) == {
        "held": 3,
        "scheduled": 0,
        "expected": 7,
        "attended": 4,
        "leave": 2,
        "absent": 1,
        "not_recorded": 0,
        "rate": Decimal("57.1"),
        "leader": (2, 3, Decimal("66.7")),
        "makeups": (1, 1),
        "records": (1, 0),
        "reflections": 2,
        "research": {"researching": 1, "applied": 1},
        "exam": Decimal("81.8"),
        "topics": (2, 3),
    }
    assert numbers(second) == {
        "held": 1,
        "scheduled": 1,
        "expected": 2,
        "attended": 2,
        "leave": 0,
        "absent": 0,
        "not_recorded": 0,
        "rate": Decimal("100.0"),
        "leader": (1, 1, Decimal("100.0")),
        "makeups": (0, 0),
        "records": (0, 1),
        "reflections": 1,
        "research": {"reported": 1, "researching": 1},
        "exam": Decimal("87.8"),
        "topics": (1, 3),
    }


def test_topic_coverage_lists_what_is_covered_overdue_and_upcoming(world, hand):
    coverage = topic_coverage([hand.group], Period.year(2025), now=NOW)[hand.group.pk]
    covered = {t.title: [s.pk for s in t.sessions] for t in coverage.topics if t.covered}
    a, b, _, d, *_ = hand.sessions
    assert covered == {"专题一": [a.pk], "专题二": [b.pk], "专题三": [d.pk]}
    assert [t.title for t in coverage.overdue] == ["专题六", "专题四"]
    assert [t.title for t in coverage.upcoming] == ["专题五"]
    assert [len(t.topic_ids) for t in coverage.topics] == [2, 1, 1, 2, 1, 1]  # 一, 六, 二, 三, 四, 五


def test_topic_coverage_without_sessions_counts_the_same_topics(world, hand):
    """The coverage page's cheap reading: which titles are covered, without the covering sessions."""
    coverage = topic_coverage([hand.group], Period.year(2025), now=NOW, sessions=False)[hand.group.pk]
    assert {t.title for t in coverage.topics if t.covered} == {"专题一", "专题二", "专题三"}
    assert [t.title for t in coverage.overdue] == ["专题六", "专题四"]
    assert [t.title for t in coverage.upcoming] == ["专题五"]
    assert (coverage.planned, coverage.covered, coverage.uncovered) == (6, 3, 3)
    assert [t.sessions for t in coverage.topics] == [[]] * 6


def test_a_node_total_adds_up_its_groups(world, hand):
    """The county: the hand-built group and the town group (one session with its one member present)."""
    total = total_stats(world.home.county, Period.year(2025), now=NOW)
    assert (total.sessions_held, total.expected, total.attended, total.attendance_rate) == (5, 10, 7, Decimal("70.0"))
    assert (total.topics_planned, total.topics_covered, total.exam_average) == (6, 3, Decimal("81.8"))
    by_group = group_stats(StudyGroup.objects.under(world.home.county), Period.year(2025), now=NOW)
    assert set(by_group) == {hand.group.pk, world.home.town_group.pk}
    town = by_group[world.home.town_group.pk]
    assert (town.sessions_held_by_kind, town.topics_planned, town.exam_average) == ({K.CONCENTRATED: 1}, 0, None)


# --- the same numbers on both pages --------------------------------------------------------------


def test_coverage_page_and_group_archive_agree_on_the_groups_topics(client, world, hand):
    client.force_login(world.users.staff)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        coverage = client.get(reverse("studygroups:plan_coverage"), {"year": 2025})
        archive = client.get(reverse("studygroups:group_archive", args=[hand.group.pk]), {"year": 2025})

    [row] = [r for r in coverage.context["rows"] if r.group == hand.group]
    assert (row.planned, row.covered, len(row.overdue), len(row.upcoming)) == (6, 3, 2, 1)
    html = coverage.content.decode()
    assert f'data-group-id="{hand.group.pk}" data-planned="6" data-covered="3" data-overdue="2"' in html

    totals = archive.context["archive"].totals
    assert (totals.topics_planned, totals.topics_covered) == (6, 3)
    page = archive.content.decode()
    assert re.search(r'data-stat="topics">\s*3 / 6', page)
    # Every plan row says covered exactly when its title is: the Q1 and Q3 copies too, not 四 (only E, to come).
    rows = dict(re.findall(r'data-topic="(\d+)" data-covered="(\d+)"', page))
    titles = {str(t.pk): t.title.strip() for t in PlanTopic.objects.filter(plan__study_group=hand.group)}
    covered_titles = {titles[pk] for pk, n in rows.items() if n != "0"}
    uncovered_titles = {titles[pk] for pk, n in rows.items() if n == "0"}
    assert covered_titles == {"专题一", "专题二", "专题三"}
    assert uncovered_titles == {"专题四", "专题五", "专题六"}
    assert len(rows) == 8  # five annual rows and three quarterly ones
    # And the archive's attendance summary is the selector's.
    assert (totals.sessions_past, totals.expected, totals.attended, totals.rate) == (4, 9, 6, Decimal("66.7"))


# --- a constant number of queries ----------------------------------------------------------------


def _groups_with_data(world, count: int, prefix: str) -> list[StudyGroup]:
    groups = []
    for i in range(count):
        unit = OrgUnitFactory(parent=world.home.county, kind="township", name=f"{prefix}{i}")
        group = StudyGroupFactory(unit=unit)
        leader = MembershipFactory(study_group=group, role=Membership.Role.LEADER).person
        member = PersonFactory(unit=unit)
        Membership.objects.create(study_group=group, person=member, start_date=datetime.date(2025, 1, 1))
        plan = Plan.objects.create(level="annual", unit=unit, study_group=group, year=2025, title=f"计划{i}")
        topic = PlanTopic.objects.create(plan=plan, title="专题", planned_month=3)
        for month in (3, 9):
            s = session(group, at(2025, month, 5), record_on=at(2025, month, 20), topics=[topic])
            attend(s, leader, P)
            attend(s, member, LV)
            Reflection.objects.create(session=s, person=leader, text="体会")
        ResearchTopic.objects.create(study_group=group, title="课题", assigned_on=datetime.date(2025, 2, 1))
        ExamScore.objects.create(person=leader, year=2025, score=Decimal("80"))
        groups.append(group)
    return groups


def test_one_group_or_many_give_the_same_numbers_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    one = _groups_with_data(world, 1, "一镇")
    many = _groups_with_data(world, 12, "多镇")
    period = Period.year(2025)
    # One group's figures are read in one statement (plus the topic coverage's two), many groups' grouped.
    with django_assert_num_queries(3):
        small = group_stats(one, period, now=NOW)
    with django_assert_num_queries(7):
        large = group_stats(many, period, now=NOW)
    assert len(large) == 12
    for stats in [*small.values(), *large.values()]:
        assert (stats.sessions_held, stats.expected, stats.attended, stats.makeups_owed) == (2, 4, 2, 2)
        assert (stats.records_late, stats.reflections, stats.topics_covered, stats.exam_average) == (
            2,
            2,
            1,
            Decimal("80.0"),
        )
    # A queryset or a node is read for its ids first: one query more, at any size.
    with django_assert_num_queries(4):
        group_stats(StudyGroup.objects.filter(pk__in=[g.pk for g in one]), period, now=NOW)
    with django_assert_num_queries(8):
        total_stats(world.home.county, period, now=NOW)
