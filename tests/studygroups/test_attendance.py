"""Attendance on one screen and make-up study (补学)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from studygroups.models import Attendance, StudySession
from studygroups.services.attendance import AttendanceError, AttendanceRow, attendance_save, makeup_record
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import (
    AttendanceFactory,
    future_session,
    past_session,
    session_at,
)

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]
LEAVE, PRESENT, LATE, ABSENT = (
    Attendance.Status.LEAVE,
    Attendance.Status.PRESENT,
    Attendance.Status.LATE,
    Attendance.Status.ABSENT,
)


@pytest.fixture
def third(world):
    """A third current member of the home department's group, so the roster is leader, member, third."""
    return MembershipFactory(study_group=world.home.dept_group).person


def form_data(rows, *, initial=None) -> dict:
    """POST data of the attendance screen: rows of (person, status, reason)."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows) if initial is None else initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, (person, status, reason) in enumerate(rows):
        data[f"form-{i}-person"] = str(person.pk)
        data[f"form-{i}-status"] = status
        data[f"form-{i}-reason"] = reason
    return data


def edit_url(session) -> str:
    return reverse("studygroups:attendance_edit", args=[session.pk])


def error_codes(response) -> set[str]:
    return {error["code"] for error in response.context["errors"]}


def statuses(session) -> dict:
    return {a.person_id: (a.status, a.reason) for a in Attendance.objects.filter(session=session)}


# ---------------------------------------------------------------------------------------------
# The screen


def test_screen_lists_members_active_that_day_with_nothing_preselected(client, world, third):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    response = client.get(edit_url(session))
    assert response.status_code == 200
    initial = {row["person"]: row["status"] for row in response.context["formset"].initial}
    # The one who left in June 2024 is not on a recent session's list.
    assert initial == {world.home.leader.pk: "", world.home.member.pk: "", third.pk: ""}
    assert b"checked" not in response.content  # no radio button is preselected
    assert Attendance.objects.count() == 0  # showing the screen stores nothing


def test_screen_of_an_old_session_lists_who_was_a_member_then(client, world, third):
    # third joined on 2024-01-01 like the others; someone who joined later is not on the March list.
    MembershipFactory(study_group=world.home.dept_group, start_date=datetime.date(2024, 5, 1))
    session = session_at(world.home.dept_group, timezone.make_aware(datetime.datetime(2024, 3, 1, 9)))
    client.force_login(world.users.secretary)
    response = client.get(edit_url(session))
    people = {row["person"] for row in response.context["formset"].initial}
    assert people == {world.home.leader.pk, world.home.member.pk, world.home.left.pk, third.pk}


def test_secretary_marks_exceptions_and_saves_once(client, world, third):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    data = form_data([(world.home.leader, PRESENT, ""), (world.home.member, LEAVE, "出差"), (third, ABSENT, "")])
    response = client.post(edit_url(session), data)
    assert response.status_code == 302 and response.url == edit_url(session)
    assert statuses(session) == {
        world.home.leader.pk: (PRESENT, ""),
        world.home.member.pk: (LEAVE, "出差"),
        third.pk: (ABSENT, ""),
    }
    rows = Attendance.objects.filter(session=session)
    assert {(r.created_by, r.method) for r in rows} == {(world.users.secretary, Attendance.Method.MANUAL)}
    assert {r.history.get().history_user for r in rows} == {world.users.secretary}


def test_leave_without_reason_is_a_form_error_not_a_crash(client, world):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    data = form_data([(world.home.leader, PRESENT, ""), (world.home.member, LEAVE, "  ")])
    response = client.post(edit_url(session), data)
    assert response.status_code == 200
    assert "leave_needs_reason" in error_codes(response)
    assert b'data-error-code="leave_needs_reason"' in response.content
    assert Attendance.objects.count() == 0


def test_future_session_prefills_nothing_and_offers_only_leave(client, world):
    session = future_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    response = client.get(edit_url(session))
    formset = response.context["formset"]
    assert {row["status"] for row in formset.initial} == {""}
    offered = {value for value, _label in formset.forms[0].fields["status"].widget.choices}
    assert offered == {"", LEAVE}
    assert b'value="present"' not in response.content


def test_future_session_refuses_present(client, world):
    session = future_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    response = client.post(
        edit_url(session), form_data([(world.home.leader, PRESENT, ""), (world.home.member, "", "")])
    )
    assert response.status_code == 200
    assert error_codes(response) == {"future_present"}
    assert Attendance.objects.count() == 0


def test_future_session_takes_leave_in_advance_and_can_drop_it(client, world):
    session = future_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, "", ""), (world.home.member, LEAVE, "参加培训")]
    assert client.post(edit_url(session), form_data(rows)).status_code == 302
    assert statuses(session) == {world.home.member.pk: (LEAVE, "参加培训")}
    # The leave is withdrawn: emptied again, the record goes (its history keeps the deletion).
    assert client.post(edit_url(session), form_data([(world.home.member, "", "")])).status_code == 302
    assert statuses(session) == {}
    history = Attendance.history.filter(person=world.home.member).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]


def test_service_refuses_present_for_a_future_session(world):
    session = future_session(world.home.dept_group)
    rows = [AttendanceRow(person_id=world.home.member.pk, status=LATE)]
    with pytest.raises(AttendanceError) as caught:
        attendance_save(session=session, rows=rows, user=world.users.secretary)
    assert caught.value.code == "future_present"
    assert not Attendance.objects.exists()


def test_a_person_who_left_before_the_session_cannot_be_added(client, world):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, PRESENT, ""), (world.home.member, PRESENT, ""), (world.home.left, PRESENT, "")]
    response = client.post(edit_url(session), form_data(rows, initial=2))
    assert response.status_code == 200
    assert "not_member" in error_codes(response)
    assert Attendance.objects.count() == 0  # not even the two valid rows


def test_a_person_of_another_county_cannot_be_slipped_into_a_row(client, world):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    response = client.post(edit_url(session), form_data([(world.other.member, PRESENT, "")]))
    assert "not_member" in error_codes(response)
    assert Attendance.objects.count() == 0


@pytest.mark.parametrize(
    "rows,code",
    [
        (lambda w: [(w.home.left, PRESENT)], "not_member"),
        (lambda w: [(w.home.member, PRESENT), (w.home.member, ABSENT)], "duplicate"),
        (lambda w: [(w.home.leader, PRESENT), (w.home.member, LEAVE)], "leave_needs_reason"),
        (lambda w: [(w.home.leader, "")], "status_required"),
    ],
    ids=["left", "duplicate", "leave-no-reason", "blank-after-start"],
)
def test_service_saves_all_or_nothing(world, rows, code):
    session = past_session(world.home.dept_group)
    rows = [AttendanceRow(person_id=person.pk, status=status) for person, status in rows(world)]
    with pytest.raises(AttendanceError) as caught:
        attendance_save(session=session, rows=rows, user=world.users.secretary)
    assert caught.value.code == code
    assert not Attendance.objects.exists()


def test_double_submitted_screen_stores_one_set_and_no_spurious_history(client, world, third):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    data = form_data([(world.home.leader, PRESENT, ""), (world.home.member, LEAVE, "病假"), (third, LATE, "")])
    assert client.post(edit_url(session), data).status_code == 302
    assert client.post(edit_url(session), data).status_code == 302
    assert Attendance.objects.filter(session=session).count() == 3
    assert Attendance.history.filter(session=session).count() == 3  # one "+" each, nothing more


def test_only_changed_rows_are_saved_again(client, world, third):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, PRESENT, ""), (world.home.member, PRESENT, ""), (third, PRESENT, "")]
    client.post(edit_url(session), form_data(rows))
    rows[2] = (third, ABSENT, "")
    client.post(edit_url(session), form_data(rows))
    changed = Attendance.history.filter(session=session, history_type="~")
    assert [(h.person_id, h.status) for h in changed] == [(third.pk, ABSENT)]


def test_screen_shows_existing_records_and_qr_check_ins(client, world):
    session = past_session(world.home.dept_group)
    AttendanceFactory(session=session, person=world.home.member, status=LEAVE, reason="出差")
    checked = timezone.now() - datetime.timedelta(days=2)
    AttendanceFactory(session=session, person=world.home.leader, method=Attendance.Method.QR, checked_in_at=checked)
    client.force_login(world.users.secretary)
    response = client.get(edit_url(session))
    initial = {row["person"]: (row["status"], row.get("reason")) for row in response.context["formset"].initial}
    assert initial == {world.home.member.pk: (LEAVE, "出差"), world.home.leader.pk: (PRESENT, "")}
    assert response.content.count(b'data-checked-in="1"') == 1


def test_entries_long_after_the_session_are_marked_late(client, world, settings):
    settings.LATE_ENTRY_DAYS = 7
    old = past_session(world.home.dept_group, days=10)
    recent = past_session(world.home.dept_group, days=3)
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, PRESENT, ""), (world.home.member, PRESENT, "")]
    for session in (old, recent):
        client.post(edit_url(session), form_data(rows))
    old_page = client.get(edit_url(old)).content
    recent_page = client.get(edit_url(recent)).content
    assert old_page.count(b'data-late="1"') == 3  # two rows and the warning for new entries
    assert b'id="attendance-late-warning"' in old_page
    assert b'data-late="1"' not in recent_page and recent_page.count(b'data-late="0"') == 2


def test_a_qr_check_in_before_the_start_survives_saving_the_future_screen(client, world):
    session = future_session(world.home.dept_group, days=0)  # starts now-ish, still in the future
    session.starts_at = timezone.now() + datetime.timedelta(minutes=20)
    session.ends_at = session.starts_at + datetime.timedelta(hours=2)
    session.save()
    AttendanceFactory(session=session, person=world.home.leader, method="qr", checked_in_at=timezone.now())
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, PRESENT, ""), (world.home.member, LEAVE, "出差")]
    assert client.post(edit_url(session), form_data(rows)).status_code == 302
    assert statuses(session) == {world.home.leader.pk: (PRESENT, ""), world.home.member.pk: (LEAVE, "出差")}


# ---------------------------------------------------------------------------------------------
# Permissions of the screen and the QR page


def _home_session(world):
    return past_session(world.home.dept_group)


GET_MATRIX = [
    ("attendance_edit", lambda s: edit_url(s), [302, 200, 403, 200, 403, 403, 200, 404]),
    ("session_qr", lambda s: reverse("studygroups:session_qr", args=[s.pk]), [302, 200, 403, 200, 403, 403, 200, 404]),
    (
        "session_qr_svg",
        lambda s: reverse("studygroups:session_qr_svg", args=[s.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    ("makeup_list", lambda s: reverse("studygroups:makeup_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,expected", GET_MATRIX, ids=[row[0] for row in GET_MATRIX])
def test_get_matrix(client, world, role, name, url, expected, client_as):
    session = _home_session(world)
    response = client_as(role).get(url(session))
    assert response.status_code == expected[ROLES.index(role)], f"{role} GET {name}"
    if role == "anon":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role,want", [("inspector", 403), ("member", 403), ("auditor", 403), ("outsider", 404)])
def test_post_refusals_store_nothing(client, world, role, want, client_as):
    session = _home_session(world)
    data = form_data([(world.home.leader, PRESENT, ""), (world.home.member, PRESENT, "")])
    response = client_as(role).post(edit_url(session), data)
    assert response.status_code == want
    assert not Attendance.objects.exists()


def test_secretary_cannot_open_another_groups_session(client, world):
    session = past_session(world.home.town_group)
    client.force_login(world.users.secretary)
    assert client.get(edit_url(session)).status_code == 404


# ---------------------------------------------------------------------------------------------
# Make-up study


def _leave(world, person=None, *, days=5, reason="出差"):
    session = past_session(world.home.dept_group, days=days)
    return AttendanceFactory(session=session, person=person or world.home.member, status=LEAVE, reason=reason)


def _listed(client, **params) -> list[int]:
    response = client.get(reverse("studygroups:makeup_list"), params)
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].page.object_list]


def test_makeup_lifecycle(client, world):
    owed = _leave(world)
    colleague = _leave(world, world.home.leader, days=6)
    done_already = _leave(world, days=7)
    done_already.makeup_done_on = timezone.localdate()
    done_already.save()
    AttendanceFactory(session=owed.session, person=world.home.town_member, status=PRESENT)
    # The member sees their own open make-up only, the secretary the group's, oldest first.
    client.force_login(world.users.member)
    assert _listed(client) == [owed.pk]
    client.force_login(world.users.secretary)
    assert _listed(client) == [colleague.pk, owed.pk]
    # The member records it: it leaves both lists.
    client.force_login(world.users.member)
    url = reverse("studygroups:makeup_record", args=[owed.pk])
    assert client.get(url).status_code == 200
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url, {"done_on": day.isoformat(), "notes": "自学会议材料并写笔记"})
    assert response.status_code == 302 and response.url == reverse("studygroups:makeup_list")
    owed.refresh_from_db()
    assert (owed.makeup_done_on, owed.makeup_notes, owed.owes_makeup) == (day, "自学会议材料并写笔记", False)
    assert owed.history.first().history_user == world.users.member
    assert _listed(client) == []
    client.force_login(world.users.secretary)
    assert _listed(client) == [colleague.pk]


def test_staff_see_the_countys_open_makeups_by_group(client, world):
    dept = _leave(world)
    town_session = past_session(world.home.town_group)
    town = AttendanceFactory(session=town_session, person=world.home.town_member, status=LEAVE, reason="会议")
    other_session = past_session(world.other.dept_group)
    AttendanceFactory(session=other_session, person=world.other.member, status=LEAVE, reason="会议")
    client.force_login(world.users.staff)
    assert sorted(_listed(client)) == sorted([dept.pk, town.pk])
    assert _listed(client, group=world.home.town_group.pk) == [town.pk]
    assert _listed(client, q=world.home.member.name) == [dept.pk]


def test_readers_see_makeups_without_the_record_button(client, world):
    _leave(world)
    client.force_login(world.users.inspector)
    response = client.get(reverse("studygroups:makeup_list"))
    assert len(response.context["table"].page.object_list) == 1
    assert b"/makeup/" not in response.content
    client.force_login(world.users.secretary)
    assert b"/makeup/" in client.get(reverse("studygroups:makeup_list")).content


@pytest.mark.parametrize(
    "role,want", [(r, w) for r, w in zip(ROLES, [302, 200, 403, 200, 200, 403, 200, 404], strict=True)]
)
def test_makeup_record_permissions(client, world, role, want, client_as):
    owed = _leave(world)
    response = client_as(role).get(reverse("studygroups:makeup_record", args=[owed.pk]))
    assert response.status_code == want


def test_a_member_cannot_record_a_colleagues_makeup(client, world):
    colleague = _leave(world, world.home.leader)
    client.force_login(world.users.member)
    url = reverse("studygroups:makeup_record", args=[colleague.pk])
    assert client.post(url, {"done_on": timezone.localdate().isoformat()}).status_code == 404
    colleague.refresh_from_db()
    assert colleague.makeup_done_on is None


def test_only_leave_has_a_makeup_page(client, world):
    present = AttendanceFactory(session=past_session(world.home.dept_group), person=world.home.member)
    client.force_login(world.users.secretary)
    assert client.get(reverse("studygroups:makeup_record", args=[present.pk])).status_code == 404


@pytest.mark.parametrize("offset,code", [(-10, "before_session"), (1, "in_future")])
def test_makeup_date_must_be_between_session_and_today(client, world, offset, code):
    owed = _leave(world, days=5)
    client.force_login(world.users.secretary)
    day = timezone.localdate() + datetime.timedelta(days=offset)
    response = client.post(reverse("studygroups:makeup_record", args=[owed.pk]), {"done_on": day.isoformat()})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["done_on"]] == [code]
    owed.refresh_from_db()
    assert owed.makeup_done_on is None


def test_makeup_service_refuses_rows_not_on_leave(world):
    row = AttendanceFactory(session=past_session(world.home.dept_group), person=world.home.member, status=ABSENT)
    with pytest.raises(AttendanceError) as caught:
        makeup_record(attendance=row, done_on=timezone.localdate(), notes="", user=world.users.secretary)
    assert caught.value.code == "not_on_leave"


def test_recording_the_same_makeup_twice_writes_once(world):
    owed = _leave(world)
    day = timezone.localdate()
    for _ in range(2):
        makeup_record(attendance=owed, done_on=day, notes="补学", user=world.users.member)
    assert owed.history.filter(history_type="~").count() == 1


def test_changing_leave_to_present_ends_the_makeup_owed(client, world):
    owed = _leave(world, days=2)
    client.force_login(world.users.secretary)
    rows = [(world.home.leader, PRESENT, ""), (world.home.member, PRESENT, "")]
    client.post(edit_url(owed.session), form_data(rows))
    owed.refresh_from_db()
    assert owed.status == PRESENT and not owed.owes_makeup
    assert _listed(client) == []


def test_makeup_rows_long_after_the_session_are_marked_late(client, world, settings):
    settings.LATE_ENTRY_DAYS = 7
    _leave(world, days=30)
    _leave(world, world.home.leader, days=2)
    client.force_login(world.users.secretary)
    content = client.get(reverse("studygroups:makeup_list")).content
    assert content.count(b'data-late="1"') == 1 and content.count(b'data-late="0"') == 1


def _grow_makeups(world, sessions: int):
    for i in range(sessions):
        unit = OrgUnitFactory(
            parent=world.home.county, kind="department", name=f"补学局{StudySession.objects.count()}{i}"
        )
        group = StudyGroupFactory(unit=unit)
        session = past_session(group)
        for _ in range(2):
            person = MembershipFactory(study_group=group).person
            AttendanceFactory(session=session, person=person, status=LEAVE, reason="出差")


def test_makeup_list_query_count_does_not_grow_with_rows(client, world, page_queries):
    client.force_login(world.users.staff)
    url = reverse("studygroups:makeup_list")
    _grow_makeups(world, 2)
    small = page_queries(client, url)
    _grow_makeups(world, 8)
    assert page_queries(client, url) == small


def test_screen_query_count_does_not_grow_with_members(client, world, page_queries):
    session = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)

    def grow(n):
        for _ in range(n):
            person = MembershipFactory(study_group=world.home.dept_group).person
            AttendanceFactory(session=session, person=person, status=LEAVE, reason="出差")

    grow(2)
    small = page_queries(client, edit_url(session))
    grow(10)
    assert page_queries(client, edit_url(session)) == small
