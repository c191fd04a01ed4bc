"""The recompute diff end to end through a real Celery worker against Redis (on a queue of its own), with the
registered indicators (not the stubs: the worker is another process)."""

import datetime
import os
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from assessment import services
from assessment.models import RunComparison, Scheme
from config.celery import app as celery_app
from tests.reports.test_worker import _database_url
from tests.studygroups.factories import StudySessionFactory


@pytest.mark.slow
def test_a_comparison_is_computed_by_a_real_worker(transactional_db, county, world, settings):
    if connection.vendor != "postgresql":
        pytest.fail("The worker test needs the PostgreSQL test database (is PostgreSQL running?)")
    redis_url = django_settings.REDIS_URL
    if not redis_url or celery_app.conf.broker_url != redis_url:
        pytest.fail("The worker test needs Redis: start it on 127.0.0.1:6379 or set REDIS_URL")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis must answer on {redis_url} for the worker test: {exc}")

    staff = world.users.staff
    held = timezone.now() - datetime.timedelta(hours=3)  # before the cut-off, entered after publishing
    year = timezone.localtime(held).year
    scheme = Scheme.objects.create(county=county.county, year=year, name=services.default_name(year))
    for indicator in services.default_indicators(scheme):
        indicator.save()
    run = services.publish(run=services.compute(scheme=scheme, cutoff=timezone.now(), user=staff), user=staff)
    added = StudySessionFactory(
        study_group=county.a, title="发布后补录的学习", starts_at=held, ends_at=held + datetime.timedelta(hours=2)
    )

    queue = f"test-assessment-{uuid.uuid4().hex[:12]}"
    settings.REPORT_QUEUE = queue
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "REPORT_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "-l", "info"]
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    log = tempfile.TemporaryFile(mode="w+")
    worker = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        comparison, created = services.diff_request(run=run, user=world.users.auditor)  # sent at once (autocommit)
        assert created
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None:
            comparison.refresh_from_db()
            if comparison.status in (RunComparison.Status.DONE, RunComparison.Status.FAILED):
                break
            time.sleep(0.3)
        log.seek(0)
        output = log.read()[-4000:]
        assert comparison.status == RunComparison.Status.DONE, f"{comparison.status} {comparison.error}\n{output}"
        assert "assessment.tasks.compute_run_diff" in output and "succeeded" in output, output
        # What the worker stored is what the recompute gives here, record for record.
        expected = services.diff_data(services.recompute_diff(run=run))
        stored = comparison.data
        assert stored["lines"] == expected["lines"] and stored["lines"]
        assert [(r["model_name"], r["object_id"]) for r in stored["records"]] == [
            (r["model_name"], r["object_id"]) for r in expected["records"]
        ]
        assert f"/history/session/{added.pk}/" in [r["history_url"] for r in stored["records"]]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        celery_app.conf.task_always_eager = was_eager
