"""Outreach in a real browser: a township secretary records a branch's party day with two raised needs and
follows one to done with an evidence photo; a member studies a post and finds it in their archive."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from core.models import Attachment
from outreach.models import Need, PartyDay
from studygroups.models import SelfStudy
from tests.browser.conftest import login
from tests.outreach.factories import post, town_secretary

pytestmark = pytest.mark.browser


def test_township_secretary_follows_a_need_to_done(transactional_db, world, live_server, page_factory, tmp_path):
    town_secretary(world.home.town_group)  # username town-secretary-<pk>, the tests' password
    today = timezone.localdate()
    page = page_factory()
    login(page, live_server, f"town-secretary-{world.home.town_group.pk}", "pw-for-tests-1")

    page.goto(f"{live_server.url}/outreach/party-days/new/")
    page.select_option("select[name=branch]", str(world.home.village.pk))
    page.fill("input[name=held_on]", today.isoformat())
    page.fill("input[name=theme]", "学党史、办实事")
    page.fill("textarea[name=stories]", "草原英雄小姐妹")
    page.fill("input[name=households_by_work_team]", "6")
    page.fill("input[name=households_by_first_secretary]", "4")
    page.fill("input[name=households_by_members]", "10")
    page.locator("main form:not([method=get]) [type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    day = PartyDay.objects.get()
    assert page.url.endswith(f"/outreach/party-days/{day.pk}/")
    assert page.locator("#households-visited").inner_text().startswith("20")

    for text in ("村道破损，雨天难行", "希望组织养殖技术培训"):
        page.click("#add-need")
        page.wait_for_load_state("networkidle")
        assert page.locator("select[name=party_day]").input_value() == str(day.pk)
        page.select_option("select[name=category]", "infrastructure")
        page.fill("input[name=place]", "三组")
        page.fill("textarea[name=description]", text)
        page.fill("input[name=due_on]", (today + datetime.timedelta(days=30)).isoformat())
        page.locator("main form:not([method=get]) [type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/outreach/party-days/{day.pk}/")
    assert page.locator("#needs li").count() == 2

    need = Need.objects.get(description="村道破损，雨天难行")
    page.goto(f"{live_server.url}/outreach/needs/{need.pk}/")
    page.fill("#start-form input[name=handled_by]", "驻村工作队")
    page.click("#start-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "in_progress"

    evidence = tmp_path / "路面硬化.png"
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "gray").save(buffer, "PNG")
    evidence.write_bytes(buffer.getvalue())
    page.fill("#complete-form textarea[name=result]", "硬化路面 300 米")
    page.set_input_files("#complete-form input[name=evidence]", str(evidence))
    page.click("#complete-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "done"
    assert "路面硬化.png" in page.locator("#attachments").inner_text()
    need.refresh_from_db()
    assert need.status == "done" and Attachment.objects.of(need).count() == 1
    assert Need.objects.get(description="希望组织养殖技术培训").status == "open"
    assert page.csp_errors == []


def test_member_studies_a_post_and_sees_it_in_the_archive(transactional_db, world, live_server, page_factory):
    item = post(world.home.county, title="微讲堂：党史上的今天", required=True, published_on=timezone.localdate())
    page = page_factory()
    login(page, live_server, "member", "pw-for-tests-1")
    page.goto(f"{live_server.url}/outreach/posts/{item.pk}/")
    page.click("#mark-studied")
    page.wait_for_load_state("networkidle")
    assert page.locator("#studied").count() == 1
    assert SelfStudy.objects.filter(person=world.home.member).count() == 1
    page.goto(f"{live_server.url}/archive/people/{world.home.member.pk}/")
    assert "网络学习：微讲堂：党史上的今天" in page.content()
    assert page.csp_errors == []
