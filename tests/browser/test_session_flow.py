"""The study secretary's day, end to end in a real browser, as the issue describes it."""

import datetime

import pytest
from django.utils import timezone

from studygroups.models import Attendance, Reflection, StudySession
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_secretary_runs_a_session_and_member_checks_in_and_reflects(transactional_db, world, live_server, page_factory):
    group, leader, member = world.home.dept_group, world.home.leader, world.home.member
    now = timezone.now()

    # The secretary schedules a session that has just begun, on a phone.
    sec = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(sec, live_server, "secretary", "pw-for-tests-1")
    sec.goto(f"{live_server.url}/groups/{group.pk}/sessions/new/")
    sec.fill("input[name=title]", "学习贯彻党的二十届四中全会精神")
    sec.fill("input[name=starts_at]", _local(now - datetime.timedelta(minutes=5)))
    sec.fill("input[name=ends_at]", _local(now + datetime.timedelta(hours=2)))
    sec.fill("input[name=place]", "三楼会议室")
    sec.fill("textarea[name=materials]", "全会公报")
    sec.locator("main form:not([method=get]) [type=submit]").first.click()
    sec.wait_for_load_state("networkidle")
    session = StudySession.objects.get(study_group=group)
    assert sec.url.endswith(f"/sessions/{session.pk}/")
    assert "学习贯彻党的二十届四中全会精神" in sec.locator("h1").inner_text()

    # The QR page carries the check-in link; the member opens it on their phone and is checked in.
    sec.goto(f"{live_server.url}/sessions/{session.pk}/qr/")
    assert sec.locator("img[src*='qr.svg']").count() == 1
    checkin_url = sec.locator("#checkin-url").inner_text().strip()
    mem = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    mem.goto(checkin_url)  # not logged in yet: the login page sends the member back to the link
    mem.fill("input[name=username]", "member")
    mem.fill("input[name=password]", "pw-for-tests-1")
    mem.click("button[type=submit]")
    mem.wait_for_load_state("networkidle")
    assert not Attendance.objects.exists()  # opening the code shows the session; the button checks in
    mem.click("#checkin-form button[type=submit]")
    mem.wait_for_load_state("networkidle")
    assert mem.locator("[data-status]").first.get_attribute("data-status") == "present"
    checked = Attendance.objects.get(session=session, person=member)
    assert checked.method == Attendance.Method.QR and checked.checked_in_at is not None

    # The secretary takes attendance for everyone on one screen: the leader is on leave.
    sec.goto(f"{live_server.url}/sessions/{session.pk}/attendance/")
    rows = sec.locator("#attendance-form [data-person]")
    assert sorted(int(rows.nth(i).get_attribute("data-person")) for i in range(rows.count())) == sorted(
        [leader.pk, member.pk]
    )  # the member who left in 2024 is not listed
    leader_row = sec.locator(f"#attendance-form [data-person='{leader.pk}']")
    leader_row.locator("input[value=leave] + label").click()
    leader_row.locator("input[type=text]").fill("参加上级会议")
    sec.click("#attendance-save")
    sec.wait_for_load_state("networkidle")
    statuses = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    assert statuses == {leader.pk: "leave", member.pk: "present"}
    assert Attendance.objects.get(session=session, person=member).method == Attendance.Method.QR

    # The secretary writes the record.
    sec.goto(f"{live_server.url}/sessions/{session.pk}/record/")
    sec.fill("textarea[name=record]", "组长因公请假，由副组长主持。成员围绕全会精神交流发言。")
    sec.locator("main form:not([method=get]) [type=submit]").first.click()
    sec.wait_for_load_state("networkidle")
    session.refresh_from_db()
    assert session.record.startswith("组长因公请假") and session.record_entered_by == world.users.secretary

    # The member submits a reflection on the session.
    mem.goto(f"{live_server.url}/sessions/{session.pk}/reflection/")
    mem.fill("textarea[name=text]", "通过学习，深刻理解了全会的重大意义。")
    mem.locator("main form:not([method=get]) [type=submit]").first.click()
    mem.wait_for_load_state("networkidle")
    assert Reflection.objects.filter(session=session, person=member).exists()

    # The member's archive shows all of it.
    mem.goto(f"{live_server.url}/archive/people/{member.pk}/")
    line = mem.locator(f"#sessions tr[data-session='{session.pk}']")
    assert line.get_attribute("data-status") == "present"
    assert mem.locator("[data-stat=attended]").inner_text() == "1"
    assert mem.locator("[data-stat=rate]").inner_text() == "100.0%"
    assert mem.locator("[data-stat=reflections]").inner_text() == "1"
    assert "深刻理解了全会的重大意义" in mem.locator("#reflections").inner_text()
    assert sec.csp_errors == [] and mem.csp_errors == []
