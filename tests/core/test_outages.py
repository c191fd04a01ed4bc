"""A service that fails does not take the site down: with Redis gone, logins and forms keep working and
/healthz names the broker; with the database gone, pages answer a Chinese 503 page and the site comes
back by itself."""

import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from config.celery import app as celery_app
from core.models import Person
from tests.settings_probe import settings_with

CLOSED_REDIS = "redis://:s3cret@127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The cache and the broker point at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CELERY_BROKER_URL = CLOSED_REDIS
    # The Celery app read its configuration when it was first used.
    monkeypatch.setattr(celery_app.conf, "broker_url", CLOSED_REDIS)


def _person_data(name: str, token: str) -> dict:
    return {"name": name, "gender": "F", "title": "", "phone": "", "_submission": token}


# ---------------------------------------------------------------------------------------------
# Redis outage


def test_login_with_a_submission_token_works_while_redis_is_down(client, world, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.submission"):
        response = client.post(
            reverse("login"), {"username": "secretary", "password": "pw-for-tests-1", "_submission": "login-1"}
        )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert any(r.name == "core.submission" and r.levelno == logging.WARNING for r in caplog.records)


def test_a_form_saves_while_redis_is_down(client, world, redis_down, caplog):
    client.force_login(world.users.staff)
    data = _person_data("停缓存时录入", "redis-down-1") | {"unit": world.home.dept.pk}
    with caplog.at_level(logging.WARNING, logger="core.submission"):
        response = client.post(reverse("studygroups:person_create"), data)
    assert response.status_code == 302
    assert Person.objects.filter(name="停缓存时录入").count() == 1
    warnings = [r for r in caplog.records if r.name == "core.submission"]
    assert warnings and "Cache unavailable" in warnings[0].getMessage()


def test_a_double_click_is_still_caught_in_process_memory_while_redis_is_down(client, world, redis_down):
    client.force_login(world.users.staff)
    data = _person_data("停缓存时双击", "redis-down-2") | {"unit": world.home.dept.pk}
    first = client.post(reverse("studygroups:person_create"), data)
    second = client.post(reverse("studygroups:person_create"), data)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert Person.objects.filter(name="停缓存时双击").count() == 1


def test_healthz_names_the_unreachable_broker_with_its_password_masked(client, db, redis_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"status": "error", "database": "ok", "broker": "error", "broker_url": "redis://:**@127.0.0.1:1/0"}
    assert b"s3cret" not in response.content


def test_the_redis_cache_gives_up_within_seconds():
    options = settings_with({"REDIS_URL": "redis://127.0.0.1:6379/0"})["CACHES"]["default"]["OPTIONS"]
    assert 0 < options["socket_connect_timeout"] <= 2
    assert 0 < options["socket_timeout"] <= 2


# ---------------------------------------------------------------------------------------------
# Database outage


def _database_down():
    return mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection to server at 127.0.0.1 port 5432 failed: Connection refused"),
    )


def _assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    text = response.content.decode()
    assert "数据库暂时无法连接" in text
    assert "返回首页" in text and 'href="/"' in text


def test_a_page_answers_503_in_chinese_while_the_database_is_down_and_recovers(client, world, caplog):
    client.force_login(world.users.staff)
    url = reverse("studygroups:person_list")
    with _database_down(), caplog.at_level(logging.WARNING, logger="core.database"):
        response = client.get(url)
    _assert_unavailable_page(response)
    assert f'href="{url}"' in response.content.decode()  # try again
    assert any(r.name == "core.database" for r in caplog.records)
    assert client.get(url).status_code == 200


def test_a_login_answers_503_while_the_database_is_down(client, world):
    data = {"username": "secretary", "password": "pw-for-tests-1", "_submission": "db-down-1"}
    with _database_down():
        response = client.post(reverse("login"), data)
    _assert_unavailable_page(response)
    assert 'href="/accounts/login/"' not in response.content.decode()  # no "try again" for a POST
    data["_submission"] = "db-down-2"
    assert client.post(reverse("login"), data).status_code == 302


def test_a_form_answers_503_while_the_database_is_down_even_when_a_middleware_hits_it(client, world):
    # The once-only guard looks up the signed-in user before the view runs: the error is raised in a
    # middleware, where Django turns it into a 500 before ours sees it.
    client.raise_request_exception = False
    client.force_login(world.users.staff)
    data = _person_data("停库时录入", "db-down-3") | {"unit": world.home.dept.pk}
    with _database_down():
        response = client.post(reverse("studygroups:person_create"), data)
    _assert_unavailable_page(response)
    assert not Person.objects.filter(name="停库时录入").exists()
    assert client.post(reverse("studygroups:person_create"), data).status_code == 302
    assert Person.objects.filter(name="停库时录入").count() == 1


def test_other_errors_are_still_500(client, world):
    client.raise_request_exception = False
    client.force_login(world.users.staff)
    with mock.patch("core.views.render", side_effect=RuntimeError("bug")):
        assert client.get(reverse("dashboard")).status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_closed_and_the_next_request_reconnects(client, world):
    if connection.vendor != "postgresql":
        pytest.skip("Breaking the server connection behind Django's back is a PostgreSQL scenario")
    client.force_login(world.users.staff)
    url = reverse("studygroups:person_list")
    assert client.get(url).status_code == 200
    # The server goes away: the open connection is dead, Django does not know yet.
    connection.ensure_connection()
    connection.connection.close()
    try:
        _assert_unavailable_page(client.get(url))
        assert connection.connection is None  # closed, so the next request opens a fresh one
        assert client.get(url).status_code == 200
    finally:
        connection.close()  # whatever happened, the database is flushed through a working connection
