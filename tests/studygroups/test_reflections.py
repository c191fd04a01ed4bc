"""Reflections (心得体会): written by members who attended, one per session, files checked by content."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Attachment, Role
from studygroups.models import Attendance, Reflection
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory, UserFactory
from tests.studygroups.factories import (
    AttendanceFactory,
    ReflectionFactory,
    future_session,
    past_session,
)

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def attended(world):
    """A session two days ago the member attended."""
    session = past_session(world.home.dept_group)
    AttendanceFactory(session=session, person=world.home.member, status=Attendance.Status.PRESENT)
    return session


def submit_url(session) -> str:
    return reverse("studygroups:reflection_submit", args=[session.pk])


def _refusal(response) -> bytes:
    return response.content.split(b'data-error-code="', 1)[1].split(b'"', 1)[0]


# ---------------------------------------------------------------------------------------------
# Writing one


def test_member_writes_and_then_edits_their_reflection(client, world, attended):
    client.force_login(world.users.member)
    assert client.get(submit_url(attended)).status_code == 200
    response = client.post(submit_url(attended), {"text": "第一稿"})
    assert response.status_code == 302 and response.url == submit_url(attended)
    reflection = Reflection.objects.get()
    assert (reflection.session, reflection.person, reflection.text) == (attended, world.home.member, "第一稿")
    assert reflection.created_by == world.users.member
    page = client.get(submit_url(attended))
    assert page.context["form"]["text"].value() == "第一稿"
    client.post(submit_url(attended), {"text": "修改稿"})
    assert list(Reflection.objects.values_list("text", flat=True)) == ["修改稿"]
    # The same text again (a double submit) writes no history.
    client.post(submit_url(attended), {"text": "修改稿"})
    assert [h.history_type for h in reflection.history.order_by("history_date")] == ["+", "~"]


def test_late_attendance_also_entitles(client, world):
    session = past_session(world.home.dept_group)
    AttendanceFactory(session=session, person=world.home.member, status=Attendance.Status.LATE)
    client.force_login(world.users.member)
    assert client.post(submit_url(session), {"text": "迟到也写"}).status_code == 302
    assert Reflection.objects.filter(session=session).count() == 1


def test_a_file_goes_with_the_reflection(client, world, attended):
    client.force_login(world.users.member)
    upload = SimpleUploadedFile("体会.pdf", PDF, content_type="application/pdf")
    assert client.post(submit_url(attended), {"text": "附件见PDF", "attachment": upload}).status_code == 302
    attachment = Attachment.objects.get()
    reflection = Reflection.objects.get()
    assert (attachment.owner, attachment.kind) == (reflection, Attachment.Kind.PDF)
    assert attachment.created_by == world.users.member
    page = client.get(submit_url(attended))
    assert f'data-attachment="{attachment.pk}"'.encode() in page.content


def test_a_disguised_file_is_refused_and_the_text_kept(client, world, attended):
    client.force_login(world.users.member)
    upload = SimpleUploadedFile("体会.pdf", b"just some text pretending to be a PDF", content_type="application/pdf")
    response = client.post(submit_url(attended), {"text": "我的心得正文", "attachment": upload})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["attachment"]] == ["bad_type"]
    assert response.context["form"]["text"].value() == "我的心得正文"
    assert "我的心得正文" in response.content.decode()
    assert not Reflection.objects.exists() and not Attachment.objects.exists()


def test_an_oversize_file_is_refused_and_the_text_kept(client, world, attended, settings):
    settings.UPLOAD_MAX_BYTES = 50
    client.force_login(world.users.member)
    upload = SimpleUploadedFile("体会.pdf", PDF, content_type="application/pdf")
    assert len(PDF) > 50
    response = client.post(submit_url(attended), {"text": "正文保留", "attachment": upload})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["attachment"]] == ["too_large"]
    assert response.context["form"]["text"].value() == "正文保留"
    assert not Reflection.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("status", [Attendance.Status.LEAVE, Attendance.Status.ABSENT, None])
def test_no_reflection_without_attending(client, world, status):
    session = past_session(world.home.dept_group)
    if status:
        AttendanceFactory(session=session, person=world.home.member, status=status, reason="事假")
    client.force_login(world.users.member)
    for response in (client.get(submit_url(session)), client.post(submit_url(session), {"text": "想写"})):
        assert response.status_code == 403 and _refusal(response) == b"not_attended"
    assert not Reflection.objects.exists()


def test_no_reflection_on_a_future_session(client, world):
    session = future_session(world.home.dept_group)
    client.force_login(world.users.member)
    response = client.post(submit_url(session), {"text": "提前写"})
    assert response.status_code == 403 and _refusal(response) == b"future"
    assert not Reflection.objects.exists()


def test_a_former_member_who_attended_back_then_may_still_write(client, world):
    # Attendance rows exist only for members of that day, so attending is what counts.
    session = past_session(world.home.dept_group, days=900)
    AttendanceFactory(session=session, person=world.home.left, status=Attendance.Status.PRESENT)
    user = UserFactory(username="gone", role=Role.MEMBER, person=world.home.left)
    client.force_login(user)
    assert client.post(submit_url(session), {"text": "补写"}).status_code == 302
    assert Reflection.objects.get().person == world.home.left


# ---------------------------------------------------------------------------------------------
# Permissions


@pytest.mark.parametrize("role", ROLES)
def test_submit_matrix(client, world, attended, role, client_as):
    # Staff, secretary and superuser here have no person: they are told so (403, no_person).
    expected = dict(zip(ROLES, [302, 403, 403, 403, 200, 403, 403, 404], strict=True))
    response = client_as(role).get(submit_url(attended))
    assert response.status_code == expected[role]
    if role in ("staff", "secretary", "superuser"):
        assert _refusal(response) == b"no_person"


@pytest.mark.parametrize("role", ["inspector", "auditor", "outsider"])
def test_readers_and_outsiders_cannot_post(client, world, attended, role, client_as):
    response = client_as(role).post(submit_url(attended), {"text": "x"})
    assert response.status_code == (404 if role == "outsider" else 403)
    assert not Reflection.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_list_matrix(client, world, role, client_as):
    expected = dict(zip(ROLES, [302, 200, 200, 200, 200, 200, 200, 200], strict=True))
    assert client_as(role).get(reverse("studygroups:reflection_list")).status_code == expected[role]


# ---------------------------------------------------------------------------------------------
# The list


def _listed(client, **params) -> list[int]:
    response = client.get(reverse("studygroups:reflection_list"), params)
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].page.object_list]


@pytest.fixture
def reflections(world):
    dept_session = past_session(world.home.dept_group, days=3, title="学习党章")
    town_session = past_session(world.home.town_group, days=4, title="乡村振兴")
    other_session = past_session(world.other.dept_group, days=3)
    return {
        "mine": ReflectionFactory(session=dept_session, person=world.home.member, text="党章心得"),
        "leader": ReflectionFactory(session=dept_session, person=world.home.leader, text="领导心得"),
        "town": ReflectionFactory(session=town_session, person=world.home.town_member, text="振兴心得"),
        "other": ReflectionFactory(session=other_session, person=world.other.member, text="外县心得"),
    }


def test_list_is_scoped(client, world, reflections, client_as):
    r = {k: v.pk for k, v in reflections.items()}
    client.force_login(world.users.staff)
    assert sorted(_listed(client)) == sorted([r["mine"], r["leader"], r["town"]])
    client.force_login(world.users.secretary)
    assert sorted(_listed(client)) == sorted([r["mine"], r["leader"]])
    client.force_login(world.users.member)
    assert sorted(_listed(client)) == sorted([r["mine"], r["leader"]])
    client_as("outsider")
    assert _listed(client) == [r["other"]]


def test_list_filters(client, world, reflections):
    r = {k: v.pk for k, v in reflections.items()}
    client.force_login(world.users.staff)
    assert _listed(client, group=world.home.town_group.pk) == [r["town"]]
    assert sorted(_listed(client, session=reflections["mine"].session_id)) == sorted([r["mine"], r["leader"]])
    assert _listed(client, q=world.home.leader.name) == [r["leader"]]
    # A group of another county is not a valid choice: the filter refuses it and shows nothing.
    assert _listed(client, group=world.other.dept_group.pk) == []


def test_list_shows_who_entered_and_marks_late_entries(client, world, settings):
    settings.LATE_ENTRY_DAYS = 7
    old = past_session(world.home.dept_group, days=20)
    recent = past_session(world.home.dept_group, days=1)
    ReflectionFactory(session=old, person=world.home.member, created_by=world.users.member)
    ReflectionFactory(session=recent, person=world.home.member, created_by=world.users.member)
    client.force_login(world.users.secretary)
    response = client.get(reverse("studygroups:reflection_list"))
    content = response.content
    assert content.count(b'data-late="1"') == 1 and content.count(b'data-late="0"') == 1
    assert content.count(str(world.users.member).encode()) >= 2


def _grow(world, groups: int):
    for i in range(groups):
        unit = OrgUnitFactory(
            parent=world.home.county, kind="department", name=f"心得局{Reflection.objects.count()}{i}"
        )
        group = StudyGroupFactory(unit=unit)
        session = past_session(group)
        for _ in range(2):
            person = MembershipFactory(study_group=group).person
            reflection = ReflectionFactory(session=session, person=person, created_by=world.users.staff)
            Attachment.objects.create(
                owner=reflection,
                file="attachments/x.pdf",
                original_name="x.pdf",
                kind=Attachment.Kind.PDF,
                content_type="application/pdf",
                size=10,
            )


def test_list_query_count_does_not_grow_with_rows(client, world, page_queries):
    client.force_login(world.users.staff)
    url = reverse("studygroups:reflection_list")
    _grow(world, 2)
    small = page_queries(client, url)
    _grow(world, 8)
    assert page_queries(client, url) == small
    first = client.get(url).context["table"].page.object_list[0].record
    assert first.attachment_count == 1
