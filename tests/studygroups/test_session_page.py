"""The session on one page: attendance counts and names, reflections, make-ups owed, files, history.

Also the attendance screen's counts and "all present", and the roster-only host list."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import Attachment
from studygroups.models import Attendance, StudySession
from tests.factories import MembershipFactory
from tests.studygroups.factories import (
    AttendanceFactory,
    PlanFactory,
    PlanTopicFactory,
    ReflectionFactory,
    local,
    past_session,
    session_at,
)
from tests.studygroups.test_attachments import image_bytes, upload
from tests.studygroups.test_attendance import edit_url, form_data

PRESENT, LATE, LEAVE, ABSENT = "present", "late", "leave", "absent"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def roster(world):
    """Five people on the home group's roster today: leader, member and three more."""
    extra = [MembershipFactory(study_group=world.home.dept_group).person for _ in range(3)]
    return [world.home.leader, world.home.member, *extra]


def shown_counts(content: bytes | str) -> dict[str, int]:
    """The figures marked data-count="status" on a page (the first of each)."""
    content = content.encode() if isinstance(content, str) else content
    counts = {}
    for status, value in re.findall(rb'data-count="(\w*)">(\d+)<', content):
        counts.setdefault(status.decode(), int(value))
    return counts


def last_message(response) -> str:
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


# ---------------------------------------------------------------------------------------------
# The attendance screen


def test_all_present_without_javascript_fills_only_the_unmarked_rows(client, world, roster):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [
        (roster[0], LEAVE, "出差"),
        (roster[1], "", ""),
        (roster[2], ABSENT, ""),
        (roster[3], "", ""),
        (roster[4], "", ""),
    ]
    response = client.post(edit_url(session), form_data(rows) | {"all_present": "1"})
    assert response.status_code == 302
    saved = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    assert saved == {
        roster[0].pk: LEAVE,
        roster[1].pk: PRESENT,
        roster[2].pk: ABSENT,
        roster[3].pk: PRESENT,
        roster[4].pk: PRESENT,
    }


def test_a_row_left_unmarked_is_refused_with_the_persons_name(client, world, roster):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [(p, PRESENT, "") for p in roster[:4]] + [(roster[4], "", "")]
    response = client.post(edit_url(session), form_data(rows))
    assert response.status_code == 200
    assert roster[4].name in response.content.decode()
    assert "请为" in response.content.decode()
    assert not Attendance.objects.exists()  # a careless save records nobody


def test_counts_shown_equal_the_rows_saved(client, world, roster):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [
        (roster[0], PRESENT, ""),
        (roster[1], LATE, ""),
        (roster[2], LEAVE, "病假"),
        (roster[3], ABSENT, ""),
        (roster[4], PRESENT, ""),
    ]
    client.post(edit_url(session), form_data(rows))
    saved = {
        status: Attendance.objects.filter(session=session, status=status).count()
        for status in (PRESENT, LATE, LEAVE, ABSENT)
    }
    assert saved == {PRESENT: 2, LATE: 1, LEAVE: 1, ABSENT: 1}
    screen = shown_counts(client.get(edit_url(session)).content)
    assert screen == saved | {"": 0}
    page = shown_counts(client.get(session.get_absolute_url()).content)
    assert page == saved | {"": 0}


def test_the_screen_counts_the_unmarked_rows(client, world, roster):
    session = past_session(world.home.dept_group)
    AttendanceFactory(session=session, person=roster[0], status=LATE)
    client.force_login(world.users.secretary)
    assert shown_counts(client.get(edit_url(session)).content) == {PRESENT: 0, LATE: 1, LEAVE: 0, ABSENT: 0, "": 4}


def test_the_saved_message_counts_only_rows_that_really_changed(client, world, roster):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [(p, PRESENT, "") for p in roster]
    first = client.post(edit_url(session), form_data(rows), follow=True)
    assert "5 人的记录有变化" in last_message(first)
    rows[3] = (roster[3], LEAVE, "出差")
    second = client.post(edit_url(session), form_data(rows), follow=True)
    assert "1 人的记录有变化" in last_message(second)
    again = client.post(edit_url(session), form_data(rows), follow=True)
    assert "没有变化" in last_message(again)


def test_each_rows_radio_group_is_named_after_the_person(client, world, roster):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    content = client.get(edit_url(session)).content.decode()
    labelled = re.findall(r'role="radiogroup" aria-labelledby="([^"]+)"', content)
    assert len(labelled) == 5 and len(set(labelled)) == 5
    names = {re.search(rf'id="{label}">([^<]+)<', content).group(1) for label in labelled}
    assert names == {p.name for p in roster}
    assert "<script>" not in content and "js/attendance.js" in content


# ---------------------------------------------------------------------------------------------
# The session page


def test_session_page_shows_who_was_on_leave_or_absent_reflections_and_makeups(client, world, roster, media):
    session = past_session(world.home.dept_group)
    AttendanceFactory(session=session, person=roster[0], status=PRESENT)
    AttendanceFactory(session=session, person=roster[1], status=LEAVE, reason="出差")
    AttendanceFactory(session=session, person=roster[2], status=ABSENT)
    ReflectionFactory(session=session, person=roster[0], text="收获很大")
    client.force_login(world.users.secretary)
    content = client.get(session.get_absolute_url()).content.decode()
    leave = re.search(r'id="attendance-on-leave">(.*?)</ul>', content, re.S).group(1)
    absent = re.search(r'id="attendance-absent">(.*?)</ul>', content, re.S).group(1)
    assert roster[1].name in leave and "出差" in leave and roster[2].name in absent
    assert roster[1].name not in absent and roster[2].name not in leave
    assert shown_counts(content)[""] == 2  # five on the roster, three recorded
    assert 'id="attendance-makeups-owed"' in content
    reflections = re.search(r'id="session-reflections">(.*?)</ul>', content, re.S).group(1)
    assert roster[0].name in reflections


def test_the_history_link_is_shown_to_those_who_may_read_it_and_leads_back(client, world):
    session = past_session(world.home.dept_group)
    history = reverse("record_history", args=["session", session.pk])
    client.force_login(world.users.secretary)
    assert history not in client.get(session.get_absolute_url()).content.decode()
    for account in (world.users.staff, world.users.auditor):
        client.force_login(account)
        assert f'id="link-history" href="{history}"' in client.get(session.get_absolute_url()).content.decode()
        back = client.get(history).content.decode()
        assert f'id="history-back" href="{session.get_absolute_url()}"' in back


def test_history_of_an_attendance_row_leads_back_to_its_session(client, world):
    row = AttendanceFactory(session=past_session(world.home.dept_group), person=world.home.member)
    client.force_login(world.users.staff)
    content = client.get(reverse("record_history", args=["attendance", row.pk])).content.decode()
    assert f'id="history-back" href="{row.session.get_absolute_url()}"' in content


def test_session_page_queries_do_not_grow_with_attendance(client, world, roster, page_queries):
    small, large = past_session(world.home.dept_group), past_session(world.home.dept_group, days=3)
    AttendanceFactory(session=small, person=roster[0], status=LEAVE, reason="病假")
    for person, status in zip(roster, [LEAVE, LEAVE, ABSENT, ABSENT, PRESENT], strict=True):
        AttendanceFactory(session=large, person=person, status=status, reason="事假" if status == LEAVE else "")
        if status == PRESENT:
            ReflectionFactory(session=large, person=person)
    client.force_login(world.users.secretary)
    assert page_queries(client, small.get_absolute_url()) == page_queries(client, large.get_absolute_url())


# ---------------------------------------------------------------------------------------------
# Files of the session


def _add_url(session):
    return reverse("studygroups:session_files_add", args=[session.pk])


def test_secretary_uploads_photos_and_removes_one_with_the_change_kept(client, world, media):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    files = [upload("签到表.jpg", image_bytes("JPEG")), upload("现场.png", image_bytes("PNG"))]
    response = client.post(_add_url(session), {"files": files, "next": session.get_absolute_url()})
    assert response.status_code == 302 and response.url == session.get_absolute_url()
    stored = list(Attachment.objects.of(session).order_by("pk"))
    assert [a.original_name for a in stored] == ["签到表.jpg", "现场.png"]
    page = client.get(session.get_absolute_url()).content.decode()
    assert "签到表.jpg" in page and "data-confirm=" in page
    remove = reverse("studygroups:session_file_remove", args=[session.pk, stored[1].pk])
    assert client.get(remove).status_code == 405  # removing is a POST
    assert client.post(remove).status_code == 302
    assert [a.original_name for a in Attachment.objects.of(session)] == ["签到表.jpg"]
    removed = Attachment.history.get(id=stored[1].pk, history_type="-")
    assert removed.history_user == world.users.secretary


def test_a_file_that_is_not_a_document_is_refused(client, world, media):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    client.post(_add_url(session), {"files": [upload("x.jpg", b"MZ" + b"\0" * 200)]})
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(("account", "status"), [("member", 403), ("auditor", 403), ("outsider", 404), ("anon", 302)])
def test_others_cannot_add_or_remove_files(client_as, world, media, account, status):
    session = past_session(world.home.dept_group)
    client = client_as("secretary")
    client.post(_add_url(session), {"files": [upload("签到表.jpg", image_bytes("JPEG"))]})
    attachment = Attachment.objects.get()
    client = client_as(account)
    assert client.post(_add_url(session), {"files": [upload("p.jpg", image_bytes("JPEG"))]}).status_code == status
    remove = reverse("studygroups:session_file_remove", args=[session.pk, attachment.pk])
    assert client.post(remove).status_code == status
    assert list(Attachment.objects.all()) == [attachment]


def test_a_file_of_another_session_cannot_be_removed_through_this_one(client, world, media):
    first, second = past_session(world.home.dept_group), past_session(world.home.dept_group, days=4)
    client.force_login(world.users.secretary)
    client.post(_add_url(first), {"files": [upload("签到表.jpg", image_bytes("JPEG"))]})
    attachment = Attachment.objects.get()
    assert client.post(reverse("studygroups:session_file_remove", args=[second.pk, attachment.pk])).status_code == 404
    assert Attachment.objects.count() == 1


def test_files_come_with_the_record_form(client, world, media):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_record", args=[session.pk])
    form = client.get(url)
    assert 'enctype="multipart/form-data"' in form.content.decode()
    data = {"record": "组长领学。", "work_problems": "", "outcomes": "", "version": session.version}
    data["files"] = [upload("课件.pdf", b"%PDF-1.4\n%%EOF\n")]
    assert client.post(url, data).status_code == 302
    assert [a.original_name for a in Attachment.objects.of(session)] == ["课件.pdf"]
    assert StudySession.objects.get(pk=session.pk).record == "组长领学。"


# ---------------------------------------------------------------------------------------------
# The host list


def test_host_list_offers_only_the_roster_of_the_sessions_day(client, world):
    client.force_login(world.users.secretary)
    session = past_session(world.home.dept_group)
    form = client.get(reverse("studygroups:session_update", args=[session.pk])).context["form"]
    offered = {value for value, _label in form.fields["host"].widget.choices if value}
    assert offered == {world.home.leader.pk, world.home.member.pk}  # not the one who left in 2024
    create = reverse("studygroups:session_create", args=[world.home.dept_group.pk])
    data = {
        "title": "学习全会精神",
        "kind": "concentrated",
        "starts_at": "2025-03-10T09:00",
        "ends_at": "2025-03-10T11:30",
        "place": "三楼会议室",
        "host": world.home.left.pk,
        "notice_days": "3",
    }
    response = client.post(create, data)
    assert response.status_code == 200
    assert "不是该中心组成员" in str(response.context["form"].errors["host"])
    assert not StudySession.objects.filter(title="学习全会精神").exists()


# ---------------------------------------------------------------------------------------------
# The topic picker


def test_topic_picker_groups_topics_by_plan_with_a_search_box(client, world):
    annual = PlanFactory(study_group=world.home.dept_group, year=2025, title="党委中心组年度学习计划")
    quarterly = PlanFactory(
        study_group=world.home.dept_group, year=2025, title="第二季度学习安排", level="quarterly", quarter=2
    )
    chosen = PlanTopicFactory(plan=annual, title="学习全会精神")
    PlanTopicFactory(plan=annual, title="意识形态工作")
    PlanTopicFactory(plan=quarterly, title="铸牢中华民族共同体意识")
    session = session_at(world.home.dept_group, local(2025, 3, 10, 9))
    session.topics.set([chosen])
    client.force_login(world.users.secretary)
    content = client.get(reverse("studygroups:session_update", args=[session.pk])).content.decode()
    picker = re.search(r"<div class=\"topic-picker\".*?</div>\s*<script", content, re.S).group(0)
    # Each plan's name once, as the heading of its group; the topics without it.
    assert picker.count("党委中心组年度学习计划") == 1 and picker.count("第二季度学习安排") == 1
    assert len(re.findall(r"<details", picker)) == 2
    assert "党委中心组年度学习计划 · " not in picker
    assert "data-topic-search" in picker and "js/topic-picker.js" in content
    # The group holding the chosen topic starts open, the other closed (a short page on a phone).
    opened = re.findall(r"<details[^>]*\bopen>\s*<summary[^>]*>([^<]+)<", picker)
    assert [title.strip() for title in opened] == ["党委中心组年度学习计划"]
    assert re.search(rf'value="{chosen.pk}" id="[^"]+" checked', picker)
    assert "<script>" not in content and 'style="' not in picker
