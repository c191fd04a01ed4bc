"""QR check-in: a signed code per session that rotates every 30 s; GET shows, POST checks in; members only."""

import datetime
import re
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from studygroups.models import Attendance
from studygroups.services.checkin import SALT, CheckinError, check_in, make_checkin_token
from tests.factories import UserFactory
from tests.studygroups.factories import AttendanceFactory, future_session, past_session, running_session

MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def session(world):
    """Started five minutes ago, ends in under three hours."""
    return running_session(world.home.dept_group)


def checkin_url(session, token=None) -> str:
    return reverse("studygroups:checkin", args=[session.pk, token or make_checkin_token(session)])


def _step_now() -> int:
    return int(timezone.now().timestamp()) // 30


def _code(call) -> str:
    with pytest.raises(CheckinError) as caught:
        call()
    return caught.value.code


# ---------------------------------------------------------------------------------------------
# The service


def test_token_holds_the_session_and_its_thirty_second_step(session):
    now = datetime.datetime(2026, 5, 1, 1, 0, 45, tzinfo=datetime.UTC)
    payload = signing.Signer(salt=SALT).unsign_object(make_checkin_token(session, now))
    assert payload == {"s": session.pk, "t": int(now.timestamp()) // 30}
    # The same code for the whole step, another one for the next.
    assert make_checkin_token(session, now) == make_checkin_token(session, now - datetime.timedelta(seconds=15))
    assert make_checkin_token(session, now) != make_checkin_token(session, now + datetime.timedelta(seconds=15))


def test_a_code_is_accepted_for_its_step_and_the_next_then_refused(world, session):
    # A step begins at a multiple of 30 seconds: the code shown then is accepted for 59 seconds.
    shown = datetime.datetime.fromtimestamp(int(session.starts_at.timestamp()) // 30 * 30 + 300, tz=datetime.UTC)
    token = make_checkin_token(session, shown)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member, now=shown + 60 * SECOND)) == (
        "code_expired"
    )
    assert not Attendance.objects.exists()
    row = check_in(token=token, session=session, user=world.users.member, now=shown + 59 * SECOND)
    assert row.checked_in_at == shown + 59 * SECOND


def test_a_code_from_the_future_is_refused(world, session):
    now = session.starts_at + MINUTE
    token = make_checkin_token(session, now + MINUTE)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member, now=now)) == "bad_signature"


def test_member_is_checked_in_present_with_the_time(world, session):
    now = session.starts_at + 10 * MINUTE
    row = check_in(token=make_checkin_token(session, now), session=session, user=world.users.member, now=now)
    assert (row.person, row.status, row.method, row.checked_in_at) == (
        world.home.member,
        Attendance.Status.PRESENT,
        Attendance.Method.QR,
        now,
    )
    assert row.created_by == world.users.member
    assert row.history.get().history_user == world.users.member


def test_more_than_fifteen_minutes_after_the_start_is_late(world, session):
    at, later = session.starts_at + 15 * MINUTE, session.starts_at + 16 * MINUTE
    on_time = check_in(token=make_checkin_token(session, at), session=session, user=world.users.member, now=at)
    assert on_time.status == Attendance.Status.PRESENT
    leader = UserFactory(username="leader", role=Role.MEMBER, person=world.home.leader)
    late = check_in(token=make_checkin_token(session, later), session=session, user=leader, now=later)
    assert late.status == Attendance.Status.LATE


def test_check_in_opens_thirty_minutes_before_the_start(world, session):
    too_early, opens = session.starts_at - 31 * MINUTE, session.starts_at - 30 * MINUTE
    token = make_checkin_token(session, too_early)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member, now=too_early)) == "not_open"
    token = make_checkin_token(session, opens)
    row = check_in(token=token, session=session, user=world.users.member, now=opens)
    assert row.status == Attendance.Status.PRESENT
    assert Attendance.objects.count() == 1


def test_a_repeated_scan_keeps_the_first_time(world, session):
    first, second = session.starts_at + 2 * MINUTE, session.starts_at + 32 * MINUTE
    check_in(token=make_checkin_token(session, first), session=session, user=world.users.member, now=first)
    again = check_in(token=make_checkin_token(session, second), session=session, user=world.users.member, now=second)
    assert (again.checked_in_at, again.status) == (first, Attendance.Status.PRESENT)
    assert Attendance.objects.count() == 1
    assert again.history.count() == 1  # the second scan wrote nothing


def test_no_check_in_after_the_session_ends(world, session):
    after = session.ends_at + MINUTE
    token = make_checkin_token(session, after)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member, now=after)) == "expired"
    assert not Attendance.objects.exists()


def test_a_session_moved_earlier_closes_with_the_session(world, session):
    session.ends_at -= datetime.timedelta(hours=2)
    session.save()
    now = session.ends_at + MINUTE
    token = make_checkin_token(session, now)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member, now=now)) == "expired"


def test_token_of_another_session_is_refused(world, session):
    other = past_session(world.home.dept_group, days=0)
    token = make_checkin_token(other)
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member)) == "wrong_session"
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        lambda s: make_checkin_token(s)[:-2] + "xx",
        lambda s: signing.Signer(salt="another.salt").sign_object({"s": s.pk, "t": _step_now()}),
        lambda s: signing.Signer(key="not-the-secret", salt=SALT).sign_object({"s": s.pk, "t": _step_now()}),
        lambda s: signing.dumps({"s": s.pk, "t": _step_now()}, salt=SALT),
    ],
    ids=["garbage", "tampered", "other-salt", "other-key", "timestamped"],
)
def test_forged_tokens_are_refused(world, session, token):
    token = token(session) if callable(token) else token
    assert _code(lambda: check_in(token=token, session=session, user=world.users.member)) == "bad_signature"
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["left", "town_member", "staff_without_person"])
def test_non_members_are_refused(world, session, who):
    if who == "staff_without_person":
        user = world.users.staff
    else:
        user = UserFactory(username=who, role=Role.MEMBER, person=getattr(world.home, who))
    assert _code(lambda: check_in(token=make_checkin_token(session), session=session, user=user)) == "not_member"
    assert not Attendance.objects.exists()


def test_leave_marked_in_advance_turns_into_presence(world, session):
    AttendanceFactory(session=session, person=world.home.member, status=Attendance.Status.LEAVE, reason="出差")
    row = check_in(token=make_checkin_token(session), session=session, user=world.users.member)
    assert (row.status, row.reason, row.method) == (Attendance.Status.PRESENT, "", Attendance.Method.QR)
    assert not row.owes_makeup
    assert Attendance.objects.count() == 1


def test_a_manual_present_keeps_its_status_and_gains_the_time(world, session):
    AttendanceFactory(session=session, person=world.home.member, status=Attendance.Status.PRESENT)
    now = session.starts_at + 40 * MINUTE
    row = check_in(token=make_checkin_token(session, now), session=session, user=world.users.member, now=now)
    assert (row.status, row.method, row.checked_in_at) == (Attendance.Status.PRESENT, Attendance.Method.MANUAL, now)


# ---------------------------------------------------------------------------------------------
# The pages


def test_anonymous_scan_goes_to_login_and_comes_back(client, world, session):
    url = checkin_url(session)
    response = client.get(url)
    assert response.status_code == 302
    login = urlparse(response.url)
    assert login.path == reverse("login") and f"next={url}" in response.url.replace("%3A", ":").replace("%2F", "/")
    assert not Attendance.objects.exists()


def _grant(response) -> str:
    return re.search(rb'name="grant" value="([^"]+)"', response.content).group(1).decode()


def test_opening_the_code_shows_the_session_and_a_button_and_changes_nothing(client, world, session):
    client.force_login(world.users.member)
    response = client.get(checkin_url(session))
    assert response.status_code == 200
    assert session.title.encode() in response.content and b'id="checkin-form"' in response.content
    assert not Attendance.objects.exists()  # GET never checks in


def test_member_presses_the_button_and_is_checked_in(client, world, session):
    client.force_login(world.users.member)
    url = checkin_url(session)
    response = client.post(url, {"grant": _grant(client.get(url))})
    assert response.status_code == 200
    assert b'id="checkin-result" data-status="present" data-repeated="0"' in response.content
    row = Attendance.objects.get(session=session, person=world.home.member)
    assert row.method == Attendance.Method.QR and row.checked_in_at is not None
    again = client.post(url)
    assert b'data-repeated="1"' in again.content
    assert Attendance.objects.get(pk=row.pk).checked_in_at == row.checked_in_at


def test_a_code_opened_after_its_minute_is_refused_on_get_and_post(client, world, session):
    client.force_login(world.users.member)
    url = checkin_url(session)
    in_two_minutes = timezone.now() + 2 * MINUTE
    with mock.patch("studygroups.views.attendance.timezone.now", return_value=in_two_minutes):
        shown = client.get(url)
        posted = client.post(url)
    for response in (shown, posted):
        assert response.status_code == 400 and b'data-code="code_expired"' in response.content
        assert "30 秒".encode() in response.content  # explained in Chinese
    assert not Attendance.objects.exists()


def test_the_button_works_a_little_after_the_code_rotated_but_not_for_another_account(client, world, session):
    client.force_login(world.users.member)
    url = checkin_url(session)
    grant = _grant(client.get(url))
    in_two_minutes = timezone.now() + 2 * MINUTE
    leader = UserFactory(username="leader", role=Role.MEMBER, person=world.home.leader)
    with mock.patch("studygroups.views.attendance.timezone.now", return_value=in_two_minutes):
        client.force_login(leader)
        assert client.post(url, {"grant": grant}).status_code == 400  # someone else's grant
        client.force_login(world.users.member)
        assert client.post(url, {"grant": grant}).status_code == 200
    assert list(Attendance.objects.values_list("person_id", flat=True)) == [world.home.member.pk]


def test_a_late_member_is_told_before_pressing(client, world, session):
    client.force_login(world.users.member)
    with mock.patch("studygroups.views.attendance.timezone.now", return_value=session.starts_at + 20 * MINUTE):
        response = client.get(checkin_url(session, make_checkin_token(session, session.starts_at + 20 * MINUTE)))
    assert b'id="checkin-late"' in response.content and "迟到".encode() in response.content


@pytest.mark.parametrize(
    "case,status,code",
    [
        ("forged", 400, "bad_signature"),
        ("other_session", 400, "wrong_session"),
        ("ended", 400, "expired"),
        ("not_started", 400, "not_open"),
        ("staff", 403, "not_member"),
        ("outsider", 403, "not_member"),
        ("left", 403, "not_member"),
    ],
)
def test_every_failure_is_explained_and_changes_nothing(client, world, session, case, status, code, request):
    user, target, token = world.users.member, session, None
    if case == "forged":
        token = make_checkin_token(session) + "x"
    elif case == "other_session":
        token = make_checkin_token(past_session(world.home.dept_group, days=0))
    elif case == "ended":
        target = past_session(world.home.dept_group, days=1)
    elif case == "not_started":
        target = future_session(world.home.dept_group, days=1)
    elif case == "staff":
        user = world.users.staff
    elif case == "outsider":
        user = request.getfixturevalue("outsider")
    elif case == "left":
        user = UserFactory(username="gone", role=Role.MEMBER, person=world.home.left)
    client.force_login(user)
    response = client.post(checkin_url(target, token))
    assert response.status_code == status
    assert f'data-code="{code}"'.encode() in response.content
    assert not Attendance.objects.exists()


def test_other_county_member_gets_a_clear_refusal(client, world, session):
    user = UserFactory(username="far", role=Role.MEMBER, person=world.other.member)
    client.force_login(user)
    response = client.post(checkin_url(session))
    assert response.status_code == 403 and b'data-code="not_member"' in response.content
    assert session.title.encode() not in response.content  # nothing about the session is shown


def test_qr_page_shows_the_code_and_the_address(client, world, session):
    client.force_login(world.users.secretary)
    response = client.get(reverse("studygroups:session_qr", args=[session.pk]))
    assert response.status_code == 200
    shown = re.search(rb'<code id="checkin-url">([^<]+)</code>', response.content).group(1).decode()
    assert urlparse(shown).path == checkin_url(session)
    assert b'id="checkin-qr"' in response.content
    assert b"<script>" not in response.content and b'style="' not in response.content  # CSP-safe
    svg = client.get(reverse("studygroups:session_qr_svg", args=[session.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    assert "no-store" in svg["Cache-Control"]


def test_qr_page_lists_who_checked_in(client, world, session):
    check_in(token=make_checkin_token(session), session=session, user=world.users.member)
    AttendanceFactory(session=session, person=world.home.leader, status=Attendance.Status.PRESENT)  # manual
    client.force_login(world.users.secretary)
    response = client.get(reverse("studygroups:session_qr", args=[session.pk]))
    assert [row.person for row in response.context["checked_in"]] == [world.home.member]


def test_qr_page_of_an_ended_session_shows_no_code(client, world):
    ended = past_session(world.home.dept_group)
    client.force_login(world.users.secretary)
    response = client.get(reverse("studygroups:session_qr", args=[ended.pk]))
    assert b'id="checkin-closed"' in response.content and b'id="checkin-qr"' not in response.content


def test_qr_json_gives_the_current_code_and_when_it_changes(client, world, session):
    client.force_login(world.users.secretary)
    now = datetime.datetime.fromtimestamp(int(timezone.now().timestamp()) // 30 * 30 + 10, tz=datetime.UTC)
    with mock.patch("studygroups.views.attendance.timezone.now", return_value=now):
        data = client.get(reverse("studygroups:session_qr_json", args=[session.pk])).json()
    assert urlparse(data["url"]).path == checkin_url(session, make_checkin_token(session, now))
    assert data["refresh_in"] == 20.0 and data["ended"] is False
    assert data["svg_url"].endswith(f"?t={int(now.timestamp()) // 30}")
    client.force_login(world.users.member)  # members may not read the code from afar
    assert client.get(reverse("studygroups:session_qr_json", args=[session.pk])).status_code == 403
