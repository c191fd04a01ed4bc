"""seed_demo: the demo region is complete, consistent, deterministic and safe to run.

Most tests read one demo build (seed 7, reference day TODAY: data from 2023-01-01 to 2025-07-14) made
once per class and rolled back afterwards; the tests that flush or rebuild make their own. Core's part
(tree, people, accounts) is built by the demo app, the study records by the step studygroups registers.
"""

import ast
import datetime
import io
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.test import override_settings
from django.utils import timezone

from core import registry
from core.models import Membership, Notification, OrgUnit, Person, Role, StudyGroup, User, WorkdayOverride
from core.registry import DemoStep
from demo import seed
from demo.context import SCALES, DemoContext, Scale, moment
from demo.tree import DEMO_USERNAMES
from demo.writers import Rows, row
from studygroups.models import (
    Attendance,
    CoverageKey,
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    Speech,
    StudySession,
    TheoryArticle,
)
from studygroups.services.coverage import coverage_rebuild_all

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)
NOW = moment(TODAY)  # the reference moment: the start of TODAY (Asia/Shanghai)
K = OrgUnit.Kind
R = Membership.Role
S = Attendance.Status
L = Plan.Level
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
RECORD_MODELS = (
    Plan,
    PlanTopic,
    RequiredReading,
    StudySession,
    Attendance,
    Speech,
    Reflection,
    SelfStudy,
    ReadingProgress,
    ResearchTopic,
    TheoryArticle,
    ExamScore,
)


@pytest.fixture(scope="class")
def demo_world(django_db_setup, django_db_blocker):
    """The demo scale built once for the tests of a class, which only read it; rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed.build("demo", seed=7, today=TODAY)
        transaction.set_rollback(True)


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def snapshot():
    """Everything seed_demo wrote, by names and values (ids differ between runs)."""
    units = sorted(
        (u.kind, u.name, u.parent.name if u.parent else "", u.short_name, u.party_body, u.sort_order)
        for u in OrgUnit.objects.select_related("parent")
    )
    groups = sorted(StudyGroup.objects.values_list("unit__name", "name"))
    people = sorted(Person.objects.values_list("unit__name", "name", "gender", "title"))
    memberships = sorted(
        Membership.objects.values_list("study_group__name", "person__name", "role", "start_date", "end_date")
    )
    users = sorted(User.objects.values_list("username", "role", "last_name", "first_name"))
    return units, groups, people, memberships, users, records_snapshot()


def records_snapshot():
    """The study records by names and values, with when they were entered and by whom."""
    person = ("person__unit__name", "person__name")
    session = ("session__study_group__name", "session__starts_at")
    entered = ("created_at", "created_by__username")
    return {
        "plans": sorted(
            Plan.objects.values_list(
                "level",
                "unit__name",
                "study_group__name",
                "year",
                "quarter",
                "title",
                "document_number",
                "issued_on",
                *entered,
            ),
            key=str,
        ),
        "topics": sorted(
            PlanTopic.objects.values_list(
                "plan__title", "plan__unit__name", "order", "title", "planned_month", "place"
            ),
            key=str,
        ),
        "readings": sorted(RequiredReading.objects.values_list("unit__name", "year", "order", "title", *entered)),
        "sessions": sorted(
            StudySession.objects.values_list(
                "study_group__name",
                "starts_at",
                "ends_at",
                "title",
                "kind",
                "place",
                "host__name",
                "materials",
                "record",
                "record_entered_at",
                "notice_sent_at",
                "record_reminder_sent_at",
                "version",
                *entered,
            ),
            key=str,
        ),
        "session topics": sorted(
            StudySession.topics.through.objects.values_list(
                "studysession__study_group__name", "studysession__starts_at", "plantopic__title"
            )
        ),
        "attendance": sorted(
            Attendance.objects.values_list(
                *session, *person, "status", "reason", "method", "checked_in_at", "makeup_done_on", *entered
            ),
            key=str,
        ),
        "speeches": sorted(Speech.objects.values_list(*session, *person, "topic", "gist", "is_lead"), key=str),
        "reflections": sorted(Reflection.objects.values_list(*session, *person, "text", *entered), key=str),
        "self-study": sorted(SelfStudy.objects.values_list(*person, "date", "material", "hours", *entered), key=str),
        "reading": sorted(
            ReadingProgress.objects.values_list(*person, "reading__title", "reading__year", "finished_on"), key=str
        ),
        "research": sorted(
            ResearchTopic.objects.values_list(
                "study_group__name", "title", "lead__name", "status", "assigned_on", "reported_on", "applied_on"
            ),
            key=str,
        ),
        "articles": sorted(TheoryArticle.objects.values_list(*person, "kind", "title", "written_on"), key=str),
        "exams": sorted(ExamScore.objects.values_list(*person, "year", "score", "exam_date", *entered), key=str),
    }


def by_group(memberships):
    grouped = defaultdict(list)
    for m in memberships:
        grouped[m.study_group_id].append(m)
    return grouped


def active_membership(role: str | None = None):
    """A membership of the attendance row's person in the session's group on the session's day."""
    memberships = Membership.objects.filter(
        study_group=OuterRef("session__study_group"), person=OuterRef("person"), start_date__lte=OuterRef("day")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("day")))
    return Exists(memberships.filter(role=role) if role else memberships)


class TestDemoRegion:
    """The organizations, groups, people and accounts of one demo build."""

    def test_demo_scale_builds_the_expected_numbers(self, demo_world):
        kinds = Counter(OrgUnit.objects.values_list("kind", flat=True))
        assert kinds[K.REGION] == 1 and kinds[K.COUNTY] == 1
        assert kinds[K.DEPARTMENT] == 19 and kinds[K.TOWNSHIP] == 10
        assert 40 <= kinds[K.VILLAGE] + kinds[K.COMMUNITY] <= 80 and kinds[K.COMMUNITY] >= 1
        assert StudyGroup.objects.count() == 30
        assert set(StudyGroup.objects.values_list("unit__kind", flat=True)) == {K.COUNTY, K.DEPARTMENT, K.TOWNSHIP}

        current = Membership.objects.active_on(TODAY)
        assert current.count() == 300  # the scale's member total, exactly
        assert current.values("person").distinct().count() == 300  # nobody holds two seats at once
        # Three years of turnover: people who left are kept with their ended memberships.
        assert 330 <= Person.objects.count() <= 450
        sizes = Counter(current.values_list("study_group", flat=True))
        assert min(sizes.values()) >= 6 and max(sizes.values()) <= 18
        assert demo_world.counts["current members"] == 300 and demo_world.counts["study groups"] == 30

    def test_every_group_has_one_leader_and_one_secretary_every_day(self, demo_world):
        memberships = list(Membership.objects.all())
        days = [TODAY] + [datetime.date(y, m, 1) for y in demo_world.years for m in (1, 4, 7, 10)]
        days = [d for d in days if d <= TODAY]
        for group_id, rows in by_group(memberships).items():
            for day in days:
                roles = Counter(m.role for m in rows if m.is_active_on(day))
                assert roles[R.LEADER] == 1, (group_id, day)
                assert roles[R.SECRETARY] == 1, (group_id, day)
                assert 1 <= roles[R.DEPUTY] <= 2, (group_id, day)
                assert roles[R.MEMBER] >= 3, (group_id, day)

    def test_memberships_respect_dates_and_never_overlap(self, demo_world):
        memberships = list(Membership.objects.all())
        per_person = defaultdict(list)
        for m in memberships:
            assert m.start_date <= TODAY, "nothing starts after the reference day"
            assert m.end_date is None or m.start_date <= m.end_date < TODAY
            assert m.role_order == Membership.ROLE_ORDER[m.role]
            per_person[m.study_group_id, m.person_id].append(m)
        for rows in per_person.values():
            rows.sort(key=lambda m: m.start_date)
            for before, after in zip(rows, rows[1:], strict=False):
                assert before.end_date is not None and before.end_date < after.start_date
        # Every person has a membership; people work in the group's unit (the county group's study
        # secretary comes from the propaganda department).
        assert not Person.objects.filter(memberships__isnull=True).exists()
        for m in Membership.objects.select_related("person", "study_group__unit").exclude(role=R.SECRETARY):
            assert m.person.unit_id == m.study_group.unit_id

    def test_turnover_replaces_people_the_next_day(self, demo_world):
        memberships = list(Membership.objects.select_related("study_group"))
        ended = [m for m in memberships if m.end_date is not None and m.end_date.year in demo_world.years]
        assert len(ended) >= 30, "a few dozen seats changed hands over three years"
        starts = {(m.study_group_id, m.role, m.start_date) for m in memberships}
        for m in ended:
            assert (m.study_group_id, m.role, m.end_date + datetime.timedelta(days=1)) in starts

        # A member who left mid-year is on the roster before and not after.
        left = next(m for m in ended if m.end_date.month in (5, 6, 7, 8) and m.role == R.MEMBER)
        roster_before = set(left.study_group.memberships_on(left.end_date).values_list("person", flat=True))
        roster_after = set(
            left.study_group.memberships_on(left.end_date + datetime.timedelta(days=1)).values_list("person", flat=True)
        )
        assert left.person_id in roster_before and left.person_id not in roster_after
        assert len(roster_before) == len(roster_after)

    def test_org_tree_paths_and_kinds(self, demo_world):
        units = list(OrgUnit.objects.select_related("parent"))
        for unit in units:
            assert unit.path == (unit.parent.descendant_prefix if unit.parent else "/"), unit
            unit.clean()  # the kind may stand under its parent
        region = OrgUnit.objects.get(kind=K.REGION)
        assert OrgUnit.objects.under(region).count() == len(units)
        county = OrgUnit.objects.get(kind=K.COUNTY)
        assert county.parent == region and len(county.short_name) == 1 and county.name[-1] in "旗县"
        for branch in OrgUnit.objects.filter(kind__in=OrgUnit.BRANCH_KINDS).select_related("parent"):
            assert branch.parent.kind == K.TOWNSHIP and branch.party_body == OrgUnit.PartyBody.BRANCH
            assert branch.name.endswith("社区" if branch.kind == K.COMMUNITY else ("村", "嘎查"))

    def test_names_and_titles_look_real(self, demo_world):
        county = OrgUnit.objects.get(kind=K.COUNTY)
        q = county.name[-1]
        departments = set(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("name", flat=True))
        for name in (
            f"{county.name}委宣传部",
            f"{county.name}委组织部",
            f"{county.name}教育局",
            f"{county.name}财政局",
        ):
            assert name in departments
        bodies = Counter(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("party_body", flat=True))
        assert bodies[OrgUnit.PartyBody.GROUP] > len(departments) / 2  # mostly 党组
        for town in OrgUnit.objects.filter(kind=K.TOWNSHIP):
            assert town.name.endswith(("镇", "乡", "苏木")) and town.party_body == OrgUnit.PartyBody.COMMITTEE
        group_names = set(StudyGroup.objects.values_list("name", flat=True))
        assert f"{county.name}委理论学习中心组" in group_names
        assert f"{county.name}教育局党组理论学习中心组" in group_names
        assert all(name.endswith("理论学习中心组") for name in group_names)

        people = list(Person.objects.all())
        assert all(CJK_NAME.match(p.name) for p in people)
        genders = Counter(p.gender for p in people)
        assert 0.15 < genders[Person.Gender.FEMALE] / len(people) < 0.5
        leaders = {
            m.person.title for m in Membership.objects.active_on(TODAY).filter(role=R.LEADER).select_related("person")
        }
        assert f"{q}委书记" in leaders and "党委书记" in leaders and "党组书记、局长" in leaders
        titles = " ".join(Person.objects.values_list("title", flat=True))
        for word in ("副局长", "科长", "人大主席", "纪委书记", "组织委员", "宣传委员"):
            assert word in titles

    def test_history_rows_for_everything_created(self, demo_world):
        for model in (OrgUnit, StudyGroup, Person, Membership, User, *RECORD_MODELS):
            assert model.history.filter(history_type="+").count() == model.objects.count() > 0, model

    def test_demo_accounts_scopes_and_password(self, demo_world, settings):
        users = {u.username: u for u in User.objects.all()}
        assert set(users) == set(DEMO_USERNAMES), "seed_demo creates no other account"
        for user in users.values():
            assert user.check_password(settings.DEMO_PASSWORD) and not user.is_superuser and not user.is_staff
            assert user.get_full_name()
        county = OrgUnit.objects.get(kind=K.COUNTY)
        region = OrgUnit.objects.get(kind=K.REGION)
        staff, inspector, secretary = users["staff"], users["inspector"], users["secretary"]
        member, auditor = users["member"], users["auditor"]
        assert (staff.role, staff.scope_unit) == (Role.STAFF, county)
        assert (inspector.role, inspector.scope_unit) == (Role.INSPECTOR, county)
        assert (auditor.role, auditor.scope_unit) == (Role.AUDITOR, region)
        assert secretary.role == Role.SECRETARY and secretary.study_group.unit.kind == K.DEPARTMENT
        group = secretary.study_group
        assert group.unit.parent == county
        # The secretary account is the group's current study secretary; the member account a current member.
        current = {m.person_id: m.role for m in group.memberships_on(TODAY)}
        assert current[secretary.person_id] == R.SECRETARY
        assert member.role == Role.MEMBER and current[member.person_id] == R.MEMBER
        assert secretary.get_full_name() == secretary.person.name and member.get_full_name() == member.person.name

        assert StudyGroup.objects.visible_to(staff).count() == 30
        assert StudyGroup.objects.visible_to(inspector).count() == 30
        assert OrgUnit.objects.visible_to(auditor).count() == OrgUnit.objects.count()
        assert list(StudyGroup.objects.visible_to(secretary)) == [group]
        assert Person.objects.visible_to(secretary).filter(memberships__study_group=group).exists()
        assert set(Membership.objects.visible_to(member).values_list("study_group", flat=True)) == {group.pk}
        assert Person.objects.visible_to(staff).count() == Person.objects.count()

    def test_flush_keeps_real_accounts_safe(self, demo_world):
        county = OrgUnit.objects.get(kind=K.COUNTY)
        User.objects.create_user("zhangwei", role=Role.STAFF, scope_unit=county)
        with pytest.raises(CommandError, match="zhangwei"):
            call_command("seed_demo", "--flush", "--no-progress", stdout=io.StringIO())
        assert OrgUnit.objects.exists() and User.objects.count() == 6

    def test_flush_refuses_when_records_of_an_app_without_a_step_refer_to_the_tree(self, demo_world, monkeypatch):
        # As if the study records belonged to an app that registers no demo step.
        monkeypatch.setattr(registry.demo_steps, "items", [])
        with pytest.raises(seed.DemoDataError, match="studygroups.StudySession") as refused:
            seed.flush()
        assert "studygroups.Attendance" in str(refused.value) and "register its step" in str(refused.value)
        assert Person.objects.count() == len(demo_world.people)
        assert User.objects.count() == 5

    def test_flush_refuses_when_a_step_leaves_out_a_model_it_fills(self, demo_world, monkeypatch):
        step = next(step for step in registry.demo_steps if step.name == "studygroups")
        partial = DemoStep(step.name, step.build, tuple(m for m in step.models if m != "studygroups.Speech"))
        monkeypatch.setattr(registry.demo_steps, "items", [partial])
        with pytest.raises(seed.DemoDataError, match="studygroups.Speech"):
            seed.flush()
        assert Speech.objects.count() == demo_world.counts["speeches"]


class TestDemoRecords:
    """Three years of plans, sessions and what members did, with realistic gaps (seed 7, TODAY)."""

    def test_counts_are_the_domain_scale(self, demo_world):
        # DOMAIN.md: ~1,200 sessions and ~12,000 attendance rows over three years for 30 groups. TODAY is
        # mid-July, so the third year is half over: the counts stay within 20 % and 25 %.
        sessions, attendance = StudySession.objects.count(), Attendance.objects.count()
        assert 960 <= sessions <= 1440
        assert 9_000 <= attendance <= 15_000
        assert demo_world.counts["study sessions"] == sessions
        assert demo_world.counts["attendance records"] == attendance
        # Past sessions about once a month per group, a few more in the busier groups.
        past = StudySession.objects.filter(starts_at__lt=NOW)
        per_group_year = Counter(past.values_list("study_group", "starts_at__year"))
        full_years = [n for (group, year), n in per_group_year.items() if year < 2025]
        assert len(full_years) == 60 and 8 <= sum(full_years) / 60 <= 17
        speeches = Speech.objects.count()
        with_record = past.exclude(record="").count()
        assert 2 * with_record <= speeches <= 3 * with_record

    def test_plans_of_every_year(self, demo_world):
        region = OrgUnit.objects.get(kind=K.REGION)
        county = OrgUnit.objects.get(kind=K.COUNTY)
        musts = {2023: "主题教育", 2024: "党纪学习教育", 2025: "党的二十届三中全会精神"}
        for year in (2023, 2024, 2025):
            plans = Plan.objects.filter(year=year)
            arrangement = plans.get(level=L.ARRANGEMENT)
            assert arrangement.unit == county and arrangement.issuer == f"{region.name}委宣传部"
            assert re.fullmatch(rf"{region.short_name}宣发〔{year}〕\d号", arrangement.document_number)
            arranged = list(arrangement.topics.values_list("title", flat=True))
            assert 10 <= len(arranged) <= 12 and any(musts[year] in title for title in arranged)
            county_plan = plans.get(level=L.COUNTY)
            assert county_plan.issuer == f"{county.name}委宣传部" and county_plan.issued_on > arrangement.issued_on
            assert set(county_plan.topics.values_list("title", flat=True)) <= set(arranged)
            assert not county_plan.topics.filter(planned_month__isnull=True).exists()

            annual = {p.study_group_id: p for p in plans.filter(level=L.ANNUAL).prefetch_related("topics")}
            assert len(annual) == 30, "every group has its annual plan"
            for plan in annual.values():
                topics = list(plan.topics.all())
                titles = [t.title for t in topics]
                assert 7 <= len(topics) <= 12 and len(set(titles)) == len(titles)
                assert all(t.planned_month and t.place and t.participants for t in topics)
                assert plan.issued_on >= county_plan.issued_on
            for quarterly in plans.filter(level=L.QUARTERLY).prefetch_related("topics"):
                annual_titles = {t.title for t in annual[quarterly.study_group_id].topics.all()}
                for topic in quarterly.topics.all():
                    assert topic.title in annual_titles
                    assert (topic.planned_month - 1) // 3 + 1 == quarterly.quarter
        # Mid-July: the third quarter's plans are out, the fourth's not yet.
        quarters = Counter(Plan.objects.filter(year=2025, level=L.QUARTERLY).values_list("quarter", flat=True))
        assert quarters[3] >= 25 and quarters[4] == 0
        assert Counter(Plan.objects.filter(year=2024, level=L.QUARTERLY).values_list("quarter", flat=True))[4] >= 28

        readings = Counter(RequiredReading.objects.filter(unit=county).values_list("year", flat=True))
        assert set(readings) == {2023, 2024, 2025} and all(4 <= n <= 6 for n in readings.values())
        assert RequiredReading.objects.filter(year=2025, title="《习近平谈治国理政》第五卷").exists()
        assert RequiredReading.objects.filter(year=2024, title="《中国共产党纪律处分条例》").exists()

    def test_nothing_is_entered_after_the_reference_day(self, demo_world):
        for model in RECORD_MODELS:
            assert not model.objects.filter(created_at__gte=NOW).exists(), model
            assert not model.objects.filter(updated_at__gte=NOW).exists(), model
        future = StudySession.objects.filter(starts_at__gte=NOW)
        assert future.exists(), "the next weeks' sessions are already planned"
        assert future.filter(starts_at__lt=NOW + datetime.timedelta(days=45)).count() == future.count()
        assert not future.exclude(record="").exists() and not future.filter(record_entered_at__isnull=False).exists()
        assert not Attendance.objects.filter(session__starts_at__gte=NOW).exists()
        assert not Speech.objects.filter(session__starts_at__gte=NOW).exists()
        assert not Reflection.objects.filter(session__starts_at__gte=NOW).exists()
        assert not StudySession.objects.filter(record_entered_at__gte=NOW).exists()
        assert not SelfStudy.objects.filter(date__gte=TODAY).exists()
        assert not ReadingProgress.objects.filter(finished_on__gte=TODAY).exists()
        assert not Attendance.objects.filter(makeup_done_on__gte=TODAY).exists()
        assert not TheoryArticle.objects.filter(written_on__gte=TODAY).exists()
        assert set(ExamScore.objects.values_list("year", flat=True)) == {2023, 2024}, "this year's exam is in winter"
        assert not ResearchTopic.objects.filter(Q(assigned_on__gte=TODAY) | Q(reported_on__gte=TODAY)).exists()

    def test_attendance_is_everyone_in_the_group_that_day_and_nobody_else(self, demo_world):
        # Nobody outside the group on the session's day (the day in Asia/Shanghai).
        rows = Attendance.objects.annotate(day=TruncDate("session__starts_at"))
        assert rows.count() > 9000
        assert not rows.exclude(active_membership()).exists()
        # Everybody in it, for the sessions whose sheet is entered (all but the last days' sessions).
        memberships = by_group(Membership.objects.all())
        present = defaultdict(set)
        for session_id, person_id in Attendance.objects.values_list("session", "person"):
            present[session_id].add(person_id)
        settled = StudySession.objects.filter(starts_at__lt=NOW - datetime.timedelta(days=3))
        for session in settled:
            roster = {m.person_id for m in memberships[session.study_group_id] if m.is_active_on(session.day)}
            assert present[session.pk] == roster, session

    def test_leave_absence_and_make_ups(self, demo_world):
        statuses = Counter(Attendance.objects.values_list("status", flat=True))
        total = sum(statuses.values())
        assert 0.05 <= statuses[S.LEAVE] / total <= 0.10
        assert 0.005 <= statuses[S.ABSENT] / total <= 0.03
        assert statuses[S.LATE] > 0 and statuses[S.PRESENT] / total > 0.85
        reasons = Counter(Attendance.objects.filter(status=S.LEAVE).values_list("reason", flat=True))
        assert "" not in reasons and {"出差", "下乡调研", "参加上级会议", "病假", "培训"} <= set(reasons)
        assert not Attendance.objects.exclude(status=S.LEAVE).exclude(reason="").exists()
        # Most leaves are made up within a month; some are still owed.
        leaves = list(
            Attendance.objects.filter(
                status=S.LEAVE, session__starts_at__lt=NOW - datetime.timedelta(days=40)
            ).select_related("session")
        )
        done = [a for a in leaves if a.makeup_done_on]
        assert 0.7 <= len(done) / len(leaves) < 0.95
        assert all(
            a.makeup_notes and a.session.day < a.makeup_done_on <= a.session.day + datetime.timedelta(days=30)
            for a in done
        )
        assert not Attendance.objects.exclude(status=S.LEAVE).filter(makeup_done_on__isnull=False).exists()
        assert Attendance.objects.filter(status=S.LEAVE, makeup_done_on__isnull=True).count() >= 10

    def test_records_mostly_on_time_some_late_some_missing(self, demo_world, settings):
        past = list(StudySession.objects.filter(starts_at__lt=NOW))
        entered = [s for s in past if s.record_entered_at]
        late = [s for s in entered if s.record_is_late]
        assert 0.03 <= len(late) / len(entered) <= 0.15
        assert all((local_day(s.record_entered_at) - s.day).days > settings.LATE_ENTRY_DAYS for s in late)
        # The year-end rush: records of earlier months written in December.
        rush = [s for s in late if local_day(s.record_entered_at).month == 12 and s.day.month < 11]
        assert len(rush) >= 5
        within_three_days = [s for s in entered if (local_day(s.record_entered_at) - s.day).days <= 3]
        assert len(within_three_days) / len(entered) >= 0.85
        missing = [s for s in past if not s.record]
        assert 0.01 <= len(missing) / len(past) <= 0.08
        assert all(s.record_entered_at is None and not s.speeches.exists() for s in missing[:20])
        # Late entries show on attendance and reflections too, but stay a minority.
        attendance = list(Attendance.objects.select_related("session"))
        late_rows = sum(a.is_late_entry for a in attendance)
        assert 0.02 <= late_rows / len(attendance) <= 0.15
        reflections = list(Reflection.objects.select_related("session"))
        assert 0.01 <= sum(r.is_late_entry for r in reflections) / len(reflections) <= 0.15

    def test_some_groups_fall_behind_their_plan(self, demo_world):
        # Topics of the 2024 annual plans (all their months are over) and whether a session of the group covered them.
        covered = StudySession.topics.through.objects.filter(
            plantopic=OuterRef("pk"), studysession__study_group=OuterRef("plan__study_group")
        )
        rows = PlanTopic.objects.filter(plan__level=L.ANNUAL, plan__year=2024).annotate(done=Exists(covered))
        planned, done = Counter(), Counter()
        for group_id, is_done in rows.values_list("plan__study_group", "done"):
            planned[group_id] += 1
            done[group_id] += is_done
        behind = [g for g in planned if done[g] < planned[g]]
        assert behind, "at least one group covered fewer topics than it planned"
        assert sum(done.values()) / sum(planned.values()) >= 0.75, "most groups keep to their plan"
        assert min(done[g] / planned[g] for g in planned) < 0.8
        # The groups drawn as behind in 2024 cover less than the others.
        drawn = {demo_world.groups[gi].pk for gi, year in demo_world.state["studygroups"].behind if year == 2024}

        def share(groups):
            return sum(done[g] for g in groups) / sum(planned[g] for g in groups)

        assert share(drawn) < share(set(planned) - drawn)

    def test_sessions_cover_topics_of_their_own_plan(self, demo_world):
        links = StudySession.topics.through.objects.values_list(
            "studysession__study_group",
            "studysession__starts_at",
            "plantopic__plan__study_group",
            "plantopic__plan__level",
            "plantopic__plan__year",
            "plantopic__plan__created_at",
            "studysession__created_at",
        )
        assert len(links) > 500
        for group, starts_at, plan_group, level, year, plan_at, session_at in links:
            assert (plan_group, level, year) == (group, L.ANNUAL, local_day(starts_at).year)
            assert plan_at <= session_at, "a session links topics of a plan that was out when it was entered"

    def test_coverage_keys_are_built_for_the_bulk_written_plans(self, demo_world):
        """Plans, topics and sessions are written below the ORM (no signals): the step builds their coverage
        keys at its end, the rows a rebuild writes, one per planned topic of a group's year."""
        fields = ("study_group_id", "year", "title_key", "due_month", "first_held_at")
        built = set(CoverageKey.objects.values_list(*fields))
        planned = PlanTopic.objects.filter(plan__level__in=(L.ANNUAL, L.QUARTERLY))
        assert len(built) == planned.values("plan__study_group", "plan__year", "title_key").distinct().count() > 100
        assert any(row[-1] for row in built) and not all(row[-1] for row in built)
        with transaction.atomic():
            coverage_rebuild_all()
            assert set(CoverageKey.objects.values_list(*fields)) == built
            transaction.set_rollback(True)

    def test_some_leaders_are_often_away(self, demo_world):
        # The leader's attendance at each session of their group (the leader on the session's day).
        rows = (
            Attendance.objects.annotate(day=TruncDate("session__starts_at"))
            .filter(active_membership(R.LEADER))
            .values_list("session__study_group", "day", "status")
        )
        sessions, away, per_year = Counter(), Counter(), Counter()
        for group, day, status in rows:
            sessions[group] += 1
            if status in (S.LEAVE, S.ABSENT):
                away[group] += 1
                per_year[group, day.year] += 1
        assert sum(sessions.values()) == StudySession.objects.filter(attendances__isnull=False).distinct().count()
        # "Absent leaders": in the groups drawn for it the leader misses a third of the sessions, 3+ a year.
        drawn = {demo_world.groups[gi].pk for gi in demo_world.state["studygroups"].flags.absent_leader}
        assert drawn and {group for (group, _year), n in per_year.items() if n >= 3} & drawn

        def rate(groups):
            return sum(away[g] for g in groups) / sum(sessions[g] for g in groups)

        assert rate(drawn) >= 0.25 and rate(set(sessions) - drawn) <= 0.15
        # A leader who is away does not host: a deputy does.
        hosts_away = Attendance.objects.filter(status__in=[S.LEAVE, S.ABSENT], session__host=F("person"))
        assert not hosts_away.exists()

    def test_sessions_look_like_the_seeds(self, demo_world):
        sessions = list(StudySession.objects.select_related("study_group", "host"))
        kinds = Counter(s.kind for s in sessions)
        assert set(kinds) == set(StudySession.Kind.values)
        assert (kinds["concentrated"] + kinds["seminar"]) / len(sessions) >= 0.6
        memberships = by_group(Membership.objects.all())
        leader_hosts = 0
        for s in sessions:
            assert s.ends_at > s.starts_at and s.place and s.materials and s.title
            assert timezone.localtime(s.starts_at).weekday() < 5, s
            on_day = {m.person_id: m.role for m in memberships[s.study_group_id] if m.is_active_on(s.day)}
            assert s.host_id in on_day, s
            leader_hosts += on_day[s.host_id] == R.LEADER
            if s.record:
                assert s.study_group.name in s.record and "应到" in s.record
        assert leader_hosts / len(sessions) >= 0.75, "the leader usually hosts"

    def test_materials_entry_times_are_realistic(self, demo_world):
        sessions = list(StudySession.objects.all())
        assert all(s.materials_entered_at == s.created_at for s in sessions)  # entered with the session
        ahead = Counter()
        for s in sessions:
            days = (s.day - timezone.localdate(s.materials_entered_at)).days
            ahead["after" if days < 0 else "short" if days < 7 else "week"] += 1
        assert ahead["week"] / len(sessions) >= 0.7, ahead  # most a week or more before
        assert ahead["short"] and ahead["after"], ahead  # some late, the year-end rush after the fact
        first = StudySession.history.filter(history_type="+", materials_entered_at=F("created_at"))
        assert first.count() == len(sessions)

    def test_session_history_rows_hold_the_sessions_topics(self, demo_world):
        topics = defaultdict(set)
        for session_id, topic_id in StudySession.topics.through.objects.values_list("studysession", "plantopic"):
            topics[session_id].add(topic_id)
        assert topics
        held = defaultdict(set)
        links = StudySession.history.model.topics.model.objects.values_list("history", "plantopic")
        for history_id, topic_id in links:
            held[history_id].add(topic_id)
        records = list(StudySession.history.values_list("history_id", "id", "history_type"))
        assert {kind for _h, _id, kind in records} == {"+", "~"}
        for history_id, session_id, _kind in records:
            assert held[history_id] == topics[session_id], (session_id, history_id)

    def test_speakers_attended_and_take_turns(self, demo_world):
        attended = set(Attendance.objects.filter(status__in=[S.PRESENT, S.LATE]).values_list("session", "person"))
        per_session = Counter()
        leads = Counter()
        per_person = Counter()
        for session_id, person_id, is_lead, group_id in Speech.objects.values_list(
            "session", "person", "is_lead", "session__study_group"
        ):
            assert (session_id, person_id) in attended
            per_session[session_id] += 1
            leads[session_id] += is_lead
            per_person[group_id, person_id] += 1
        assert all(1 <= n <= 3 for n in per_session.values()) and max(leads.values()) == 2
        assert sum(1 for n in per_session.values() if n >= 2) / len(per_session) >= 0.95
        assert not Speech.objects.filter(session__record="").exists()
        # Turns (成员轮流制): in every group at least half the people who ever sat in it have spoken.
        speakers = Counter(group for group, _person in per_person)
        seated = Counter(group for group, _person in set(Membership.objects.values_list("study_group", "person")))
        assert set(speakers) == set(seated)
        assert all(speakers[group] >= seated[group] / 2 for group in seated), (speakers, seated)

    def test_qr_check_ins_for_recent_sessions(self, demo_world):
        qr = list(Attendance.objects.filter(method=Attendance.Method.QR).select_related("session"))
        assert len(qr) >= 100
        for a in qr:
            minutes = (a.checked_in_at - a.session.starts_at).total_seconds() / 60
            assert -30 <= minutes <= 60 and a.created_at == a.checked_in_at
            assert a.status == (S.LATE if minutes > 15 else S.PRESENT)
        assert min(a.session.day for a in qr) >= datetime.date(2024, 6, 1), "QR check-in came in recently"
        assert not Attendance.objects.filter(method=Attendance.Method.MANUAL, checked_in_at__isnull=False).exists()

    def test_reflections_by_those_who_attended_after_the_session(self, demo_world):
        attended = set(Attendance.objects.filter(status__in=[S.PRESENT, S.LATE]).values_list("session", "person"))
        reflections = list(Reflection.objects.select_related("session"))
        assert len(reflections) >= 1000
        for r in reflections:
            assert (r.session_id, r.person_id) in attended and r.created_at > r.session.ends_at and r.text
        per_session = Counter(r.session_id for r in reflections)
        past = StudySession.objects.filter(starts_at__lt=NOW - datetime.timedelta(days=10)).count()
        assert 0.3 <= len(per_session) / past <= 0.6, "about two sessions in five have reflections"
        attendees = Counter(s for s, _p in attended)
        shares = [n / attendees[s] for s, n in per_session.items()]
        assert 0.25 <= sum(shares) / len(shares) <= 0.55

    def test_research_topics_are_consistent(self, demo_world):
        topics = list(ResearchTopic.objects.all())
        St = ResearchTopic.Status
        per_group_year = Counter((t.study_group_id, t.assigned_on.year) for t in topics)
        assert all(per_group_year[g.pk, y] >= 2 for g in StudyGroup.objects.all() for y in (2023, 2024))
        for t in topics:
            assert datetime.date(t.assigned_on.year, 6, 1) <= t.assigned_on <= datetime.date(t.assigned_on.year, 7, 31)
            assert t.due_on >= t.assigned_on and t.title.startswith("关于") and t.title.endswith("的调研")
            if t.status in (St.REPORTED, St.APPLIED):
                assert t.report and t.assigned_on < t.reported_on < TODAY
            else:
                assert not t.report and t.reported_on is None
            if t.status == St.APPLIED:
                assert t.application and t.reported_on < t.applied_on < TODAY
            else:
                assert not t.application and t.applied_on is None
        past = Counter(t.status for t in topics if t.assigned_on.year < 2025)
        assert past[St.APPLIED] and past[St.REPORTED] and past[St.RESEARCHING]
        assert (past[St.APPLIED] + past[St.REPORTED]) / sum(past.values()) >= 0.75
        assert {t.status for t in topics if t.assigned_on.year == 2025} <= {St.ASSIGNED, St.RESEARCHING}

    def test_self_study_reading_articles_and_exams(self, demo_world):
        hours = list(SelfStudy.objects.values_list("hours", flat=True))
        assert len(hours) >= 1000 and min(hours) >= Decimal("1") and max(hours) <= Decimal("4")
        people_2024 = set(
            Membership.objects.filter(start_date__lte=datetime.date(2024, 12, 31))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(2024, 1, 1)))
            .values_list("person", flat=True)
        )
        studied = Counter(SelfStudy.objects.filter(date__year=2024).values_list("person", flat=True))
        assert sum(studied.values()) / len(people_2024) >= 2, "a few self-study entries per member and year"
        finished = ReadingProgress.objects.filter(finished_on__isnull=False)
        assert finished.exists() and ReadingProgress.objects.filter(finished_on__isnull=True).exists()
        for p in ReadingProgress.objects.select_related("reading", "person")[:300]:
            assert p.finished_on is None or p.finished_on.year == p.reading.year
        assert TheoryArticle.objects.count() >= 50
        assert set(TheoryArticle.objects.values_list("kind", flat=True)) == set(TheoryArticle.Kind.values)
        scores = list(ExamScore.objects.values_list("score", flat=True))
        assert min(scores) >= 60 and max(scores) <= 100
        assert sum(80 <= s <= 95 for s in scores) / len(scores) >= 0.8
        # One score per person and year, for everyone in a group on the exam day.
        for year in (2023, 2024):
            exam_day = ExamScore.objects.filter(year=year).values_list("exam_date", flat=True).first()
            sat = set(Membership.objects.active_on(exam_day).values_list("person", flat=True))
            assert set(ExamScore.objects.filter(year=year).values_list("person", flat=True)) == sat

    def test_entry_times_and_authors_are_in_the_history(self, demo_world):
        secretary, member, staff = (demo_world.accounts[name] for name in ("secretary", "member", "staff"))
        for model in RECORD_MODELS:
            added = model.history.filter(history_type="+")
            assert not added.exclude(history_date=F("created_at")).exists(), model
            mismatched = added.exclude(history_user=F("created_by")).exclude(
                history_user__isnull=True, created_by__isnull=True
            )
            assert not mismatched.exists(), model
            assert set(model.objects.values_list("created_by", flat=True)) <= {None, secretary.pk, member.pk, staff.pk}
        group = secretary.study_group
        assert set(StudySession.objects.filter(study_group=group).values_list("created_by", flat=True)) == {
            secretary.pk
        }
        assert set(StudySession.objects.exclude(study_group=group).values_list("created_by", flat=True)) == {None}
        assert set(Reflection.objects.filter(person=member.person).values_list("created_by", flat=True)) == {member.pk}
        assert set(Plan.objects.filter(level=L.COUNTY).values_list("created_by", flat=True)) == {staff.pk}

        # A session entered before it took place: created without a record, the record added afterwards.
        session = StudySession.objects.filter(
            study_group=group, record_entered_at__gt=F("created_at"), version=2
        ).first()
        history = list(session.history.order_by("history_date"))
        assert [h.history_type for h in history] == ["+", "~"]
        assert history[0].history_date == session.created_at and history[0].record == ""
        assert history[0].record_entered_at is None and history[0].version == 1
        assert history[1].history_date == session.record_entered_at == session.updated_at
        assert history[1].record == session.record and history[1].history_user == secretary
        # Sessions of the year-end rush were entered, record and all, at once.
        rushed = StudySession.objects.filter(created_at=F("record_entered_at")).first()
        assert rushed is not None and rushed.history.count() == 1 and rushed.record_is_late

    def test_demo_accounts_see_full_pages(self, demo_world):
        secretary, member = demo_world.accounts["secretary"], demo_world.accounts["member"]
        sessions = StudySession.objects.visible_to(secretary)
        assert sessions.count() >= 30 and sessions.exclude(record="").count() >= 25
        assert sessions.filter(starts_at__gte=NOW - datetime.timedelta(days=60)).exists()
        assert Attendance.objects.visible_to(secretary).count() >= 200
        assert Speech.objects.visible_to(secretary).count() >= 50
        assert Reflection.objects.visible_to(secretary).count() >= 20
        assert Plan.objects.visible_to(secretary).filter(level=L.ANNUAL, study_group=secretary.study_group).count() == 3
        assert ResearchTopic.objects.visible_to(secretary).count() >= 4
        me = member.person
        assert Attendance.objects.visible_to(member).filter(person=me).count() >= 20
        assert Reflection.objects.visible_to(member).filter(person=me).exists()
        assert SelfStudy.objects.visible_to(member).filter(person=me).exists()
        assert ReadingProgress.objects.visible_to(member).filter(person=me).exists()
        assert ExamScore.objects.visible_to(member).filter(person=me).count() == 2


@override_settings(DEMO_PASSWORD="another-demo-pass-42")
def test_demo_password_comes_from_settings():
    seed.build("demo", seed=3, today=TODAY, steps=())  # core's part only
    for user in User.objects.all():
        assert user.check_password("another-demo-pass-42") and not user.check_password("demo12345")


def test_same_seed_same_data_other_seed_other_data():
    seed.build("demo", seed=11, today=TODAY)
    first = snapshot()
    records = first[5]
    assert len(records["sessions"]) > 900 and len(records["attendance"]) > 9000
    deleted = seed.flush()
    assert deleted["core.Membership"] == len(first[3])
    assert deleted["studygroups.Attendance"] == len(records["attendance"])
    assert deleted["studygroups.StudySession"] == len(records["sessions"])
    for model in (OrgUnit, Person, User, *RECORD_MODELS):
        assert not model.objects.exists(), model
    assert not StudySession.topics.through.objects.exists()
    assert OrgUnit.history.filter(history_type="-").count() == len(first[0])  # deletions are audited
    assert Attendance.history.filter(history_type="-").count() == len(records["attendance"])

    seed.build("demo", seed=11, today=TODAY)
    assert snapshot() == first

    seed.flush()
    seed.build("demo", seed=12, today=TODAY)
    other = snapshot()
    assert other[2] != first[2]  # different people
    assert set(other[2]).isdisjoint(first[2]) or len(set(other[2]) & set(first[2])) < 10
    assert len(other[3]) > 0 and Membership.objects.active_on(TODAY).count() == 300
    assert other[5]["sessions"] != records["sessions"]


def test_a_later_reference_day_keeps_the_past():
    """Built a month later, the earlier data is the same: draws do not depend on the day of the run."""
    seed.build("demo", seed=4, today=TODAY)
    early = {
        (s.study_group.name, s.starts_at, s.title, s.kind, s.host.name)
        for s in StudySession.objects.filter(starts_at__lt=NOW - datetime.timedelta(days=60)).select_related(
            "study_group", "host"
        )
    }
    seed.flush()
    seed.build("demo", seed=4, today=TODAY + datetime.timedelta(days=30))
    later = {
        (s.study_group.name, s.starts_at, s.title, s.kind, s.host.name)
        for s in StudySession.objects.filter(starts_at__lt=NOW - datetime.timedelta(days=60)).select_related(
            "study_group", "host"
        )
    }
    assert len(early) > 800 and early == later


def test_command_fills_an_empty_database_once():
    out = io.StringIO()
    call_command("seed_demo", "--scale", "demo", "--seed", "5", "--no-progress", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "30 study groups" in text and "study sessions" in text and "attendance records" in text
    for username in DEMO_USERNAMES:
        assert username in text
    # Default reference day: today; nothing lies in the future.
    assert not Membership.objects.filter(start_date__gt=timezone.localdate()).exists()
    assert Membership.objects.active_on(timezone.localdate()).count() == 300
    assert not Attendance.objects.filter(created_at__gt=timezone.now()).exists()
    before = snapshot()

    with pytest.raises(CommandError, match="already has data"):
        call_command("seed_demo", "--no-progress", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--no-progress", stdout=out)
    assert "not loaded" in out.getvalue()
    assert snapshot() == before

    out = io.StringIO()
    call_command("seed_demo", "--flush", "--seed", "5", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "Deleted" in out.getvalue() and "studygroups.Attendance" in out.getvalue()
    assert snapshot() == before
    assert User.objects.count() == 5


def test_several_counties_share_one_region():
    """The prefecture scale's shape, small: short names and township names unique across the region."""
    scale = Scale("mini", counties=3, departments=8, townships=4, members=3 * 13 * 10, branches=(2, 3))
    world = seed.build(scale, seed=2, today=TODAY)
    counties = list(OrgUnit.objects.filter(kind=K.COUNTY))
    assert len(counties) == 3 and len({c.short_name for c in counties}) == 3
    towns = list(OrgUnit.objects.filter(kind=K.TOWNSHIP).values_list("name", flat=True))
    assert len(towns) == 12 == len(set(towns))
    assert StudyGroup.objects.count() == 39 and Membership.objects.active_on(TODAY).count() == 390
    staff, auditor = world.accounts["staff"], world.accounts["auditor"]
    assert StudyGroup.objects.visible_to(staff).count() == 13
    assert StudyGroup.objects.visible_to(auditor).count() == 39
    for unit in OrgUnit.objects.select_related("parent"):
        assert unit.path == (unit.parent.descendant_prefix if unit.parent else "/")
    assert SCALES["prefecture"].groups == 1500 and SCALES["prefecture"].members == 18000
    assert SCALES["county"].groups == 150 and SCALES["demo"].groups == 30
    # Each county its own plans and reading list; the one arrangement of the region reaches all three.
    for county in counties:
        assert Plan.objects.filter(unit=county, level=L.COUNTY).count() == 3
        assert set(RequiredReading.objects.filter(unit=county).values_list("year", flat=True)) == {2023, 2024, 2025}
    numbers = set(Plan.objects.filter(level=L.ARRANGEMENT, year=2024).values_list("document_number", flat=True))
    assert len(numbers) == 1
    # Staff see their county's records only; the demo accounts entered nothing outside their county.
    assert StudySession.objects.visible_to(staff).count() < StudySession.objects.count() / 2
    assert not Plan.objects.exclude(unit=staff.scope_unit).filter(created_by=staff).exists()


@pytest.fixture
def later_app_step():
    """A step as a later app (inspections, outreach...) would register it; removed from the registry afterwards.
    Working-day overrides stand in for the app's own model."""
    calls = []

    def build(ctx):
        calls.append(ctx)
        assert "studygroups" in ctx.state, "runs after the steps of lower order"
        rows = Rows(ctx, WorkdayOverride, "later app rows")
        for i, group in enumerate(ctx.groups[:3]):
            day = datetime.date(ctx.today.year + 1, 1, i + 1)
            rows.add(row(WorkdayOverride, date=day, name=group.name[:50]), ctx.now, ctx.accounts["staff"])
        rows.flush()

    step = DemoStep("later_app", build=build, models=("core.WorkdayOverride",), order=500)
    registry.demo_steps.register(step)
    yield step, calls
    registry.demo_steps.items.remove(step)


def test_a_later_app_only_registers_its_step(later_app_step):
    step, calls = later_app_step
    order = seed.flush_order()
    assert order[0] is Notification and order[-4:] == [Membership, Person, StudyGroup, OrgUnit]
    assert order.index(WorkdayOverride) < order.index(ExamScore) < order.index(Plan), "the last step's first"
    assert order.index(Attendance) < order.index(StudySession) < order.index(PlanTopic) < order.index(Plan)

    out = io.StringIO()
    call_command("seed_demo", "--seed", "6", "--today", "2025-07-15", "--no-progress", stdout=out, stderr=io.StringIO())
    assert len(calls) == 1 and isinstance(calls[0], DemoContext)
    ctx = calls[0]
    assert len(ctx.groups) == 30 and ctx.today == TODAY and set(ctx.accounts) == set(DEMO_USERNAMES)
    assert "3 later app rows" in out.getvalue()
    added = WorkdayOverride.history.filter(history_type="+")
    assert added.count() == 3 and set(added.values_list("history_user__username", flat=True)) == {"staff"}

    out = io.StringIO()
    call_command("seed_demo", "--flush", "--seed", "6", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "3 core.WorkdayOverride" in out.getvalue() and len(calls) == 2
    assert WorkdayOverride.history.filter(history_type="-").count() == 3  # deleted, audited

    deleted = seed.flush()
    assert deleted["core.WorkdayOverride"] == 3 and not WorkdayOverride.objects.exists()
    assert not OrgUnit.objects.exists() and not StudySession.objects.exists()


def test_no_app_imports_the_demo_app():
    """Production code never needs the development app, which sits on top of every other."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for app in ("core", "studygroups", "inspections", "reports", "config"):
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "demo"]
    assert offenders == []


@pytest.mark.slow
def test_county_scale():
    world = seed.build("county", seed=1, today=TODAY)
    kinds = Counter(OrgUnit.objects.values_list("kind", flat=True))
    assert (kinds[K.COUNTY], kinds[K.DEPARTMENT], kinds[K.TOWNSHIP]) == (1, 125, 24)
    assert StudyGroup.objects.count() == 150
    current = list(Membership.objects.active_on(TODAY))
    assert len(current) == 1800
    roles = by_group(current)
    assert len(roles) == 150
    for rows in roles.values():
        counted = Counter(m.role for m in rows)
        assert counted[R.LEADER] == 1 and counted[R.SECRETARY] == 1
    assert 2000 <= Person.objects.count() <= 2700
    assert len(world.memberships) == Membership.objects.count()
    names = list(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("name", flat=True))
    assert len(names) == len(set(names)) == 125
    # DOMAIN.md: ~6,300 sessions and ~75,000 attendance rows over three years (the third half over).
    assert 6300 * 0.75 <= StudySession.objects.count() <= 6300 * 1.2
    assert 75_000 * 0.75 <= Attendance.objects.count() <= 75_000 * 1.25
    assert Attendance.history.count() == Attendance.objects.count()
