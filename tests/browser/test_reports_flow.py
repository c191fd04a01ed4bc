"""The auditor asks for the year-end pack, watches its progress, downloads it and checks its SHA-256."""

import hashlib
import threading
import uuid

import pytest
from django.db import connection

from config.celery import app as celery_app
from reports import services
from reports.models import ReportJob
from tests.browser.conftest import login
from tests.reports.conftest import county  # noqa: F401 (the hand-built county)

pytestmark = pytest.mark.browser


def test_auditor_asks_for_the_pack_watches_it_downloads_and_checks_it(
    transactional_db,
    county,  # noqa: F811
    live_server,
    page_factory,
    settings,
    tmp_path,  # noqa: F811
):
    # No worker consumes this queue: the test plays the worker once the page is watching.
    settings.REPORT_QUEUE = f"test-browser-{uuid.uuid4().hex[:12]}"
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker = None
    try:
        page = page_factory(accept_downloads=True)
        login(page, live_server, "auditor", "pw-for-tests-1")
        page.goto(f"{live_server.url}/reports/")
        page.select_option("select[name=kind]", "year_end")
        page.select_option("select[name=year]", "2025")
        page.select_option("select[name=org]", str(county.home.county.pk))
        page.select_option("select[name=format]", "zip")
        page.click("#report-job-form [type=submit]")
        page.wait_for_url("**/reports/*/")
        job = ReportJob.objects.get()
        assert page.locator("#job-status").inner_text() == "排队中"
        assert "报告已进入队列" in page.content()

        def run_as_the_worker():
            try:
                services.job_run(job_id=job.pk, task_id="browser")
            finally:
                connection.close()

        worker = threading.Thread(target=run_as_the_worker)
        worker.start()
        # The page's script polls the status and marks the box done: no reload.
        page.locator("#report-job[data-status=done]").wait_for(timeout=120_000)
        assert page.locator("#job-status").inner_text() == "已完成"
        assert page.locator("#job-percent").inner_text() == "100%"
        sha = page.locator("#job-sha256").inner_text().strip()
        job.refresh_from_db()
        assert sha == job.sha256

        with page.expect_download() as info:
            page.click("#job-download")
        path = tmp_path / "pack.zip"
        info.value.save_as(path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha

        page.goto(f"{live_server.url}/reports/check/")
        page.set_input_files("input[name=file]", str(path))
        page.click("#pack-check-form [type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("#check-sha256").inner_text().strip() == sha
        assert "该副本未被改动" in page.locator("#check-match").inner_text()
        assert page.csp_errors == []
    finally:
        if worker is not None:
            worker.join()
        celery_app.conf.task_always_eager = was_eager
