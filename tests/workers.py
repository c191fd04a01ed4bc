"""A real Celery worker for the tests that need one: Redis and PostgreSQL checked (the test fails, not skips,
without them), a worker process on a queue of its own, stopped afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from config.celery import app as celery_app


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def require_services() -> str:
    """The Redis URL, after checking that the test database is PostgreSQL and that Redis answers."""
    if connection.vendor != "postgresql":
        pytest.fail("The worker test needs the PostgreSQL test database (is PostgreSQL running?)")
    # config.test_settings points REDIS_URL at 127.0.0.1:6379/15 when Redis answers there.
    redis_url = django_settings.REDIS_URL
    if not redis_url or celery_app.conf.broker_url != redis_url:
        pytest.fail("The worker test needs Redis: start it on 127.0.0.1:6379 or set REDIS_URL")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis must answer on {redis_url} for the worker test: {exc}")
    return redis_url


@contextmanager
def celery_worker(
    name: str, *, env: dict[str, str] | None = None, queue_setting: str = "", settings_module: str = "config.settings"
):
    """Yield (queue, worker process, log file) of a worker consuming a new queue named after ``name``; tasks
    sent meanwhile are not run eagerly. ``env`` adds to the worker's environment; ``queue_setting`` names the
    setting that sends the tasks to the queue (the caller sets it in this process too)."""
    redis_url = require_services()
    queue = f"test-{name}-{uuid.uuid4().hex[:12]}"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        **(env or {}),
        **({queue_setting: queue} if queue_setting else {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "-l", "info"]
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    log = tempfile.TemporaryFile(mode="w+")
    worker = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield queue, worker, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        celery_app.conf.task_always_eager = was_eager
