"""A report job end to end through a real Celery worker against Redis (on a queue of its own)."""

import tempfile
import time
from pathlib import Path

import openpyxl
import pytest

from core.models import Notification
from reports import services
from reports.models import JOB_DONE, ReportJob, ReportKind
from tests.workers import celery_worker


@pytest.mark.slow
def test_a_report_job_runs_in_a_real_worker(transactional_db, county, settings):
    media = Path(tempfile.mkdtemp(prefix="reports-worker-"))
    settings.MEDIA_ROOT = media
    with celery_worker("reports", env={"MEDIA_ROOT": str(media)}, queue_setting="REPORT_QUEUE") as (
        queue,
        worker,
        log,
    ):
        settings.REPORT_QUEUE = queue
        try:
            _run_a_report(county, media, worker, log)
        finally:
            import shutil

            shutil.rmtree(media, ignore_errors=True)


def _run_a_report(county, media, worker, log):
    # Outside a transaction the job is sent at once (on_commit runs immediately in autocommit).
    job, created = services.job_request(
        user=county.world.users.auditor, kind=ReportKind.YEAR_END, year=2025, format="xlsx", org=county.home.county
    )
    assert created
    job.refresh_from_db()
    assert job.dispatched_at is not None
    deadline = time.monotonic() + 120
    seen_progress = set()
    while time.monotonic() < deadline and worker.poll() is None:
        job.refresh_from_db()
        seen_progress.add(job.progress)
        if job.status in (ReportJob.Status.DONE, ReportJob.Status.FAILED):
            break
        time.sleep(0.3)
    log.seek(0)
    output = log.read()[-4000:]
    assert job.status == ReportJob.Status.DONE, f"{job.status} {job.error}\n{output}"
    assert "reports.tasks.render_report" in output and "succeeded" in output, output
    assert worker.poll() is None, f"The worker stopped:\n{output}"
    path = media / job.file_path
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["中心组", "学习活动", "考勤", "心得体会", "巡听旁听", "整改", "考核结果", "补录记录"]
    assert book["考勤"].max_row == 7  # header + the county's 6 attendance rows
    assert job.version == 1 and job.frozen and len(job.sha256) == 64
    assert Notification.objects.filter(user=county.world.users.auditor, kind=JOB_DONE).count() == 1
