"""The annual plan: key targets proposed with their reasons from last year's records, worked out by hand."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.models import Membership, OrgUnit
from inspections.models import InspectionPlan, PlanTarget, VisitKind
from inspections.registry import Candidate, key_target_sources
from inspections.services.plans import (
    flag_create,
    plan_approve,
    plan_create,
    plan_propose,
    target_update,
    target_withdraw,
)
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import AttendanceFactory, StudySessionFactory, local


def _group(county, name):
    unit = OrgUnitFactory(parent=county, kind=OrgUnit.Kind.DEPARTMENT, name=name, party_body="group")
    group = StudyGroupFactory(unit=unit)
    leader = MembershipFactory(study_group=group, role=Membership.Role.LEADER).person
    return group, leader


def _session(group, month, *, late=False, present=()):
    start = local(2025, month, 10)
    entered = local(2025, month, 20) if late else local(2025, month, 11)  # 10 days after: late (over 7)
    session = StudySessionFactory(study_group=group, starts_at=start, record="记录", record_entered_at=entered)
    for person, status in present:
        AttendanceFactory(session=session, person=person, status=status)
    return session


@pytest.fixture
def county(world):
    """Last year (2025) in the home county, by group:

    - department (leader, member): 3 sessions, 1 record late (1/3 = 33.3 % > 30 %); attended 5 of 6
      (member absent once): 83.3 % < 90 %; leader 3/3. Key: attendance and late records.
    - township (one member): 1 session < 2 required; 1/1 attended; no leader seat. Key: sessions.
    - finance (leader): 2 sessions, all attended, on time. Routine.
    - health (leader): 2 sessions, all attended, on time, but flagged by staff. Key: the flag.
    """
    home = world.home
    ok, absent = "present", "absent"
    _session(home.dept_group, 3, present=[(home.leader, ok), (home.member, ok)])
    _session(home.dept_group, 4, present=[(home.leader, ok), (home.member, absent)])
    _session(home.dept_group, 5, late=True, present=[(home.leader, ok), (home.member, ok)])
    _session(home.town_group, 3, present=[(home.town_member, ok)])
    finance, finance_leader = _group(home.county, "甲旗财政局")
    health, health_leader = _group(home.county, "甲旗卫健委")
    for group, leader in ((finance, finance_leader), (health, health_leader)):
        _session(group, 3, present=[(leader, ok)])
        _session(group, 6, present=[(leader, "late")])
    # The other county's weak group never enters this county's plan.
    _session(world.other.dept_group, 3)
    return home, finance, health


def _plan(world, **rules):
    defaults = dict(min_sessions=2, min_attendance=90, min_leader_attendance=80, max_late_share=30)
    rules = {k: v for k, v in (defaults | rules).items() if v is not None}
    return plan_create(county=world.home.county, year=2026, user=world.users.staff, **rules)


def _targets(plan):
    return {t.study_group.name: (t.kind, t.planned_visits, t.reasons.splitlines()) for t in plan.targets.all()}


def test_it_proposes_the_weak_groups_of_last_year_with_their_reasons(world, county):
    home, finance, health = county
    flag_create(study_group=health, year=2026, reason="领导不重视", user=world.users.staff)
    plan = _plan(world, key_visits=2, routine_visits=1)
    with translation.override("en"):
        plan_propose(plan=plan, user=world.users.staff)
    assert _targets(plan) == {
        home.dept_group.name: (
            "key",
            2,
            ["Attendance rate 83.3% in 2025, below 90%.", "1 of 3 records of 2025 entered late, more than 30%."],
        ),
        home.town_group.name: ("key", 2, ["Sessions held in 2025: 1, fewer than the 2 required."]),
        finance.name: ("routine", 1, []),
        health.name: ("key", 2, ["Flagged by staff for little attention to study: 领导不重视"]),
    }


def test_the_rule_values_live_on_the_plan(world, county, settings):
    settings.INSPECTION_MIN_ATTENDANCE = 50
    plan = _plan(world, min_attendance=None, max_late_share=40)  # None: left to the model default
    assert plan.min_attendance == 50
    plan_propose(plan=plan, user=world.users.staff)
    # 83.3 % is above 50 %, 33.3 % late is under 40 %: the department is routine now.
    assert plan.targets.get(study_group=county[0].dept_group).kind == VisitKind.ROUTINE


def test_another_source_adds_its_candidates(world, county):
    home, finance, health = county

    def assessment(*, plan, groups):
        return [Candidate(finance.pk, "2025年度考核未达标")]

    key_target_sources.append(assessment)
    try:
        plan_propose(plan=_plan(world), user=world.users.staff)
    finally:
        key_target_sources.remove(assessment)
    target = PlanTarget.objects.get(study_group=finance)
    assert (target.kind, target.reasons) == (VisitKind.KEY, "2025年度考核未达标")


def test_a_sampled_share_of_routine_groups(world, county):
    plan = _plan(world, routine_share=0)
    plan_propose(plan=plan, user=world.users.staff)
    assert not plan.targets.filter(kind=VisitKind.ROUTINE).exists()


def test_staff_adjust_withdraw_and_approve_with_history(world, county):
    staff = world.users.staff
    plan = _plan(world)
    plan_propose(plan=plan, user=staff)
    town = plan.targets.get(study_group=county[0].town_group)
    target_withdraw(target=town, user=staff, reason="机构改革撤并")
    finance = plan.targets.get(study_group=county[1])
    plan_approve(plan=plan, user=staff)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED and plan.approved_by == staff
    # After approval: adjusted, the change kept in the history; the withdrawn target is still there.
    target_update(target=finance, user=staff, kind=VisitKind.KEY, planned_visits=3, reasons="群众反映")
    assert [h.kind for h in finance.history.order_by("history_id")] == ["routine", "key"]
    assert finance.history.latest().history_user == staff
    town.refresh_from_db()
    assert town.is_withdrawn and town.withdrawn_reason == "机构改革撤并"
    with pytest.raises(ValidationError):
        target_update(target=town, user=staff, kind=VisitKind.KEY, planned_visits=1, reasons="")
    with pytest.raises(ValidationError):
        plan_propose(plan=plan, user=staff)


@pytest.mark.parametrize("role", ["inspector", "secretary", "member", "auditor"])
def test_only_staff_plan(world, role):
    with pytest.raises(PermissionDenied):
        plan_create(county=world.home.county, year=2026, user=getattr(world.users, role))


def test_outsider_cannot_plan_for_another_county(world, outsider):
    with pytest.raises(PermissionDenied):
        plan_create(county=world.home.county, year=2026, user=outsider)
