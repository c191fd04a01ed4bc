"""403, 404 and 500 answer in Chinese inside the site's layout, with the navigation and a way back."""

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import path, reverse
from django.views import defaults

from config import urls
from tests.test_pages_in_chinese import english_left_in


def _assert_error_page(html: str, heading: str):
    assert f'<h1 class="h3 mb-3">{heading}</h1>' in html
    assert 'class="navbar navbar-expand-lg navbar-dark site-nav' in html  # the site's own layout and bar
    assert f'href="{reverse("dashboard")}">返回首页</a>' in html  # the way back
    assert '<html lang="zh-hans">' in html
    assert english_left_in(html) == []


def test_403_from_a_real_permission_denied_is_chinese_with_the_menu(client_as, world):
    client = client_as("member")
    response = client.get(reverse("studygroups:orgunit_create"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_error_page(html, "无权访问此页面")
    assert "退出登录" in html and "通知" in html  # the signed-in navigation is there
    assert "PermissionDenied" not in html


def test_404_from_a_guessed_url_is_chinese_with_the_menu(client_as, world):
    client = client_as("secretary")
    response = client.get("/no-such-page/at-all/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_error_page(html, "页面不存在")
    assert "退出登录" in html


def test_404_for_a_record_outside_the_area_is_the_same_page(client_as, world):
    response = client_as("staff").get(reverse("studygroups:orgunit_detail", args=[world.other.dept.pk]))
    assert response.status_code == 404
    _assert_error_page(response.content.decode(), "页面不存在")


def test_404_for_anonymous_has_the_bar_without_the_menu(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_error_page(html, "页面不存在")
    assert "退出登录" not in html


def test_500_renders_without_a_database_or_a_request_context():
    """No `db` fixture: pytest-django makes any database access fail, so the page must not touch it."""
    response = defaults.server_error(RequestFactory().get("/anything/", HTTP_ACCEPT_LANGUAGE="en"))
    assert response.status_code == 500
    _assert_error_page(response.content.decode(), "系统出错")
    # The template on its own, with no context at all.
    _assert_error_page(loader.get_template("500.html").render(), "系统出错")


def _broken(request):
    raise RuntimeError("a bug")


# The site's URLs and one view that fails, for the test below.
urlpatterns = [path("broken/", _broken), *urls.urlpatterns]


@pytest.mark.urls("tests.test_error_pages")
def test_500_from_a_failing_view_is_the_chinese_page(client, db):
    client.raise_request_exception = False
    response = client.get("/broken/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    _assert_error_page(response.content.decode(), "系统出错")
    assert "a bug" not in response.content.decode()
