"""The assessment's charts page (staff and auditors): the numbers behind each chart worked out by hand, the
page's SVG images, who may open it, and its query count at two sizes.

The stub county of conftest (A, B departments; C, D townships), two published years:

2024 (every group 6 sessions, rate 90; outreach C 2, D 2): A = B = (20 + 30) × 100/70 = 71.43; C = D = 80.
2025 (hand_values): A 100.00, B 28.57, C 55.00, D 60.00.

Spread: 2024 best 80, median (71.43 + 80)/2 = 75.715, weakest 71.43; 2025 best 100, median (60 + 55)/2
= 57.5, weakest 28.57.
Mean score as a share of the weight, 2025: departments (A, B) sessions (100 + 50)/2 = 75.0, rate (100 + 0)/2
= 50.0, outreach None (does not apply); townships (C, D) sessions (100 + 0)/2 = 50.0, rate (50 + 100)/2
= 75.0, outreach (0 + 100)/2 = 50.0. All groups 2025: 62.5, 62.5, 50.0; 2024: 50.0, 100.0, 100.0.
Sessions of 2025: A two in March, C one in May (another county's March session not counted). Attendance
of 2025: A 2 of 4 seats = 50.0 (L and M at the first), C 1 of 1 = 100.0, B and D no sessions (None).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import selectors, services
from assessment.models import Result, Run
from core.models import OrgUnit
from studygroups.models import Attendance
from tests.assessment.conftest import CUTOFF, HAND_LINES, hand_values, make_scheme
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import StudySessionFactory, local

pytestmark = pytest.mark.django_db
D = Decimal


def _publish_year(world, county, year, cutoff):
    run = services.compute(
        scheme=make_scheme(county.county, HAND_LINES, year=year), cutoff=cutoff, user=world.users.staff
    )
    return services.publish(run=run, user=world.users.staff)


@pytest.fixture
def years(world, county, stubs):
    c = county
    stubs["t.sessions"] = {g.pk: D(6) for g in (c.a, c.b, c.c, c.d)}
    stubs["t.rate"] = {g.pk: D(90) for g in (c.a, c.b, c.c, c.d)}
    stubs["t.outreach"] = {c.c.pk: D(2), c.d.pk: D(2)}
    _publish_year(world, c, 2024, CUTOFF - datetime.timedelta(days=365))
    hand_values(stubs, c)
    run = _publish_year(world, c, 2025, CUTOFF)
    first = StudySessionFactory(study_group=c.a, starts_at=local(2025, 3, 10))
    StudySessionFactory(study_group=c.a, starts_at=local(2025, 3, 24))
    town = StudySessionFactory(study_group=c.c, starts_at=local(2025, 5, 5))
    StudySessionFactory(study_group=world.other.dept_group, starts_at=local(2025, 3, 12))
    for person in (world.home.leader, world.home.member):
        Attendance.objects.create(session=first, person=person, status=Attendance.Status.PRESENT)
    Attendance.objects.create(session=town, person=world.home.town_member, status=Attendance.Status.PRESENT)
    return run


def test_the_chart_numbers_are_the_hand_worked_ones(years, county):
    c = county
    data = selectors.chart_data(c.county, 2025, Run.objects.all())
    assert data.run == years
    assert data.sessions_by_month == [0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert data.attendance == sorted([(c.b.name, None), (c.d.name, None)]) + [
        (c.a.name, D("50.0")),
        (c.c.name, D("100.0")),
    ]
    assert data.ranking == [
        (str(c.a), D("100.00")),
        (str(c.d), D("60.00")),
        (str(c.c), D("55.00")),
        (str(c.b), D("28.57")),
    ]
    assert data.indicator_labels == ["会议次数", "出勤率", "互动次数"]
    assert data.by_kind == {"县直部门": [75.0, 50.0, None], "乡镇（苏木）": [50.0, 75.0, 50.0]}
    assert data.previous_year == {"2025": [62.5, 62.5, 50.0], "2024": [50.0, 100.0, 100.0]}
    assert data.spread == [
        (2024, D("80.00"), D("75.715"), D("71.43")),
        (2025, D("100.00"), D("57.50"), D("28.57")),
    ]


def test_staff_and_auditors_see_the_charts_as_images_others_do_not(years, client_as, outsider):
    url = reverse("assessment:charts")
    for role in ("staff", "auditor"):
        page = client_as(role).get(url).content.decode()
        for chart in (
            "chart-sessions",
            "chart-attendance",
            "chart-ranking",
            "chart-kinds",
            "chart-years",
            "chart-spread",
        ):
            assert f'id="{chart}"' in page, (role, chart)
        assert page.count('src="data:image/svg+xml;base64,') == 6
        assert "2025年度考核得分排名" in page and "历年最高分与最低分（均等化）" in page
        assert "2024：80.00 − 71.43；2025：100.00 − 28.57" in page
    assert client_as("secretary").get(url).status_code == 403
    assert client_as("member").get(url).status_code == 403
    # Another county's staff see their own county (nothing computed there), never this one's runs.
    other = client_as("outsider").get(url, {"county": years.county_id}).content.decode()
    assert "尚未计算考核结果" in other and str(years) not in other


def _queries(client, url) -> int:
    client.get(url)  # warm the caches (session, menu)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_queries_for_a_larger_county(years, world, county, stubs, client_as):
    staff = client_as("staff")
    url = reverse("assessment:charts")
    small = _queries(staff, url)
    # Six more groups with sessions and attendance, and a third published year (2023).
    for n in range(6):
        unit = OrgUnitFactory(parent=county.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"甲旗新镇{n}")
        group = StudyGroupFactory(unit=unit)
        StudySessionFactory(study_group=group, starts_at=local(2025, 6, 1 + n))
        stubs["t.sessions"][group.pk] = D(n)
    _publish_year(world, county, 2023, CUTOFF - datetime.timedelta(days=730))
    assert Result.objects.filter(run__year=2023).count() == 10
    assert _queries(staff, url) == small == 22  # the stub scheme scores no attendance: group_stats reads it


def _stored_run(county_unit, groups_values, year=2025):
    """A run of a scheme scoring the attendance measure, its results written by hand: {group: rate}."""
    scheme = make_scheme(county_unit, (("studygroups.attendance_rate", 100, 90, "proportional", "zero"),), year=year)
    line = str(scheme.indicators.get().pk)
    run = Run.objects.create(scheme=scheme, county=county_unit, year=year, cutoff=CUTOFF)
    for group, value in groups_values.items():
        Result.objects.create(
            run=run,
            study_group=group,
            unit_kind=group.unit.kind,
            lines={line: {"value": value, "score": "50.00", "weight": "100"}},
            score=D(50),
            adjustment=D(0),
            total=D(50),
            rank=1,
            kind_rank=1,
            passed=False,
        )
    return run


def test_attendance_is_read_from_the_stored_results_when_the_scheme_scores_it(world, county, django_assert_num_queries):
    """A scheme scoring the attendance measure: the chart shows the run's snapshot (A 80.0, C 95.5, B no
    value), not the records (a session of A's since, its leader present), and reads no attendance at all."""
    c = county
    _stored_run(c.county, {c.a: "80.0", c.b: None, c.c: "95.5"})
    session = StudySessionFactory(study_group=c.a, starts_at=local(2025, 3, 10))
    Attendance.objects.create(session=session, person=world.home.leader, status=Attendance.Status.PRESENT)
    # The runs, their results, their indicators and the sessions by month.
    with django_assert_num_queries(4):
        data = selectors.chart_data(c.county, 2025, Run.objects.all())
    assert data.attendance == [(c.b.name, None), (c.a.name, D("80.0")), (c.c.name, D("95.5"))]


def test_the_page_from_stored_attendance_takes_the_same_queries_for_a_larger_county(world, county, client_as):
    c = county
    staff = client_as("staff")
    url = reverse("assessment:charts")
    _stored_run(c.county, {c.a: "80.0", c.b: None, c.c: "95.5"})
    small = _queries(staff, url)
    groups = {c.a: "70.0"}
    for n in range(6):
        group = StudyGroupFactory(unit=OrgUnitFactory(parent=c.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"甲旗新镇{n}"))
        StudySessionFactory(study_group=group, starts_at=local(2025, 6, 1 + n))
        groups[group] = f"{60 + n}.0"
    _stored_run(c.county, groups, year=2024)
    page = staff.get(url).content.decode()
    assert 'id="chart-attendance"' in page and 'id="chart-years"' in page
    # Twenty-two less the eight of group_stats and the names of the groups.
    assert _queries(staff, url) == small == 13
