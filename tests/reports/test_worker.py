"""A report job end to end through a real Celery worker against Redis (on a queue of its own)."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from config.celery import app as celery_app
from core.models import Notification
from reports import services
from reports.models import JOB_DONE, ReportJob, ReportKind


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
def test_a_report_job_runs_in_a_real_worker(transactional_db, county, settings):
    if connection.vendor != "postgresql":
        pytest.fail("The worker test needs the PostgreSQL test database (is PostgreSQL running?)")
    redis_url = django_settings.REDIS_URL
    if not redis_url or celery_app.conf.broker_url != redis_url:
        pytest.fail("The worker test needs Redis: start it on 127.0.0.1:6379 or set REDIS_URL")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis must answer on {redis_url} for the worker test: {exc}")

    queue = f"test-reports-{uuid.uuid4().hex[:12]}"
    media = Path(tempfile.mkdtemp(prefix="reports-worker-"))
    settings.MEDIA_ROOT = media
    settings.REPORT_QUEUE = queue
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",  # the worker as deployed, reading MEDIA_ROOT from here
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media),
        "REPORT_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "-l", "info"]
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    log = tempfile.TemporaryFile(mode="w+")
    worker = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # Outside a transaction the job is sent at once (on_commit runs immediately in autocommit).
        job, created = services.job_request(
            user=county.world.users.auditor, kind=ReportKind.YEAR_END, year=2025, format="xlsx", org=county.home.county
        )
        assert created
        job.refresh_from_db()
        assert job.dispatched_at is not None
        deadline = time.monotonic() + 120
        output = ""
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
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        celery_app.conf.task_always_eager = was_eager
        import shutil

        shutil.rmtree(media, ignore_errors=True)
