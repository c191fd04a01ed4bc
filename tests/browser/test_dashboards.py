import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

DASHBOARDS = {
    "staff": "宣传部工作台",
    "inspector": "巡听督导工作台",
    "secretary": "学习秘书工作台",
    "member": "我的学习",
    "auditor": "审计查阅工作台",
}


@pytest.mark.parametrize("role", list(DASHBOARDS))
def test_each_role_lands_on_its_own_dashboard_in_chinese(transactional_db, world, live_server, page_factory, role):
    page = page_factory()
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "登录"  # anonymous users are sent to the Chinese login page
    login(page, live_server, role, "pw-for-tests-1")
    assert page.url == live_server.url + "/"
    assert page.locator("h1").inner_text() == DASHBOARDS[role]
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "退出登录" in page.locator("nav").inner_text()
    # Bootstrap is served by the app itself and applied (the navbar is styled, not a bare list).
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
    assert page.csp_errors == []


def test_secretary_on_a_phone_sees_the_roster(transactional_db, world, live_server, page_factory):
    page = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, live_server, "secretary", "pw-for-tests-1")
    assert page.locator(".navbar-toggler").is_visible()
    roster = page.locator("#roster").inner_text()
    assert world.home.member.name in roster and world.home.left.name not in roster
    page.click(".navbar-toggler")
    page.locator("#mainnav").get_by_text("学习活动").first.wait_for(state="visible")
    # The dropdowns open on a tap.
    page.locator("#mainnav").get_by_text("组织", exact=True).click()
    page.locator("#mainnav .dropdown-menu").get_by_text("中心组").wait_for(state="visible")
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_wrong_password_shows_a_chinese_error(transactional_db, world, live_server, page_factory):
    page = page_factory()
    login(page, live_server, "staff", "wrong-password")
    assert "用户名或密码不正确" in page.content()
