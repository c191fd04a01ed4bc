"""A visit with several inspectors is one row of every list, and the years a list offers are the years of
its rows, found without a DISTINCT over the scope."""

import datetime

import pytest
from django.db.models.functions import ExtractYear
from django.utils import timezone

from core.aggregates import years_with_rows
from inspections.filters import VisitFilter
from inspections.models import Finding, Visit
from tests.inspections.factories import make_inspector, make_plan, make_target, make_template, make_visit

SHANGHAI_NEW_YEAR = datetime.datetime(2024, 12, 31, 16, 30, tzinfo=datetime.UTC)  # 1 January 2025, 00:30 there


@pytest.fixture
def visits(world):
    home = world.home
    make_template(home.county, 2025)
    make_template(world.other.county, 2025)
    plan = make_plan(home.county, 2025)
    target = make_target(plan, home.dept_group)
    two = make_visit(target, inspectors=[world.users.inspector, make_inspector(home.county)])
    new_year = make_visit(target, inspectors=[world.users.inspector], starts_at=SHANGHAI_NEW_YEAR)
    old = make_visit(target, inspectors=[world.users.inspector], starts_at=timezone.now().replace(year=2019))
    other = make_visit(
        make_target(make_plan(world.other.county, 2025), world.other.dept_group),
        inspectors=[make_inspector(world.other.county, "inspector_other")],
        starts_at=timezone.now().replace(year=2021),
    )
    return two, new_year, old, other


def _distinct_years(rows, field):
    return sorted(rows.order_by().annotate(y=ExtractYear(field)).values_list("y", flat=True).distinct(), reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("account", ["staff", "auditor", "inspector", "region_auditor"])
def test_a_visit_with_two_inspectors_is_listed_once(world, visits, account):
    user = getattr(world.users, account)
    rows = Visit.objects.visible_to(user)
    assert rows.count() == len(set(rows.values_list("pk", flat=True))) == len(list(rows))
    assert visits[0] in rows
    Finding.objects.create(
        visit=visits[0], category="topic", description="d", advice="a", deadline=timezone.localdate()
    )
    assert Finding.objects.visible_to(user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("account", ["staff", "auditor", "inspector", "region_auditor", "secretary"])
def test_the_years_are_the_distinct_years_of_the_scoped_rows(world, visits, account):
    rows = Visit.objects.visible_to(getattr(world.users, account))
    assert years_with_rows(rows, "session_starts_at") == _distinct_years(rows, "session_starts_at")
    # 2020 lies between the first and the last year and has no visit: not offered.
    assert 2020 not in years_with_rows(Visit.objects.all(), "session_starts_at")
    assert 2021 in years_with_rows(Visit.objects.all(), "session_starts_at")


@pytest.mark.django_db
def test_a_visit_just_after_midnight_on_new_year_counts_in_the_local_year(world, visits):
    staff_rows = Visit.objects.visible_to(world.users.staff)
    years = years_with_rows(staff_rows.filter(pk=visits[1].pk), "session_starts_at")
    assert years == [2025] == _distinct_years(staff_rows.filter(pk=visits[1].pk), "session_starts_at")
    assert years_with_rows(Visit.objects.none(), "session_starts_at") == []
    choices = VisitFilter(data={}, queryset=staff_rows, request=None).form.fields["year"].choices
    assert [int(value) for value, _label in choices if value] == sorted(
        {*_distinct_years(staff_rows, "session_starts_at"), timezone.localdate().year}, reverse=True
    )
