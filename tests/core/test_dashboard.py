import datetime
from unittest import mock
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from studygroups.models import Attendance, StudySession

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _session(group, days_ago: float, **fields) -> StudySession:
    start = NOW - datetime.timedelta(days=days_ago)
    return StudySession.objects.create(
        study_group=group,
        title=f"第{days_ago}天",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="会议室",
        **fields,
    )


def test_staff_dashboard_shows_the_years_state_worked_out_by_hand(client, world):
    group = world.home.dept_group
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        on_time = _session(group, 10, record="按时记录", record_entered_at=NOW - datetime.timedelta(days=9))
        _session(group, 5)  # ended five days ago, no record: missing
        _session(group, 30, record="年底补写", record_entered_at=NOW)  # record written 30 days later: late
        _session(group, 0.5)  # held this morning, the record is not due yet
        _session(group, -3)  # scheduled
        _session(world.other.dept_group, 5)  # another county's: not counted
        _session(group, 200)  # last year (2025-11-27): not counted
        Attendance.objects.create(session=on_time, person=world.home.leader, status="leave", reason="出差")
        Attendance.objects.create(session=on_time, person=world.home.member, status="present")
        client.force_login(world.users.staff)
        state = client.get(reverse("dashboard")).context["panel_data"]["year_state"]
    assert timezone.localdate(NOW).year == state["year"] == 2026
    assert (state["held"], state["scheduled"]) == (4, 1)
    assert (state["missing_record"], state["late_record"], state["open_makeups"]) == (1, 1, 1)
