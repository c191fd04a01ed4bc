import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

DASHBOARDS = {
    "staff": "宣传部工作台",
    "inspector": "巡听督导工作台",
    "secretary": "学习秘书工作台",
    "member": "我的学习",
    "auditor": "审计查阅工作台",
}


def test_each_demo_account_sees_its_dashboard_in_chinese(transactional_db, live_server, page_factory):
    call_command("seed_demo", scale="demo", seed=1, no_progress=True, verbosity=0)
    for username, heading in DASHBOARDS.items():
        page = page_factory()
        login(page, live_server, username, settings.DEMO_PASSWORD)
        assert page.locator("h1").inner_text() == heading, username
        body = page.locator("main").inner_text()
        if username == "staff":
            # The demo county: 30 study groups (29 units plus the county committee's own group).
            assert page.locator("[data-count=groups]").inner_text() == "30"
        if username == "secretary":
            assert "组长" in body and "学习秘书" in body
        assert page.csp_errors == []
        page.context.close()
