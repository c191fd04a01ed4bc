"""On a 360 px phone: the secretary goes from the dashboard to a session that owes its record, uploads the
sign-in sheet, takes attendance with "all present" and one leave; the member checks in with the current code."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from core.models import Attachment
from studygroups.models import Attendance
from tests.browser.conftest import login
from tests.studygroups.factories import PlanFactory, PlanTopicFactory, session_at

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def _fits(page) -> bool:
    """Nothing wider than the phone's screen: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretary_and_member_on_phones(transactional_db, world, live_server, page_factory):
    group, leader, member = world.home.dept_group, world.home.leader, world.home.member
    now = timezone.now()
    # Held an hour and a half ago and still running: no written record yet, check-in still open.
    session = session_at(
        group, now - datetime.timedelta(minutes=90), ends_at=now + datetime.timedelta(minutes=30), title="专题学习会"
    )
    plan = PlanFactory(study_group=group, year=timezone.localdate().year, title="年度学习计划")
    for title in ("学习全会精神", "意识形态工作", "铸牢中华民族共同体意识"):
        PlanTopicFactory(plan=plan, title=title)

    sec = page_factory(**PHONE)
    login(sec, live_server, "secretary", "pw-for-tests-1")
    assert sec.url == live_server.url + "/"
    sec.locator("#records-owed a", has_text="专题学习会").click()
    sec.wait_for_load_state("networkidle")
    assert sec.url == live_server.url + session.get_absolute_url()
    assert _fits(sec)

    # The sign-in sheet, photographed with the phone.
    sec.set_input_files(
        "#session-files-form input[type=file]", {"name": "签到表.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    sec.click("#session-files-form button[type=submit]")
    sec.wait_for_load_state("networkidle")
    assert [a.original_name for a in Attachment.objects.of(session)] == ["签到表.jpg"]
    assert "签到表.jpg" in sec.locator("#session-attachments").inner_text()

    # Attendance: nothing preselected; "all present", then the leader on leave; the counts follow.
    sec.click("#link-attendance")
    sec.wait_for_load_state("networkidle")
    assert sec.locator("#attendance-form input[type=radio]:checked").count() == 0
    counts = sec.locator("#attendance-counts")
    assert counts.locator("[data-count='']").inner_text() == "2"
    sec.click("#attendance-all-present")
    assert counts.locator("[data-count=present]").inner_text() == "2"
    assert counts.locator("[data-count='']").inner_text() == "0"
    assert not Attendance.objects.exists()  # the button only fills the screen
    leader_row = sec.locator(f"#attendance-form [data-person='{leader.pk}']")
    leader_row.locator("input[value=leave] + label").click()
    leader_row.locator("input[type=text]").fill("参加上级会议")
    assert counts.locator("[data-count=present]").inner_text() == "1"
    assert counts.locator("[data-count=leave]").inner_text() == "1"
    assert _fits(sec)
    sec.click("#attendance-save")
    sec.wait_for_load_state("networkidle")
    statuses = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    assert statuses == {leader.pk: "leave", member.pk: "present"}
    assert "2 人的记录有变化" in sec.locator("main .alert-success").inner_text()

    # The session page adds it up.
    sec.goto(live_server.url + session.get_absolute_url())
    assert sec.locator("#attendance-summary-counts [data-count=present]").inner_text() == "1"
    assert leader.name in sec.locator("#attendance-on-leave").inner_text()

    # The topic picker on the same phone: grouped, searchable.
    sec.goto(f"{live_server.url}/sessions/{session.pk}/edit/")
    search = sec.locator("[data-topic-search]")
    search.fill("意识")
    shown = sec.locator("[data-topic-option]:visible")
    assert shown.count() == 2  # 意识形态工作, 铸牢中华民族共同体意识
    assert _fits(sec)

    # The code shown in the room, opened by the member on their phone.
    sec.goto(f"{live_server.url}/sessions/{session.pk}/qr/")
    code_url = sec.locator("#checkin-url").inner_text().strip()
    mem = page_factory(**PHONE)
    login(mem, live_server, "member", "pw-for-tests-1")
    mem.goto(code_url)
    assert "专题学习会" in mem.locator("#checkin-session").inner_text()
    assert Attendance.objects.get(person=member).checked_in_at is None  # opening changes nothing
    mem.click("#checkin-form button[type=submit]")
    mem.wait_for_load_state("networkidle")
    assert mem.locator("#checkin-result").is_visible()
    assert Attendance.objects.get(person=member).checked_in_at is not None
    assert sec.csp_errors == [] and mem.csp_errors == []
