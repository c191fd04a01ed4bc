"""The annual assessment end to end in a real browser: staff compute the county's year, adjust one group
with a reason and publish; the auditor sees the published table and a chart; the group's secretary sees
their own row only."""

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Adjustment, Run, RunComparison
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
PASSWORD = "pw-for-tests-1"
REASON = "承办全旗理论学习中心组现场推进会"


def _submit(page, form_id: str) -> None:
    page.click(f"#{form_id} [type=submit]")
    page.wait_for_load_state("networkidle")


def test_compute_adjust_publish_then_auditor_and_secretary(transactional_db, world, live_server, page_factory):
    home, users = world.home, world.users
    year = timezone.localdate().year - 1
    scheme = services.scheme_create_default(county=home.county, year=year, user=users.staff)

    staff = page_factory()
    login(staff, live_server, "staff", PASSWORD)
    staff.goto(f"{live_server.url}{scheme.get_absolute_url()}")
    staff.click("#compute")
    staff.wait_for_load_state("networkidle")
    staff.check("#confirm-form input[name=confirm]")
    _submit(staff, "confirm-form")
    run = Run.objects.get(scheme=scheme)
    assert staff.url.endswith(run.get_absolute_url())
    assert staff.locator("#results tbody tr").count() == 2  # the department's and the township's groups

    staff.click(f"#results a:text-is('{home.dept_group}')")
    staff.wait_for_load_state("networkidle")
    staff.fill("#adjust-form input[name=points]", "3")
    staff.fill("#adjust-form textarea[name=reason]", REASON)
    _submit(staff, "adjust-form")
    assert REASON in staff.locator("#adjustments").inner_text()
    adjustment = Adjustment.objects.get(study_group=home.dept_group, year=year)
    assert (adjustment.points, adjustment.reason, adjustment.history.first().history_user) == (3, REASON, users.staff)

    newest = Run.objects.filter(scheme=scheme).order_by("-created_at", "-pk").first()
    assert newest != run and newest.results.get(study_group=home.dept_group).adjustment == 3
    staff.goto(f"{live_server.url}{newest.get_absolute_url()}")
    staff.click("#publish")
    staff.wait_for_load_state("networkidle")
    staff.check("#confirm-form input[name=confirm]")
    _submit(staff, "confirm-form")
    newest.refresh_from_db()
    assert newest.is_published and newest.published_by == users.staff
    assert "已发布" in staff.locator("#run-state").inner_text()

    auditor = page_factory()
    login(auditor, live_server, "auditor", PASSWORD)
    auditor.goto(f"{live_server.url}{newest.get_absolute_url()}")
    table = auditor.locator("#results").inner_text()
    assert str(home.dept_group) in table and str(home.town_group) in table
    auditor.goto(f"{live_server.url}/")
    auditor.click("#assessment-charts-link")
    auditor.wait_for_load_state("networkidle")
    chart = auditor.locator("#chart-ranking img.chart")
    assert chart.count() == 1
    assert "考核得分排名" in chart.get_attribute("alt")
    # The SVG loaded as an image and has a size (it drew).
    assert auditor.evaluate("document.querySelector('#chart-ranking img').naturalWidth") > 0

    secretary = page_factory()
    login(secretary, live_server, "secretary", PASSWORD)
    secretary.goto(f"{live_server.url}{newest.get_absolute_url()}")
    rows = secretary.locator("#results tbody tr")
    assert rows.count() == 1
    assert str(home.dept_group) in rows.inner_text() and str(home.town_group) not in rows.inner_text()
    assert REASON in secretary.locator("#results").inner_html()  # the reason beside the adjusted score
    for page in (staff, auditor, secretary):
        assert page.csp_errors == []


def test_the_diff_is_asked_for_then_shown_and_a_pending_one_refreshes_the_page(
    transactional_db, world, live_server, page_factory
):
    users = world.users
    year = timezone.localdate().year - 1
    scheme = services.scheme_create_default(county=world.home.county, year=year, user=users.staff)
    run = services.publish(
        run=services.compute(scheme=scheme, cutoff=timezone.now(), user=users.staff), user=users.staff
    )
    staff = page_factory()
    login(staff, live_server, "staff", PASSWORD)
    staff.goto(f"{live_server.url}{run.get_absolute_url()}")
    staff.click("#diff")
    staff.wait_for_load_state("networkidle")
    assert staff.locator("#diff-none").count() == 1
    staff.click("#diff-request")  # the task runs at the commit (eagerly, in the server's thread)
    staff.wait_for_load_state("networkidle")
    assert (
        staff.locator("#diff-lines").count() == 1 and str(users.staff) in staff.locator("#diff-computed").inner_text()
    )

    # A comparison still queued: the page says so, polls its status and reloads once it is done.
    pending = RunComparison.objects.create(run=run, requested_by=users.staff, created_by=users.staff)
    staff.reload()
    staff.wait_for_selector("#diff-pending")
    assert "排队中" in staff.locator("#diff-pending").inner_text()
    services.diff_run(comparison_id=pending.pk)
    staff.wait_for_selector("#diff-pending", state="detached", timeout=15_000)
    assert staff.locator("#diff-lines").count() == 1 and staff.locator("#diff-request").count() == 1
