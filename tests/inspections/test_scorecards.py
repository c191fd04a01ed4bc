"""Scorecard templates kept by staff: made from the defaults or the county's last one, edited while unused,
locked once a visit uses them (a new version instead), and scoped like the rest of the county's records."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inspections.models import Criterion, PlanTarget, ScoreTemplate, VisitKind
from inspections.services import scorecards
from inspections.services.visits import current_template
from tests.inspections.factories import make_plan, make_template, make_visit

pytestmark = pytest.mark.django_db


def _formset_data(criteria, extra=None, delete=()):
    rows = [(c.pk, c.order, c.name, c.weight, c.maximum) for c in criteria]
    if extra:
        rows.append((None, *extra))
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(criteria)), "form-MIN_NUM_FORMS": "0"}
    data["form-MAX_NUM_FORMS"] = "1000"
    for i, (pk, order, name, weight, maximum) in enumerate(rows):
        data.update(
            {
                f"form-{i}-id": str(pk or ""),
                f"form-{i}-order": str(order),
                f"form-{i}-name": name,
                f"form-{i}-weight": str(weight),
                f"form-{i}-maximum": str(maximum),
            }
        )
        if pk in delete:
            data[f"form-{i}-DELETE"] = "on"
    return data


def test_a_first_scorecard_has_the_default_criteria_out_of_100(client_as, world):
    client = client_as("staff")
    response = client.post(reverse("inspections:scorecard_create"), {"county": world.home.county.pk, "year": 2026})
    template = ScoreTemplate.objects.get(county=world.home.county, year=2026)
    assert response.status_code == 302 and response.url == reverse("inspections:scorecard_detail", args=[template.pk])
    names = list(template.criteria.order_by("order").values_list("name", flat=True))
    assert names == [name for name, _max in scorecards.DEFAULT_CRITERIA] and len(names) == 7
    assert template.version == 1 and template.max_total == Decimal("100")  # 6 × 15 + 10
    assert template.history.get().history_user == world.users.staff


def test_a_later_year_copies_the_countys_last_scorecard(world):
    make_template(world.home.county, 2025)  # 2×10 + 1×20 + 1×10 = 50
    made = scorecards.template_create(county=world.home.county, year=2026, user=world.users.staff)
    assert (made.year, made.version, made.max_total) == (2026, 1, Decimal("50"))
    again = scorecards.template_create(county=world.home.county, year=2026, user=world.users.staff)
    assert (again.year, again.version) == (2026, 2) and again.criteria.count() == 3


def test_staff_edit_an_unused_scorecard_but_not_a_used_one(client_as, world):
    template = make_template(world.home.county, 2025)
    client = client_as("staff")
    url = reverse("inspections:scorecard_detail", args=[template.pk])
    criteria = list(template.criteria.order_by("order"))
    data = _formset_data(criteria, extra=(9, "联系实际", "1", "5"), delete=(criteria[2].pk,))
    data["form-0-maximum"] = "12"
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert [(c.name, c.maximum) for c in template.criteria.order_by("order")] == [
        ("主题突出", Decimal("12.0")),
        ("思考深入", Decimal("20.0")),
        ("联系实际", Decimal("5.0")),
    ]
    assert template.max_total == Decimal("49")  # 2×12 + 20 + 5
    assert Criterion.history.filter(history_type="-", name="研讨聚焦", history_user=world.users.staff).exists()

    # A visit is scored on it: the page shows no form, a post changes nothing, a new version is offered.
    target = PlanTarget.objects.create(
        plan=make_plan(world.home.county), study_group=world.home.dept_group, kind=VisitKind.KEY, planned_visits=1
    )
    make_visit(target, inspectors=[world.users.inspector], template=template)
    page = client.get(url).content.decode()
    assert 'id="criteria-form"' not in page and 'id="new-version"' in page
    data = _formset_data(list(template.criteria.order_by("order")))
    data["form-0-maximum"] = "99"
    response = client.post(url, data, follow=True)
    assert "无法修改" in response.content.decode() or "不能修改" in response.content.decode()
    assert template.criteria.order_by("order").first().maximum == Decimal("12.0")

    response = client.post(reverse("inspections:scorecard_new_version", args=[template.pk]))
    copy = ScoreTemplate.objects.get(county=world.home.county, year=2025, version=2)
    assert response.url == reverse("inspections:scorecard_detail", args=[copy.pk])
    assert [(c.name, c.maximum) for c in copy.criteria.order_by("order")] == [
        (c.name, c.maximum) for c in template.criteria.order_by("order")
    ]
    assert current_template(target) == copy  # visits assigned from now on use the new version


def test_who_reaches_the_scorecards(client_as, world):
    template = make_template(world.home.county, 2025)
    other = make_template(world.other.county, 2025)
    detail = reverse("inspections:scorecard_detail", args=[template.pk])
    for account in ("staff", "inspector", "auditor"):
        client = client_as(account)
        assert client.get(reverse("inspections:scorecard_list")).status_code == 200
        assert client.get(detail).status_code == 200
        assert client.get(reverse("inspections:scorecard_detail", args=[other.pk])).status_code == 404
    for account in ("secretary", "member"):
        assert client_as(account).get(detail).status_code == 403
    # Reading is not changing: an inspector can neither edit nor version it.
    inspector = client_as("inspector")
    assert 'id="criteria-form"' not in inspector.get(detail).content.decode()
    assert inspector.post(reverse("inspections:scorecard_new_version", args=[template.pk])).status_code == 403
    assert ScoreTemplate.objects.filter(county=world.home.county).count() == 1
    listing = client_as("staff").get(reverse("inspections:scorecard_list")).content.decode()
    assert template.name in listing and str(world.other.county) not in listing
