"""The embedded SQLite database takes a secretary rush: 20 attendance screens saved at the same moment
all succeed, through real threads and the whole request stack, against a file database.

Each load runs in its own process (tests/studygroups/sqlite_writers.py) on config.settings with a SQLite
file, whatever database the test run itself uses. The same load without the SQLite OPTIONS of
config/settings.py (WAL, busy timeout, immediate transactions) fails most of its requests with
"database is locked", which shows the settings are what makes the difference.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.settings_probe import settings_with

WRITERS = 20


def _start(tmp_path, name: str, *flags: str) -> tuple[subprocess.Popen, object]:
    folder = tmp_path / name
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "CELERY_DATA_DIR": str(folder / "celery"),
    }
    log = open(folder / "stderr.txt", "w+")  # closed by _result
    command = [sys.executable, "-m", "tests.studygroups.sqlite_writers", str(folder / "db.sqlite3"), str(WRITERS)]
    process = subprocess.Popen(
        [*command, *flags], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    return process, log


def _result(started) -> dict:
    process, log = started
    try:
        stdout, _ = process.communicate(timeout=120)
        log.seek(0)
        assert process.returncode == 0, log.read()[-4000:]
        return json.loads(stdout.strip().splitlines()[-1])
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


@pytest.mark.slow
def test_twenty_secretaries_saving_at_once_all_succeed_and_fail_without_the_settings(tmp_path):
    # Both loads at once, each on its own file: the run takes one load's time.
    configured = _start(tmp_path, "configured")
    plain = _start(tmp_path, "plain", "--plain")

    result = _result(configured)
    assert result["statuses"] == [302] * WRITERS, result["errors"]
    assert result["errors"] == []
    assert result["saved"] == result["expected"]

    result = _result(plain)
    assert result["statuses"].count(302) < WRITERS
    assert any("database is locked" in error for error in result["errors"]), result["errors"]
    assert result["saved"] < result["expected"]


def test_sqlite_runs_with_a_write_ahead_log_a_busy_timeout_and_immediate_transactions():
    options = settings_with({"DATABASE_URL": "sqlite:////tmp/studycenter-settings-check.sqlite3"})["DATABASE_OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    pragmas = [p.strip().lower() for p in options["init_command"].split(";") if p.strip()]
    assert "pragma journal_mode=wal" in pragmas
    assert "pragma synchronous=normal" in pragmas
    postgres = settings_with({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x"})["DATABASE_OPTIONS"]
    assert "transaction_mode" not in postgres and "init_command" not in postgres
