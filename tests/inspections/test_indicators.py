"""The inspections' assessment indicators (inspections.indicators), on a county built by hand.

Year 2025, cut-off 10 December 2025 12:00 (Beijing time).

Visits to the department's group G (a visit belongs to the year its session started in):

    v1  10 Mar  41.00 of 50  published 20 Mar      82.0 %
    v2  10 Jun  43.25 of 50  published 20 Jun      86.5 %
    v3  10 Sep  30.00 of 50  scored, not published  (not counted)
    v4  20 Nov  20.00 of 50  published 12 Dec       (published after the cut-off: not counted)
    v5  10 Nov 2024  10 of 50, published           (last year)

visit score of G = (82.0 + 86.5) / 2 = 84.25 → 84.3. The township group T: one visit, 35 of 40 (a scorecard
with another full score), published: 87.5. A new group E: None.

Rectification items of G's visits (closed = verified):

    f1  v1  rectify by 30 Apr  closed 25 Apr            due, on time
    f2  v1  rectify by 30 Apr  closed 10 May            due, late
    f3  v2  rectify by 31 Dec  open                     not due at the cut-off: not counted
    f4  v2  rectify by 31 Dec  closed 1 Dec             closed by the cut-off: counted, on time
    f5  v3  rectify by 31 Oct  open                     due, not closed
    f6  v4  rectify by 20 Dec  closed 11 Dec            closed after the cut-off, not due by it: not counted
    f7  v5  (2024)             closed on time           last year
    f8  v1  rectify by 30 Apr  open                     due, not closed

closed on time of G = 2 (f1, f4) of 5 due (f1, f2, f4, f5, f8) = 40.0 %. T and E have none: None.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import OrgUnit, StudyGroup
from core.registry import AssessmentPeriod, indicator_source
from inspections.models import Finding
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.inspections.factories import make_inspector, make_plan, make_target, make_template, make_visit

pytestmark = pytest.mark.django_db


def at(y, m, d, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hour, minute))


CUTOFF = at(2025, 12, 10, 12)
PERIOD = AssessmentPeriod(year=2025, cutoff=CUTOFF)
NAMES = ["inspections.visit_score", "inspections.rectified_on_time"]


def finding(visit, deadline, *, closed_on=None, status=None):
    fields = {}
    if closed_on:
        fields = {"status": Finding.Status.CLOSED, "answered_at": closed_on, "verified_at": closed_on}
    return Finding.objects.create(
        visit=visit,
        category=Finding.Category.DEPTH,
        description="研讨不深入",
        advice="联系实际深入研讨",
        deadline=deadline,
        **fields,
    )


@pytest.fixture
def county(world):
    h = world.home
    G, T = h.dept_group, h.town_group
    make_template(h.county)
    inspector = make_inspector(h.county)
    plan = make_plan(h.county)
    target = make_target(plan, G)

    def visit(starts_at, total, maximum=Decimal("50"), published=None, group_target=target):
        return make_visit(
            group_target,
            inspectors=[inspector],
            starts_at=starts_at,
            scored_at=starts_at + datetime.timedelta(days=1),
            total=Decimal(total),
            max_total=maximum,
            published_at=published,
        )

    v1 = visit(at(2025, 3, 10), "41.00", published=at(2025, 3, 20))
    v2 = visit(at(2025, 6, 10), "43.25", published=at(2025, 6, 20))
    v3 = visit(at(2025, 9, 10), "30.00")
    v4 = visit(at(2025, 11, 20), "20.00", published=at(2025, 12, 12))
    v5 = visit(at(2024, 11, 10), "10.00", published=at(2024, 11, 20))
    visit(at(2025, 4, 1), "35.00", Decimal("40"), at(2025, 4, 10), make_target(plan, T))

    finding(v1, datetime.date(2025, 4, 30), closed_on=at(2025, 4, 25))
    finding(v1, datetime.date(2025, 4, 30), closed_on=at(2025, 5, 10))
    finding(v2, datetime.date(2025, 12, 31))
    finding(v2, datetime.date(2025, 12, 31), closed_on=at(2025, 12, 1))
    finding(v3, datetime.date(2025, 10, 31))
    finding(v4, datetime.date(2025, 12, 20), closed_on=at(2025, 12, 11))
    finding(v5, datetime.date(2024, 12, 31), closed_on=at(2024, 12, 1))
    finding(v1, datetime.date(2025, 4, 30))

    E = StudyGroupFactory(unit=OrgUnitFactory(parent=h.county, kind=OrgUnit.Kind.TOWNSHIP, name="甲旗新镇"))
    return {"G": G, "T": T, "E": E, "visits": [v1, v2, v3, v4, v5]}


def compute(name, groups):
    return indicator_source(name).compute(StudyGroup.objects.filter(pk__in=[g.pk for g in groups]), PERIOD, {})


def test_the_visit_score_is_the_mean_share_of_the_published_visits(county):
    assert compute("inspections.visit_score", [county["G"], county["T"], county["E"]]) == {
        county["G"].pk: Decimal("84.3"),
        county["T"].pk: Decimal("87.5"),
        county["E"].pk: None,
    }


def test_rectification_on_time_counts_the_items_due_by_the_cut_off(county):
    assert compute("inspections.rectified_on_time", [county["G"], county["T"], county["E"]]) == {
        county["G"].pk: Decimal("40.0"),
        county["T"].pk: None,
        county["E"].pk: None,
    }


def test_a_cut_off_after_the_year_counts_the_later_publication_and_closing(county):
    later = AssessmentPeriod(year=2025, cutoff=at(2026, 1, 15))
    groups = StudyGroup.objects.filter(pk=county["G"].pk)
    # v4 (40.0 %) now counts: (82.0 + 86.5 + 40.0) / 3 = 69.5.
    assert indicator_source("inspections.visit_score").compute(groups, later, {}) == {county["G"].pk: Decimal("69.5")}
    # f3 (31 Dec, still open) is now due and f6 closed on time:
    # on time f1 f4 f6 = 3 of f1 f2 f3 f4 f5 f6 f8 = 7: 42.857… → 42.9.
    assert indicator_source("inspections.rectified_on_time").compute(groups, later, {}) == {
        county["G"].pk: Decimal("42.9")
    }


@pytest.mark.parametrize("name", NAMES)
def test_two_groups_or_six_take_the_same_queries(world, name):
    make_template(world.home.county)
    inspector = make_inspector(world.home.county)
    plan = make_plan(world.home.county)
    counts = []
    for size in (2, 6):
        ids = []
        for i in range(size):
            group = StudyGroupFactory(
                unit=OrgUnitFactory(parent=world.home.county, kind="township", name=f"查询镇{size}-{i}")
            )
            v = make_visit(
                make_target(plan, group),
                inspectors=[inspector],
                starts_at=at(2025, 5, 5),
                total=Decimal("40"),
                max_total=Decimal("50"),
                scored_at=at(2025, 5, 6),
                published_at=at(2025, 5, 7),
            )
            finding(v, datetime.date(2025, 6, 1), closed_on=at(2025, 5, 20))
            ids.append(group.pk)
        with CaptureQueriesContext(connection) as ctx:
            values = indicator_source(name).compute(StudyGroup.objects.filter(pk__in=ids), PERIOD, {})
        assert set(values.values()) == {Decimal("80.0") if name.endswith("visit_score") else Decimal("100.0")}
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {row.record.pk for row in response.context["table"].page.object_list}


def test_the_links_list_the_groups_visits_and_items_of_the_year(client_as, county):
    client = client_as("staff")
    v1, v2, v3, v4, v5 = county["visits"]
    url = indicator_source("inspections.visit_score").records_url(county["G"], PERIOD, {})
    assert url.startswith(reverse("inspections:visit_list"))
    # The published visits of the year (v4, published after the cut-off, is listed but marked by its date).
    assert _listed(client, url) == {v1.pk, v2.pk, v4.pk}
    url = indicator_source("inspections.rectified_on_time").records_url(county["G"], PERIOD, {})
    assert _listed(client, url) == set(Finding.objects.filter(visit__in=[v1, v2, v3, v4]).values_list("pk", flat=True))
