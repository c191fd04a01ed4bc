"""Builders for inspection records: a scorecard, a plan with a target, a visit on a session."""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.models import Role
from inspections.models import Criterion, InspectionPlan, PlanTarget, ScoreTemplate, Visit, VisitKind
from inspections.services.visits import deadlines
from tests.factories import PersonFactory, UserFactory
from tests.studygroups.factories import StudySessionFactory

# (name, weight, maximum): full score 2×10 + 1×20 + 1×10 = 50.
CRITERIA = [
    ("主题突出", Decimal("2"), Decimal("10")),
    ("思考深入", Decimal("1"), Decimal("20")),
    ("研讨聚焦", Decimal("1"), Decimal("10")),
]


def make_template(county, year: int = 2025) -> ScoreTemplate:
    template = ScoreTemplate.objects.create(county=county, year=year, name="巡听评分表")
    for order, (name, weight, maximum) in enumerate(CRITERIA):
        Criterion.objects.create(template=template, name=name, weight=weight, maximum=maximum, order=order)
    return template


def make_plan(county, year: int = 2025, **rules) -> InspectionPlan:
    return InspectionPlan.objects.create(county=county, year=year, **rules)


def make_target(plan, group, kind=VisitKind.KEY) -> PlanTarget:
    return PlanTarget.objects.create(plan=plan, study_group=group, kind=kind, planned_visits=2, reasons="考核落后")


def make_inspector(county, username: str = "inspector2"):
    person = PersonFactory(unit=county, name=f"巡听员{username}")
    return UserFactory(username=username, role=Role.INSPECTOR, scope_unit=county, person=person)


def make_visit(target, *, inspectors, session=None, template=None, starts_at=None, **fields) -> Visit:
    """A visit written directly (visit_create wants an upcoming session; tests also need past ones)."""
    if session is None:
        starts_at = starts_at or timezone.now() - datetime.timedelta(days=1)
        session = StudySessionFactory(study_group=target.study_group, starts_at=starts_at)
    template = template or ScoreTemplate.objects.filter(county=target.plan.county).order_by("-version").first()
    materials_due, summary_due = deadlines(session=session, materials_days=5, summary_days=10)
    visit = Visit.objects.create(
        target=target,
        session=session,
        kind=target.kind,
        template=template,
        session_starts_at=session.starts_at,
        materials_due=materials_due,
        summary_due=summary_due,
        **fields,
    )
    visit.inspectors.set(inspectors)
    return visit
