"""The study records' assessment indicators (studygroups.indicators), on a county built by hand.

Year 2025, cut-off 10 December 2025 12:00 (Beijing time). The home department's group G has the leader L
and the member M seated all year (the ``world`` member who left in 2024 is not seated in 2025), and N, whose
seat begins on 20 December, after the cut-off. Its sessions:

    s1  10 Feb  concentrated  host L  record 11 Feb (on time)    L present, M present   reflections M, L
    s2  12 May  seminar       host M  record 25 May (13 days: late) L absent, M late     reflection L
    s3   8 Sep  lecture       host L  no record (due: missing)   L present, M leave
    s4  10 Oct  online        host L  record 11 Oct              L present (M no row)
    s5   9 Dec  seminar       no host no record, not due yet     L present, M present
    s6  15 Dec  concentrated  (after the cut-off)                L present, M present   reflection M
    s7  20 Dec 2024 concentrated (last year)                     L present

Held by the cut-off in 2025: s1–s5. Worked out by hand:

- concentrated sessions (concentrated, seminar, lecture): s1 s2 s3 s5 = 4; with kinds ["concentrated"]: 1.
- topic seminars: s2 s5 = 2.
- attendance: expected 5 sessions × {L, M} = 10; attended s1 2, s2 1 (late), s3 1, s4 1, s5 2 = 7: 70.0 %.
- leader attendance: L attended s1 s3 s4 s5 of 5: 80.0 %.
- leader hosted: s1 s3 s4 of 5: 60.0 %.
- reflections per member: 3 on held sessions (s1 ×2, s2; s6's is after the cut-off) / 2 seated (L, M;
  N's seat begins after the cut-off): 1.5.
- records on time: 5 held − 1 late (s2) − 1 missing (s3) = 3 (s5's is not due yet): 60.0 %.
- planned topics: 专题甲 (Feb, s1), 专题乙 (May, s2), 专题丙 (Dec, only s6 after the cut-off), 专题丁 (Nov,
  none): 2 of 4 = 50.0 %.
- research finished: R1 reported 1 Aug, R2 reported 1 Jun (applied 20 Dec, after the cut-off: still
  counts as reported); not R3 (reported 15 Dec, after the cut-off), R4 (finished in 2024), R5
  (researching): 2.
- exam average: L 90.0, M 85.5 (the 2024 leaver's 60.0 does not count): 87.75 → 87.8.

The township group T: one concentrated session on 3 March, hosted by nobody, no record, its member present,
no plan, no reflections: 1 session, attendance 100.0, leader attendance None (no leader), hosted 0.0,
reflections 0.0, records on time 0.0, topics None, research 0, exam None.
A new group E with nothing: counts 0, every rate None.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.models import Membership, OrgUnit, StudyGroup
from core.registry import AssessmentPeriod, indicator_source, indicator_sources
from studygroups.models import Attendance, ExamScore, Plan, PlanTopic, Reflection, ResearchTopic, StudySession
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory

K = StudySession.Kind
P, LT, LV, AB = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEAVE, Attendance.Status.ABSENT)


def at(y, m, d, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


CUTOFF = at(2025, 12, 10, 12)
PERIOD = AssessmentPeriod(year=2025, cutoff=CUTOFF)
NAMES = [
    "studygroups.concentrated_sessions",
    "studygroups.topic_seminars",
    "studygroups.planned_topics_covered",
    "studygroups.attendance_rate",
    "studygroups.leader_attendance_rate",
    "studygroups.leader_hosted_share",
    "studygroups.reflections_per_member",
    "studygroups.research_finished",
    "studygroups.exam_average",
    "studygroups.records_on_time",
]


def session(group, starts_at, kind=K.CONCENTRATED, *, host=None, record_on=None, topics=()):
    s = StudySession.objects.create(
        study_group=group,
        title=f"{kind} {starts_at:%m-%d}",
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="会议室",
        host=host,
        record="记录" if record_on else "",
        record_entered_at=record_on,
    )
    s.topics.set(topics)
    return s


def attend(s, person, status):
    return Attendance.objects.create(session=s, person=person, status=status, reason="出差" if status == LV else "")


@pytest.fixture
def county(world):
    h = world.home
    G, T = h.dept_group, h.town_group
    L, M = h.leader, h.member
    MembershipFactory(study_group=G, start_date=datetime.date(2025, 12, 20))  # N

    plan = Plan.objects.create(level="annual", unit=h.dept, study_group=G, year=2025, title="年度计划")
    t = {
        name: PlanTopic.objects.create(plan=plan, title=f"专题{name}", planned_month=month)
        for name, month in (("甲", 2), ("乙", 5), ("丙", 12), ("丁", 11))
    }
    s1 = session(G, at(2025, 2, 10), host=L, record_on=at(2025, 2, 11), topics=[t["甲"]])
    s2 = session(G, at(2025, 5, 12), K.SEMINAR, host=M, record_on=at(2025, 5, 25), topics=[t["乙"]])
    s3 = session(G, at(2025, 9, 8), K.LECTURE, host=L)
    s4 = session(G, at(2025, 10, 10), K.ONLINE, host=L, record_on=at(2025, 10, 11))
    s5 = session(G, at(2025, 12, 9, 10), K.SEMINAR)
    s6 = session(G, at(2025, 12, 15), host=L, record_on=at(2025, 12, 15), topics=[t["丙"]])
    s7 = session(G, at(2024, 12, 20), host=L)
    for s, rows in (
        (s1, [(L, P), (M, P)]),
        (s2, [(L, AB), (M, LT)]),
        (s3, [(L, P), (M, LV)]),
        (s4, [(L, P)]),
        (s5, [(L, P), (M, P)]),
        (s6, [(L, P), (M, P)]),
        (s7, [(L, P)]),
    ):
        for person, status in rows:
            attend(s, person, status)
    for s, person in ((s1, M), (s1, L), (s2, L), (s6, M)):
        Reflection.objects.create(session=s, person=person, text="体会")

    for title, assigned, status, reported, applied in (
        ("R1", datetime.date(2025, 3, 1), "reported", datetime.date(2025, 8, 1), None),
        ("R2", datetime.date(2025, 4, 1), "applied", datetime.date(2025, 6, 1), datetime.date(2025, 12, 20)),
        ("R3", datetime.date(2025, 5, 1), "reported", datetime.date(2025, 12, 15), None),
        ("R4", datetime.date(2024, 3, 1), "reported", datetime.date(2024, 10, 1), None),
        ("R5", datetime.date(2025, 6, 1), "researching", None, None),
    ):
        ResearchTopic.objects.create(
            study_group=G, title=title, assigned_on=assigned, status=status, reported_on=reported, applied_on=applied
        )
    for person, score in ((L, "90.0"), (M, "85.5"), (h.left, "60.0")):
        ExamScore.objects.create(person=person, year=2025, score=Decimal(score))

    t1 = session(T, at(2025, 3, 3))
    attend(t1, h.town_member, P)

    E = StudyGroupFactory(unit=OrgUnitFactory(parent=h.county, kind=OrgUnit.Kind.TOWNSHIP, name="甲旗新镇"))
    return {"G": G, "T": T, "E": E, "sessions": [s1, s2, s3, s4, s5, s6, s7]}


def compute(name, groups, params=None):
    source = indicator_source(name)
    return source.compute(
        StudyGroup.objects.filter(pk__in=[g.pk for g in groups]), PERIOD, {**source.default_params, **(params or {})}
    )


def test_every_study_indicator_is_registered_with_its_defaults():
    names = [source.name for source in indicator_sources]
    assert all(name in names for name in NAMES)
    sessions = indicator_source("studygroups.concentrated_sessions")
    assert sessions.default_target == 12
    assert sessions.default_params == {"kinds": ["concentrated", "seminar", "lecture"]}
    assert indicator_source("studygroups.topic_seminars").default_target == 4
    assert indicator_source("studygroups.research_finished").default_target == 2
    with translation.override("en"):
        assert str(sessions.label) == "Concentrated study sessions held"
    with translation.override("zh-hans"):
        assert (str(sessions.label), str(sessions.unit)) == ("集中学习次数", "次")
    assert ("studygroups.StudySession", "study_group") in sessions.records


@pytest.mark.parametrize(
    ("name", "g", "t", "e"),
    [
        ("studygroups.concentrated_sessions", Decimal(4), Decimal(1), Decimal(0)),
        ("studygroups.topic_seminars", Decimal(2), Decimal(0), Decimal(0)),
        ("studygroups.planned_topics_covered", Decimal("50.0"), None, None),
        ("studygroups.attendance_rate", Decimal("70.0"), Decimal("100.0"), None),
        ("studygroups.leader_attendance_rate", Decimal("80.0"), None, None),
        ("studygroups.leader_hosted_share", Decimal("60.0"), Decimal("0.0"), None),
        ("studygroups.reflections_per_member", Decimal("1.5"), Decimal("0.0"), None),
        ("studygroups.research_finished", Decimal(2), Decimal(0), Decimal(0)),
        ("studygroups.exam_average", Decimal("87.8"), None, None),
        ("studygroups.records_on_time", Decimal("60.0"), Decimal("0.0"), None),
    ],
)
def test_each_indicator_matches_the_hand_count(county, name, g, t, e):
    values = compute(name, [county["G"], county["T"], county["E"]])
    assert values == {county["G"].pk: g, county["T"].pk: t, county["E"].pk: e}


def test_the_kinds_that_count_are_the_schemes(county):
    assert compute("studygroups.concentrated_sessions", [county["G"]], {"kinds": ["concentrated"]}) == {
        county["G"].pk: Decimal(1)
    }
    assert compute("studygroups.concentrated_sessions", [county["G"]], {"kinds": ["online", "seminar"]}) == {
        county["G"].pk: Decimal(3)
    }


def test_a_later_cut_off_counts_what_came_after_the_earlier_one(county):
    # With the cut-off after the year, s6 (15 Dec) is held: 5 sessions of the kinds, R3 reported.
    later = AssessmentPeriod(year=2025, cutoff=at(2026, 1, 15))
    source = indicator_source("studygroups.concentrated_sessions")
    groups = StudyGroup.objects.filter(pk=county["G"].pk)
    assert source.compute(groups, later, source.default_params) == {county["G"].pk: Decimal(5)}
    research = indicator_source("studygroups.research_finished")
    assert research.compute(groups, later, {}) == {county["G"].pk: Decimal(3)}
    # The same cut-off gives the same numbers twice.
    assert source.compute(groups, PERIOD, source.default_params) == source.compute(
        groups, PERIOD, source.default_params
    )


def _more_groups(world, count):
    groups = []
    for i in range(count):
        unit = OrgUnitFactory(parent=world.home.county, kind="township", name=f"查询镇{count}-{i}")
        group = StudyGroupFactory(unit=unit)
        leader = MembershipFactory(study_group=group, role=Membership.Role.LEADER).person
        s = session(group, at(2025, 4, 1), host=leader, record_on=at(2025, 4, 2))
        attend(s, leader, P)
        Reflection.objects.create(session=s, person=leader, text="体会")
        ResearchTopic.objects.create(study_group=group, title="课题", assigned_on=datetime.date(2025, 2, 1))
        ExamScore.objects.create(person=leader, year=2025, score=Decimal("80"))
        groups.append(group)
    return groups


@pytest.mark.parametrize("name", NAMES)
def test_two_groups_or_six_take_the_same_queries(world, name):
    source = indicator_source(name)
    counts = []
    for size in (2, 6):
        groups = StudyGroup.objects.filter(pk__in=[g.pk for g in _more_groups(world, size)])
        with CaptureQueriesContext(connection) as ctx:
            values = source.compute(groups, PERIOD, source.default_params)
        assert len(values) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    table = response.context["table"]
    return {row.record.pk for row in table.page.object_list}


def test_the_session_counts_link_to_exactly_the_sessions_counted(client_as, county):
    client = client_as("staff")
    s1, s2, s3, s4, s5, s6, s7 = county["sessions"]
    G = county["G"]
    sessions = indicator_source("studygroups.concentrated_sessions")
    url = sessions.records_url(G, PERIOD, sessions.default_params)
    assert url.startswith(reverse("studygroups:session_list"))
    assert _listed(client, url) == {s1.pk, s2.pk, s3.pk, s5.pk}
    assert _listed(client, sessions.records_url(G, PERIOD, {"kinds": ["concentrated"]})) == {s1.pk}
    seminars = indicator_source("studygroups.topic_seminars")
    assert _listed(client, seminars.records_url(G, PERIOD, {})) == {s2.pk, s5.pk}
    # The rates read the held sessions of any kind.
    held = indicator_source("studygroups.attendance_rate")
    assert _listed(client, held.records_url(G, PERIOD, {})) == {s1.pk, s2.pk, s3.pk, s4.pk, s5.pk}
    # A cut-off after the year needs no "until": the whole year's sessions, s6 included.
    later = AssessmentPeriod(year=2025, cutoff=at(2026, 1, 15))
    assert "until" not in sessions.records_url(G, later, sessions.default_params)
    assert _listed(client, sessions.records_url(G, later, sessions.default_params)) == {
        s1.pk,
        s2.pk,
        s3.pk,
        s5.pk,
        s6.pk,
    }


def test_reflections_link_to_the_reflections_counted(client_as, county):
    s1, s2 = county["sessions"][:2]
    source = indicator_source("studygroups.reflections_per_member")
    expected = set(Reflection.objects.filter(session__in=[s1, s2]).values_list("pk", flat=True))
    assert len(expected) == 3
    assert _listed(client_as("staff"), source.records_url(county["G"], PERIOD, {})) == expected


def test_every_records_url_opens_for_staff(client_as, county):
    client = client_as("staff")
    for name in NAMES:
        source = indicator_source(name)
        response = client.get(source.records_url(county["G"], PERIOD, source.default_params))
        assert response.status_code == 200, name
