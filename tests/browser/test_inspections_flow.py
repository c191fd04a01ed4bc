"""Sit-in inspection end to end in a real browser: staff approve the plan, the inspector scores a visit and
records two problems, the secretary answers them (one with an evidence photo), staff close one and send the
other back."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from core.models import Attachment
from inspections.models import Finding, InspectionPlan, Visit
from inspections.services.plans import plan_create, target_add
from tests.browser.conftest import login
from tests.inspections.factories import make_template, make_visit

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"


def _post(page, form_id: str) -> None:
    page.click(f"#{form_id} [type=submit]")
    page.wait_for_load_state("networkidle")


def test_plan_visit_scores_findings_and_rectification(transactional_db, world, live_server, page_factory, tmp_path):
    home, users = world.home, world.users
    make_template(home.county, timezone.localdate().year)
    plan = plan_create(county=home.county, year=timezone.localdate().year, user=users.staff)
    target = target_add(plan=plan, study_group=home.dept_group, kind="key", user=users.staff, reasons="上年考核落后")

    staff = page_factory()
    login(staff, live_server, "staff", PASSWORD)
    staff.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert "上年考核落后" in staff.locator("#targets").inner_text()
    staff.click("#approve")
    staff.wait_for_load_state("networkidle")
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED

    visit = make_visit(target, inspectors=[users.inspector], starts_at=timezone.now() - datetime.timedelta(days=1))
    inspector = page_factory()
    login(inspector, live_server, "inspector", PASSWORD)
    inspector.goto(f"{live_server.url}{visit.get_absolute_url()}")
    for criterion, value in zip(visit.template.criteria.all(), ("8", "15.5", "9"), strict=True):
        inspector.fill(f"input[name=criterion_{criterion.pk}]", value)
    _post(inspector, "score-form")
    assert "40.50 / 50.00" in inspector.locator("#total").inner_text()  # 2×8 + 15.5 + 9
    inspector.fill("#summary-form textarea[name=overall]", "学习组织规范，研讨有待聚焦。")
    _post(inspector, "summary-form")
    deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    for category, problem in (("focus", "研讨不聚焦"), ("preparation", "材料未提前下发")):
        inspector.select_option("#finding-form select[name=category]", category)
        inspector.fill("#finding-form textarea[name=description]", problem)
        inspector.fill("#finding-form textarea[name=advice]", "限期整改")
        inspector.fill("#finding-form input[name=deadline]", deadline)
        _post(inspector, "finding-form")
    assert inspector.locator("#findings li").count() == 2

    staff.goto(f"{live_server.url}{visit.get_absolute_url()}")
    staff.click("#publish")
    staff.wait_for_load_state("networkidle")
    assert Visit.objects.get(pk=visit.pk).is_published

    focus, preparation = Finding.objects.get(category="focus"), Finding.objects.get(category="preparation")
    photo = tmp_path / "整改照片.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    secretary = page_factory()
    login(secretary, live_server, "secretary", PASSWORD)
    secretary.goto(f"{live_server.url}{focus.get_absolute_url()}")
    secretary.fill("#answer-form textarea[name=response]", "已召开专题研讨会")
    secretary.set_input_files("#answer-form input[name=evidence]", str(photo))
    _post(secretary, "answer-form")
    assert secretary.locator("#attachments a").inner_text() == "整改照片.png"
    secretary.goto(f"{live_server.url}{preparation.get_absolute_url()}")
    secretary.fill("#answer-form textarea[name=response]", "今后按时下发")
    _post(secretary, "answer-form")

    staff.goto(f"{live_server.url}{focus.get_absolute_url()}")
    staff.click("#close-finding")
    staff.wait_for_load_state("networkidle")
    assert staff.locator("#finding-status").get_attribute("data-status") == "closed"
    staff.goto(f"{live_server.url}{preparation.get_absolute_url()}")
    staff.fill("#return-form textarea[name=reason]", "请附下发记录")
    _post(staff, "return-form")
    assert staff.locator("#finding-status").get_attribute("data-status") == "returned"

    focus.refresh_from_db()
    preparation.refresh_from_db()
    assert (focus.status, focus.verified_by, preparation.status) == ("closed", users.staff, "returned")
    assert Attachment.objects.of(focus).count() == 1
    for page in (staff, inspector, secretary):
        assert page.csp_errors == []
