"""One interface language per deployment: Chinese whatever the browser asks, English only when set."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]


def _settings_under(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({'code': s.LANGUAGE_CODE, 'languages': [c for c, _ in s.LANGUAGES]}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE_CODE", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=base | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_chinese_is_the_only_language_by_default():
    result = _settings_under({})
    assert json.loads(result.stdout) == {"code": "zh-hans", "languages": ["zh-hans"]}


def test_a_deployment_may_choose_english():
    result = _settings_under({"LANGUAGE_CODE": "en"})
    assert json.loads(result.stdout) == {"code": "en", "languages": ["en"]}


def test_an_unknown_language_fails_loudly():
    result = _settings_under({"LANGUAGE_CODE": "fr"})
    assert result.returncode != 0
    assert "LANGUAGE_CODE must be one of zh-hans, en, not 'fr'" in result.stderr


def test_an_english_browser_and_an_english_cookie_still_get_chinese(client, db):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert '<h1 class="h3 my-4 text-center">登录</h1>' in html
    assert response["Content-Language"] == "zh-hans"


@override_settings(LANGUAGE_CODE="en", LANGUAGES=[("en", "English")])
def test_an_english_deployment_answers_in_english_even_to_a_chinese_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert '<h1 class="h3 my-4 text-center">Log in</h1>' in html
    translation.activate("zh-hans")  # leave the process as the other tests expect it
