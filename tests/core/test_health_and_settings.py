import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_ok_when_database_and_broker_answer(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_503_when_broker_is_down(client, db, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "error"


def test_healthz_is_503_when_database_is_down(client, db):
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=OperationalError):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


def test_chinese_and_shanghai_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def _check_deploy(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings"} | extra_env
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _check_deploy(
        {
            "SECRET_KEY": "k7#pQ2v!x9LmZr4Tn8Wb1Yc6Hd3Fg5Js0Ua^Ve&Xi*Oq-Rs+Ty7Gh2Nk",
            "DEBUG": "0",
            "HTTPS": "1",
            "ALLOWED_HOSTS": "study.example.org",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_check_deploy_warns_without_https():
    result = _check_deploy(
        {"SECRET_KEY": "k7#pQ2v!x9LmZr4Tn8Wb1Yc6Hd3Fg5Js0Ua^Ve&Xi*Oq-Rs+Ty7Gh2Nk", "DEBUG": "0", "HTTPS": "0"}
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_the_web_process_freezes_its_start_up_objects_and_collects_young_objects_less_often():
    """config/wsgi.py tunes the collector once the application is loaded (config/runtime.py): checked in a
    process of its own, as a gunicorn worker would import it."""
    import subprocess
    import sys
    from pathlib import Path

    from config.runtime import YOUNG_THRESHOLD

    code = "import gc, config.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert int(out[0]) == YOUNG_THRESHOLD > 700
    assert int(out[1]) > 50_000  # Django and the app's modules, out of the collector's sight
