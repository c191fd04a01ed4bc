"""Visits: the conflict rule, deadlines in working days, a rescheduled session, scoring and publication."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import Notification, Role
from inspections.models import PlanTarget, Score, Visit
from inspections.selectors.visits import with_flags
from inspections.services.visits import (
    RESCHEDULED,
    conflict_reason,
    deadlines,
    materials_late,
    visit_create,
    visit_publish,
    visit_score,
    visit_summarise,
)
from tests.factories import MembershipFactory, PersonFactory, UserFactory
from tests.inspections.factories import make_inspector, make_plan, make_target, make_template, make_visit
from tests.studygroups.factories import StudySessionFactory, future_session, local


@pytest.fixture
def setup(world):
    home = world.home
    make_template(home.county, 2025)
    make_template(home.county, timezone.localdate().year)
    plan = make_plan(home.county, timezone.localdate().year)
    target = make_target(plan, home.dept_group)
    return plan, target


# --- conflicts ---------------------------------------------------------------------------------


def test_an_inspector_working_in_the_inspected_unit_has_a_conflict(world):
    session = StudySessionFactory(study_group=world.home.dept_group)
    colleague = UserFactory(
        username="colleague",
        role=Role.INSPECTOR,
        scope_unit=world.home.county,
        person=PersonFactory(unit=world.home.dept),
    )
    assert conflict_reason(inspector=colleague, session=session)
    assert conflict_reason(inspector=world.users.inspector, session=session) is None


def test_a_member_of_the_group_on_the_session_day_has_a_conflict_and_not_after_leaving(world):
    home = world.home
    inspector = make_inspector(home.county)
    MembershipFactory(
        study_group=home.town_group,
        person=inspector.person,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 6, 30),
    )
    during = StudySessionFactory(study_group=home.town_group, starts_at=local(2025, 6, 30, 9))
    after = StudySessionFactory(study_group=home.town_group, starts_at=local(2025, 7, 1, 9))
    assert conflict_reason(inspector=inspector, session=during)
    assert conflict_reason(inspector=inspector, session=after) is None


def test_visit_create_refuses_a_conflicted_inspector(world, setup):
    plan, target = setup
    session = future_session(world.home.dept_group, days=10)
    colleague = UserFactory(
        username="colleague",
        role=Role.INSPECTOR,
        scope_unit=world.home.county,
        person=PersonFactory(unit=world.home.dept),
    )
    with pytest.raises(ValidationError) as error:
        visit_create(target=target, session=session, inspectors=[colleague], user=world.users.staff)
    assert "inspectors" in error.value.message_dict
    visit = visit_create(target=target, session=session, inspectors=[world.users.inspector], user=world.users.staff)
    assert list(visit.inspectors.all()) == [world.users.inspector]


def test_visit_create_wants_an_upcoming_session_of_the_target_group(world, setup):
    plan, target = setup
    past = StudySessionFactory(study_group=world.home.dept_group, starts_at=timezone.now() - datetime.timedelta(days=1))
    other_group = future_session(world.home.town_group)
    for session in (past, other_group):
        with pytest.raises(ValidationError):
            visit_create(target=target, session=session, inspectors=[world.users.inspector], user=world.users.staff)


def test_only_staff_assign_visits(world, setup):
    plan, target = setup
    session = future_session(world.home.dept_group, days=10)
    with pytest.raises(PermissionDenied):
        visit_create(target=target, session=session, inspectors=[world.users.inspector], user=world.users.inspector)


# --- deadlines ---------------------------------------------------------------------------------


def test_deadlines_across_national_day_and_an_adjusted_saturday(world):
    # Thursday 9 October 2025, the first working day after the National Day holiday (1-8 October).
    session = StudySessionFactory(study_group=world.home.dept_group, starts_at=local(2025, 10, 9, 9))
    materials_due, summary_due = deadlines(session=session, materials_days=5, summary_days=10)
    # Back: 30 Sep (1), 29 Sep (2), Sunday 28 Sep worked (3), 26 Sep (4), 25 Sep (5).
    assert materials_due == datetime.date(2025, 9, 25)
    # On: 10 Oct (1), Saturday 11 Oct worked (2), 13-17 Oct (3-7), 20, 21, 22 Oct (8-10).
    assert summary_due == datetime.date(2025, 10, 22)


def test_materials_are_late_after_their_due_day(world, setup):
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector], starts_at=local(2025, 10, 9, 9))
    assert visit.materials_due == datetime.date(2025, 9, 25)
    assert not materials_late(visit, local(2025, 9, 25, 18))
    assert materials_late(visit, local(2025, 9, 26, 8))
    assert materials_late(visit, None, today=datetime.date(2025, 9, 26))
    assert not materials_late(visit, None, today=datetime.date(2025, 9, 25))


@pytest.mark.parametrize(
    "entered,today,late",
    [
        (local(2025, 9, 25, 18), datetime.date(2025, 12, 1), False),  # on the due day (local), however late now
        (local(2025, 9, 26, 8), datetime.date(2025, 12, 1), True),  # the morning after
        (None, datetime.date(2025, 9, 25), False),  # missing, not due yet
        (None, datetime.date(2025, 9, 26), True),  # missing after the due day
    ],
)
def test_the_lists_materials_flag_agrees_with_the_rule(world, setup, entered, today, late):
    """The flag lists show and filter on (SQL, with_flags) says what services.materials_late says."""
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector], starts_at=local(2025, 10, 9, 9))
    visit.session.materials_entered_at = entered
    visit.session.save()
    flagged = with_flags(Visit.objects.filter(pk=visit.pk), today)
    assert materials_late(visit, entered, today=today) is late
    assert flagged.get().materials_late is late
    assert flagged.get().materials_at == entered
    assert flagged.filter(materials_late=True).count() == int(late)


def test_the_summary_is_late_after_its_due_day(world, setup):
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector], starts_at=local(2025, 10, 9, 9))
    assert not visit.summary_is_late(today=datetime.date(2025, 10, 22))
    assert visit.summary_is_late(today=datetime.date(2025, 10, 23))
    visit.summary_at = local(2025, 10, 22, 20)
    assert not visit.summary_is_late(today=datetime.date(2026, 1, 1))


# --- rescheduling ------------------------------------------------------------------------------


def test_a_rescheduled_session_moves_the_deadlines_and_notifies_its_inspectors(world, setup):
    plan, target = setup
    session = future_session(world.home.dept_group, days=20)
    second = make_inspector(world.home.county)
    visit = visit_create(
        target=target, session=session, inspectors=[world.users.inspector, second], user=world.users.staff
    )
    old_due = visit.summary_due
    session.title = "改题"
    session.save()
    assert not Notification.objects.filter(kind=RESCHEDULED).exists()  # not moved: nobody told
    session.starts_at += datetime.timedelta(days=14)
    session.ends_at += datetime.timedelta(days=14)
    session.save()
    visit.refresh_from_db()
    assert visit.session_starts_at == session.starts_at and visit.summary_due > old_due
    told = set(Notification.objects.filter(kind=RESCHEDULED).values_list("user__username", flat=True))
    assert told == {"inspector", second.username}


# --- scoring -----------------------------------------------------------------------------------


def _values(visit, *numbers):
    return {
        c.pk: (None if n is None else Decimal(n)) for c, n in zip(visit.template.criteria.all(), numbers, strict=True)
    }


def test_scores_are_validated_and_the_total_computed(world, setup):
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector])
    inspector = world.users.inspector
    with pytest.raises(ValidationError):  # one criterion left empty
        visit_score(visit=visit, user=inspector, values=_values(visit, "8", None, "9"))
    with pytest.raises(ValidationError):  # above the maximum of 10
        visit_score(visit=visit, user=inspector, values=_values(visit, "10.5", "15", "9"))
    with pytest.raises(ValidationError):  # below 0
        visit_score(visit=visit, user=inspector, values=_values(visit, "8", "-1", "9"))
    assert not Score.objects.exists()
    visit_score(visit=visit, user=inspector, values=_values(visit, "8", "15.5", "9"))
    visit.refresh_from_db()
    # 2×8 + 1×15.5 + 1×9 = 40.5 of 2×10 + 20 + 10 = 50.
    assert (visit.total, visit.max_total, visit.total_percent) == (Decimal("40.50"), Decimal("50.00"), Decimal("81.0"))
    visit_score(visit=visit, user=inspector, values=_values(visit, "10", "20", "10"))
    visit.refresh_from_db()
    assert visit.total == Decimal("50.00") and visit.scores.count() == 3


def test_a_future_visit_cannot_be_scored(world, setup):
    plan, target = setup
    visit = make_visit(
        target, inspectors=[world.users.inspector], starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    with pytest.raises(ValidationError):
        visit_score(visit=visit, user=world.users.inspector, values=_values(visit, "8", "15", "9"))


@pytest.mark.parametrize("who", ["staff", "other_inspector", "secretary", "auditor"])
def test_only_the_assigned_inspector_scores(world, setup, who):
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector])
    user = make_inspector(world.home.county) if who == "other_inspector" else getattr(world.users, who)
    with pytest.raises(PermissionDenied):
        visit_score(visit=visit, user=user, values=_values(visit, "8", "15", "9"))


def test_the_summary_has_at_most_the_configured_length(world, setup, settings):
    plan, target = setup
    settings.INSPECTION_SUMMARY_MAX_CHARS = 10
    visit = make_visit(target, inspectors=[world.users.inspector])
    with pytest.raises(ValidationError):
        visit_summarise(
            visit=visit, user=world.users.inspector, overall="好" * 6, highlights="亮" * 3, problems="问" * 2
        )
    visit_summarise(visit=visit, user=world.users.inspector, overall="好" * 5, highlights="亮" * 3, problems="问" * 2)
    assert visit.summary_at is not None


# --- publication -------------------------------------------------------------------------------


def test_publication_visibility_per_role(world, setup, outsider):
    plan, target = setup
    visit = make_visit(target, inspectors=[world.users.inspector])
    users = world.users
    town_secretary = UserFactory(username="town_secretary", role=Role.SECRETARY, study_group=world.home.town_group)
    unassigned = make_inspector(world.home.county)

    def seen():
        accounts = {**vars(users), "town_secretary": town_secretary, "unassigned": unassigned, "outsider": outsider}
        return {name for name, u in accounts.items() if Visit.objects.visible_to(u).filter(pk=visit.pk).exists()}

    before = {"staff", "inspector", "auditor", "region_auditor", "superuser"}
    assert seen() == before
    with pytest.raises(ValidationError):  # not scored yet
        visit_publish(visit=visit, user=users.staff)
    visit_score(visit=visit, user=users.inspector, values=_values(visit, "8", "15", "9"))
    visit_summarise(visit=visit, user=users.inspector, overall="总体较好", highlights="", problems="研讨不够聚焦")
    with pytest.raises(PermissionDenied):
        visit_publish(visit=visit, user=users.inspector)
    visit_publish(visit=visit, user=users.staff)
    assert seen() == before | {"secretary", "member"}
    # The reasons it was chosen never reach the group.
    assert not PlanTarget.objects.visible_to(users.secretary).exists()
    assert not PlanTarget.objects.visible_to(users.member).exists()
    with pytest.raises(ValidationError):  # published results do not change
        visit_score(visit=visit, user=users.inspector, values=_values(visit, "10", "20", "10"))
