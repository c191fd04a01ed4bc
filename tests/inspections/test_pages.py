"""The pages: bulletin data for a hand-built period, constant query counts, and the flow over HTTP."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OrgUnit
from inspections.models import InspectionPlan, PlanTarget, Visit, VisitKind
from inspections.selectors.bulletin import bulletin_data
from studygroups.selectors.stats import Period
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.inspections.factories import make_plan, make_template, make_visit
from tests.inspections.fill import fill as _fill
from tests.inspections.fill import item, scored
from tests.studygroups.factories import StudySessionFactory, future_session, local


def test_bulletin_data_for_a_hand_built_half_year(world):
    home, staff, inspector = world.home, world.users.staff, world.users.inspector
    make_template(home.county)
    plan = make_plan(home.county, 2025)
    dept = PlanTarget.objects.create(plan=plan, study_group=home.dept_group, kind=VisitKind.KEY, planned_visits=2)
    town = PlanTarget.objects.create(plan=plan, study_group=home.town_group, kind=VisitKind.ROUTINE, planned_visits=1)
    extra = StudyGroupFactory(unit=OrgUnitFactory(parent=home.county, kind=OrgUnit.Kind.DEPARTMENT, name="甲旗财政局"))
    PlanTarget.objects.create(
        plan=plan, study_group=extra, planned_visits=1, withdrawn_at=timezone.now(), withdrawn_reason="撤并"
    )
    # v1: department, 45/50 = 90 %, published, materials and summary on time.
    s1 = StudySessionFactory(
        study_group=home.dept_group, starts_at=local(2025, 3, 10), materials_entered_at=local(2025, 3, 1)
    )
    v1 = scored(
        make_visit(dept, inspectors=[inspector], session=s1), "45", published_by=staff, summary_at=local(2025, 3, 12)
    )
    # v2: township, 25/50 = 50 %, summary late (due 24 April), materials never entered.
    s2 = StudySessionFactory(study_group=home.town_group, starts_at=local(2025, 4, 10))
    v2 = scored(make_visit(town, inspectors=[inspector], session=s2), "25", summary_at=local(2025, 5, 6))
    # v3: department, assigned only (nothing in: late materials and a late summary by 30 June).
    v3 = make_visit(
        dept,
        inspectors=[inspector],
        session=StudySessionFactory(study_group=home.dept_group, starts_at=local(2025, 5, 12)),
    )
    # v4: in the second half: not in this bulletin.
    v4 = scored(
        make_visit(dept, inspectors=[inspector], starts_at=local(2025, 8, 1)), "10", summary_at=local(2025, 8, 1)
    )
    item(v1, "focus", "closed")
    item(v2, "focus", "open")  # overdue on 30 June
    item(v2, "depth", "answered")
    item(v4, "topic", "open")
    # Another county's visit never counts.
    other_plan = make_plan(world.other.county, 2025)
    make_template(world.other.county)
    other = PlanTarget.objects.create(plan=other_plan, study_group=world.other.dept_group, planned_visits=5)
    scored(make_visit(other, inspectors=[inspector], starts_at=local(2025, 3, 3)), "5")

    data = bulletin_data(node=home.county, period=Period.half(2025, 1), today=datetime.date(2025, 6, 30))

    assert (data.visits_planned, data.visits_assigned, data.visits_done, data.visits_published) == (3, 3, 2, 1)
    assert data.done_percent == Decimal("66.7")  # 2 of 3
    assert [(g.name, g.visits, g.average_percent) for g in data.by_group] == [
        (home.dept_group.name, 1, Decimal("90.0")),
        (home.town_group.name, 1, Decimal("50.0")),
    ]
    assert [(k.unit_kind, k.average_percent) for k in data.by_unit_kind] == [
        ("department", Decimal("90.0")),
        ("township", Decimal("50.0")),
    ]
    assert [g.name for g in data.praised] == [home.dept_group.name]
    assert [g.name for g in data.criticised] == [home.town_group.name]
    assert [(c, n) for c, _label, n in data.top_problems] == [("focus", 2), ("depth", 1)]
    assert data.rectification == {"open": 1, "answered": 1, "returned": 0, "closed": 1}
    assert data.rectification_overdue == 1
    assert [v.visit_id for v in data.late_materials] == [v2.pk, v3.pk]
    assert [v.visit_id for v in data.late_summaries] == [v2.pk, v3.pk]
    assert v4.pk not in {v.visit_id for v in data.late_summaries}


def test_the_plan_list_counts_each_plans_targets_and_visits(client_as, world):
    """Figures per row, worked out by hand: a withdrawn target counts nowhere but in the visits it had."""
    home, inspector = world.home, world.users.inspector
    make_template(home.county)
    plan = make_plan(home.county, 2025)
    dept = PlanTarget.objects.create(plan=plan, study_group=home.dept_group, kind=VisitKind.KEY, planned_visits=2)
    town = PlanTarget.objects.create(plan=plan, study_group=home.town_group, kind=VisitKind.ROUTINE, planned_visits=3)
    extra = StudyGroupFactory(unit=OrgUnitFactory(parent=home.county, kind=OrgUnit.Kind.DEPARTMENT, name="甲旗财政局"))
    gone = PlanTarget.objects.create(plan=plan, study_group=extra, kind=VisitKind.KEY, planned_visits=4)
    for target, days in ((dept, 1), (dept, 2), (town, 3), (gone, 4)):
        make_visit(target, inspectors=[inspector], starts_at=timezone.now() - datetime.timedelta(days=days))
    gone.withdrawn_at, gone.withdrawn_reason = timezone.now(), "撤并"
    gone.save()
    empty = make_plan(home.county, 2024)  # no target yet: zeros, not blanks
    make_plan(world.other.county, 2025)  # another county's: not on the staff's list

    response = client_as("staff").get(reverse("inspections:plan_list"))
    rows = {
        row.record.pk: (row.record.targets_n, row.record.key_targets, row.record.planned, row.record.visits)
        for row in response.context["table"].page.object_list
    }
    # Live targets: dept (key, 2 planned) and town (routine, 3 planned); visits: 2 + 1 + the withdrawn one's 1.
    assert rows == {plan.pk: (2, 1, 5, 4), empty.pk: (0, 0, 0, 0)}


LISTS = [
    "inspections:plan_list",
    "inspections:visit_list",
    "inspections:finding_list",
    "inspections:bulletin",
    "inspections:scorecard_list",
]
ACCOUNTS = ("staff", "inspector", "secretary")
# Measured with rows on the page: {page: (staff, inspector, secretary)}; None where the role may not open it.
EXPECTED = {
    "inspections:plan_list": (9, 9, None),
    "inspections:visit_list": (10, 10, 9),
    "inspections:finding_list": (9, 9, 8),
    "inspections:bulletin": (13, 13, None),
    "inspections:scorecard_list": (11, 9, None),
}


def _measure(client_as, page_queries, url):
    measured = []
    for account in ACCOUNTS:
        client = client_as(account)
        measured.append(page_queries(client, url) if client.get(url).status_code == 200 else None)
    return measured


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_is_exact_and_constant(client_as, page_queries, world, name):
    _fill(world, 1)
    measured = _measure(client_as, page_queries, reverse(name))
    _fill(world, 4)
    assert _measure(client_as, page_queries, reverse(name)) == measured, "the query count grows with the rows"
    assert tuple(measured) == EXPECTED[name]


def test_dashboard_query_count_is_constant(client_as, page_queries, world):
    _fill(world, 1)
    before = [page_queries(client_as(a), reverse("dashboard")) for a in ("staff", "inspector")]
    _fill(world, 4)
    assert [page_queries(client_as(a), reverse("dashboard")) for a in ("staff", "inspector")] == before


def test_the_dashboard_figures_link_to_their_lists(client_as, world):
    _fill(world, 2)
    page = client_as("staff").get(reverse("dashboard")).content.decode()
    assert 'id="inspection-panel"' in page
    assert f"{reverse('inspections:finding_list')}?year={timezone.localdate().year}&amp;overdue=true" in page
    assert 'data-figure="open">2<' in page and 'data-figure="average">80.0<' in page


def test_plan_to_published_visit_over_http(client_as, world):
    home = world.home
    make_template(home.county, timezone.localdate().year)
    staff = client_as("staff")
    response = staff.post(
        reverse("inspections:plan_create"),
        {
            "county": home.county.pk,
            "year": timezone.localdate().year,
            "key_visits": 2,
            "routine_visits": 1,
            "routine_share": 100,
            "min_sessions": 12,
            "min_attendance": 90,
            "min_leader_attendance": 80,
            "max_late_share": 30,
            "materials_days": 5,
            "summary_days": 10,
        },
    )
    plan = InspectionPlan.objects.get()
    assert response.url == plan.get_absolute_url()
    staff.post(reverse("inspections:plan_propose", args=[plan.pk]))
    assert plan.targets.count() == 2  # both groups held no session last year: key targets
    staff.post(reverse("inspections:plan_approve", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.is_approved
    target = plan.targets.get(study_group=home.dept_group)
    session = future_session(home.dept_group, days=7)
    response = staff.post(
        reverse("inspections:visit_create", args=[target.pk]),
        {"session": session.pk, "inspectors": [world.users.inspector.pk]},
    )
    visit = Visit.objects.get()
    assert response.url == visit.get_absolute_url()
    page = client_as("inspector").get(visit.get_absolute_url())
    assert page.status_code == 200 and b"score-form" in page.content
    assert client_as("secretary").get(visit.get_absolute_url()).status_code == 404
    # The plan's reasons are not for the group.
    assert client_as("secretary").get(plan.get_absolute_url()).status_code == 403


def test_a_visit_history_names_its_inspectors(world, client_as):
    """Was a 500: the history page named the rows of a tracked many-to-many through their scope, and
    accounts (a visit's inspectors) have none."""
    from tests.inspections.factories import make_inspector, make_target

    home = world.home
    make_template(home.county)
    target = make_target(make_plan(home.county, 2025), home.dept_group)
    second = make_inspector(home.county)
    visit = make_visit(target, inspectors=[world.users.inspector, second])
    visit.inspectors.set([second])
    response = client_as("staff").get(reverse("record_history", kwargs={"model_name": "visit", "pk": visit.pk}))
    assert response.status_code == 200
    assert str(second) in response.content.decode()
