"""Background work really runs in the demo: with no Redis, `make run` starts a Celery worker (with beat)
on a broker kept in files under var/celery/, and the tasks it runs are limited in time, given back if
their worker dies, and safe to run twice."""

import os
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.conf import settings
from django.utils.module_loading import import_string

from config.celery import app as celery_app
from tests.settings_probe import settings_with

# A SQLite file like the demo's, with one member and one session tomorrow whose notice is due.
PREPARE = """
import os, sys, datetime
from django.conf import settings
settings.DATABASES["default"]["TEST"] = {"NAME": sys.argv[1], "MIGRATE": False}
import django; django.setup()
from django.db import connection
from django.utils import timezone
connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
from core.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.studygroups.factories import future_session
member = MembershipFactory()
UserFactory(username="member", role=Role.MEMBER, person=member.person, email="member@example.cn")
future_session(member.study_group, days=1)
"""


def test_tasks_are_limited_in_time_and_given_back_when_their_worker_dies():
    for conf in (settings, celery_app.conf):
        names = ("task_acks_late", "task_reject_on_worker_lost", "task_soft_time_limit", "task_time_limit")
        values = [getattr(conf, f"CELERY_{n.upper()}" if conf is settings else n) for n in names]
        acks_late, reject_on_worker_lost, soft, hard = values
        assert acks_late is True and reject_on_worker_lost is True
        assert 0 < soft < hard <= 3600
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"send-session-notices", "remind-missing-records"} <= set(schedule)
    for entry in schedule.values():  # every scheduled task exists (a typo would never run, silently)
        assert callable(import_string(entry["task"])), entry["task"]


def test_without_redis_the_broker_is_files_under_var_and_tasks_are_not_eager(tmp_path):
    values = settings_with({"CELERY_DATA_DIR": str(tmp_path)})
    assert values["BROKER"] == "filesystem://"
    assert values["EAGER"] is False
    options = values["BROKER_OPTIONS"]
    assert options["data_folder_in"] == options["data_folder_out"] == str(tmp_path / "queue")
    assert options["processed_folder"] == str(tmp_path / "processed")
    assert options["control_folder"] == str(tmp_path / "control")  # not ./control in the working directory
    assert values["RESULTS"] == f"file://{tmp_path / 'results'}"
    assert all((tmp_path / name).is_dir() for name in ("queue", "processed", "results"))
    assert settings_with({"CELERY_EAGER": "1"})["EAGER"] is True
    with_redis = settings_with({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert with_redis["BROKER"] == with_redis["RESULTS"] == "redis://127.0.0.1:6379/0"


@pytest.mark.slow
def test_a_real_worker_with_beat_runs_the_notice_task_from_the_file_broker_once(tmp_path):
    db_path = tmp_path / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "CELERY_DATA_DIR": str(tmp_path / "celery"),
    }
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE, str(db_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prepared.returncode == 0, prepared.stderr[-4000:]

    # The producer sees the broker and results exactly as config.settings describe them for that folder.
    values = settings_with({"CELERY_DATA_DIR": str(tmp_path / "celery")})
    producer = Celery("probe", broker=values["BROKER"], backend=values["RESULTS"])
    producer.conf.broker_transport_options = values["BROKER_OPTIONS"]

    log_path = tmp_path / "worker.log"
    # As `make run` starts it (with one process and a name of its own).
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "-l", "info"]
    command += ["--concurrency", "1", "-n", f"test-{os.getpid()}@%h"]
    with open(log_path, "w") as log:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = producer.send_task("studygroups.tasks.send_session_notices")
        assert first.get(timeout=60) == 1, log_path.read_text()[-4000:]
        # Run again (a redelivery, or beat's next hour): nothing is announced twice.
        second = producer.send_task("studygroups.tasks.send_session_notices")
        assert second.get(timeout=30) == 0
        deadline = time.monotonic() + 10
        while "beat: Starting" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        output = log_path.read_text()
        assert f"{first.id}] succeeded" in output and f"{second.id}] succeeded" in output
        assert "beat: Starting" in output
        assert worker.poll() is None, output[-4000:]
        assert list((tmp_path / "celery").glob("beat-schedule*"))  # the schedule file lives with the broker
        assert not (settings.BASE_DIR / "control").exists()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
