"""The year choices of the studygroups lists, found by ``years_with_rows`` (bounds, then one EXISTS a year),
are the distinct years of the rows each account sees, local calendar years included."""

import datetime

import pytest
from django.db.models import F
from django.db.models.functions import ExtractYear
from django.urls import reverse

from core.aggregates import years_with_rows
from core.models import Membership
from core.pages import this_year
from studygroups.models import Attendance
from tests.studygroups.factories import (
    ExamScoreFactory,
    PlanFactory,
    ResearchTopicFactory,
    StudySessionFactory,
    TheoryArticleFactory,
    local,
)

# 1 January 2023, 00:30 in Asia/Shanghai: still 31 December 2022 in UTC.
NEW_YEAR = local(2023, 1, 1, 0, 30)

# url name, year field of the list's rows, whether that field is a year number.
LISTS = [
    ("studygroups:session_list", "starts_at", False),
    ("studygroups:makeup_list", "session__starts_at", False),
    ("studygroups:plan_list", "year", True),
    ("studygroups:research_list", "assigned_on", False),
    ("studygroups:article_list", "written_on", False),
    ("studygroups:exam_list", "year", True),
]
ACCOUNTS = ["staff", "secretary", "member", "auditor", "region_auditor"]


@pytest.fixture
def rows(world):
    """Rows in 2023 (the first just after local midnight) and 2025 at home, in 2021 in the other county: 2022
    and 2024 lie between the first and last year and have no row. Members are seated since 2020, so that
    their leave is a make-up owed."""
    for membership in Membership.objects.all():
        membership.start_date = datetime.date(2020, 1, 1)
        membership.save()
    for county, years in ((world.home, (2023, 2025)), (world.other, (2021,))):
        people = (county.member, county.leader)
        for year, person in zip(years, people, strict=False):
            start = NEW_YEAR if year == 2023 else local(year, 6, 1)
            session = StudySessionFactory(study_group=county.dept_group, starts_at=start, host=county.leader)
            Attendance.objects.create(session=session, person=person, status="leave", reason="出差")
            PlanFactory(study_group=county.dept_group, year=year)
            ResearchTopicFactory(study_group=county.dept_group, assigned_on=start.date())
            TheoryArticleFactory(person=person, written_on=datetime.date(year, 1, 1))
            ExamScoreFactory(person=person, year=year)


def _distinct_years(queryset, field, is_number):
    column = F(field) if is_number else ExtractYear(field)
    years = queryset.order_by().annotate(_y=column).values_list("_y", flat=True).distinct()
    return sorted(years, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize(("name", "field", "is_number"), LISTS)
def test_the_year_choices_are_the_distinct_years_of_the_rows_seen(client_as, rows, account, name, field, is_number):
    response = client_as(account).get(reverse(name))
    assert response.status_code == 200  # every account opens these lists
    filterset = response.context["view"].filterset
    expected = _distinct_years(filterset.queryset, field, is_number)
    assert expected  # every account reaching the list sees some of the rows
    assert years_with_rows(filterset.queryset, field) == expected
    offered = [int(value) for value, _label in filterset.form.fields["year"].choices if value]
    assert offered == sorted(set(expected) | {this_year()}, reverse=True)


@pytest.mark.django_db
def test_a_row_just_after_midnight_on_new_year_counts_in_the_local_year(client_as, rows):
    response = client_as("region_auditor").get(reverse("studygroups:session_list"))
    offered = {int(value) for value, _label in response.context["view"].filterset.form.fields["year"].choices if value}
    assert {2021, 2023, 2025} <= offered
    assert not {2022, 2024} & offered
    member = client_as("member").get(reverse("studygroups:makeup_list")).context["view"].filterset
    assert years_with_rows(member.queryset, "session__starts_at") == [2023]
