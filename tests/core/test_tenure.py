"""Tenure: a member sees a group's sessions and what hangs on them only for the time they sat in it."""

import datetime

import pytest
from django.urls import reverse

from core.models import Attachment, Role
from studygroups.models import Attendance, Reflection, Speech, StudySession
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, StudyGroupFactory, UserFactory
from tests.studygroups.factories import StudySessionFactory, local


@pytest.fixture
def group(db):
    """A hand-built group: a colleague throughout, a member who left on 2024-06-30, one who came on 2024-07-01."""
    unit = OrgUnitFactory(kind="county", name="丙旗")
    study_group = StudyGroupFactory(unit=unit)
    colleague = MembershipFactory(study_group=study_group, start_date=datetime.date(2023, 1, 1)).person
    former = MembershipFactory(
        study_group=study_group, start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 6, 30)
    ).person
    newcomer = MembershipFactory(study_group=study_group, start_date=datetime.date(2024, 7, 1)).person
    sessions = {
        "march": StudySessionFactory(study_group=study_group, starts_at=local(2024, 3, 1, 9, 0)),
        "last_day": StudySessionFactory(study_group=study_group, starts_at=local(2024, 6, 30, 14, 0)),
        "first_day": StudySessionFactory(study_group=study_group, starts_at=local(2024, 7, 1, 9, 0)),
        "next_year": StudySessionFactory(study_group=study_group, starts_at=local(2025, 3, 1, 9, 0)),
    }
    for session in sessions.values():
        Attendance.objects.create(session=session, person=colleague)
        Reflection.objects.create(session=session, person=colleague, text=f"体会{session.pk}")
        Speech.objects.create(session=session, person=colleague, topic="发言")
    # The former member's own record of a later session (entered for them by mistake) stays theirs to see.
    own_late = Attendance.objects.create(session=sessions["next_year"], person=former, status="absent")
    accounts = {
        "former": UserFactory(username="former", role=Role.MEMBER, person=former),
        "newcomer": UserFactory(username="newcomer", role=Role.MEMBER, person=newcomer),
        "colleague": UserFactory(username="colleague", role=Role.MEMBER, person=colleague),
        "secretary": UserFactory(username="sec-bing", role=Role.SECRETARY, study_group=study_group),
    }
    return {"group": study_group, "sessions": sessions, "accounts": accounts, "own_late": own_late, "former": former}


def _titles(group, rows) -> set[str]:
    names = {session.pk: name for name, session in group["sessions"].items()}
    return {names[pk] for pk in rows}


def test_a_former_member_sees_only_sessions_held_while_they_sat_in_the_group(group):
    former = group["accounts"]["former"]
    visible = StudySession.objects.visible_to(former).values_list("pk", flat=True)
    assert _titles(group, visible) == {"march", "last_day"}


def test_a_newcomer_does_not_read_the_groups_past(group):
    newcomer = group["accounts"]["newcomer"]
    visible = StudySession.objects.visible_to(newcomer).values_list("pk", flat=True)
    assert _titles(group, visible) == {"first_day", "next_year"}


def test_someone_who_sat_throughout_sees_everything(group):
    colleague = group["accounts"]["colleague"]
    assert StudySession.objects.visible_to(colleague).count() == 4


@pytest.mark.parametrize("model", [Reflection, Speech])
def test_colleagues_records_follow_the_tenure(group, model):
    former, newcomer = group["accounts"]["former"], group["accounts"]["newcomer"]
    assert _titles(group, model.objects.visible_to(former).values_list("session", flat=True)) == {"march", "last_day"}
    assert _titles(group, model.objects.visible_to(newcomer).values_list("session", flat=True)) == {
        "first_day",
        "next_year",
    }


def test_attendance_follows_the_tenure_but_own_rows_always_show(group):
    former = group["accounts"]["former"]
    rows = Attendance.objects.visible_to(former)
    assert group["own_late"] in rows
    colleagues = rows.exclude(person=group["former"]).values_list("session", flat=True)
    assert _titles(group, colleagues) == {"march", "last_day"}


def test_attachments_follow_their_owner(group, client):
    later = group["sessions"]["next_year"]
    photo = Attachment.objects.create(
        owner=later, file="attachments/x.jpg", original_name="合影.jpg", kind="image", content_type="image/jpeg", size=1
    )
    assert photo in Attachment.objects.visible_to(group["accounts"]["newcomer"])
    assert photo not in Attachment.objects.visible_to(group["accounts"]["former"])
    client.force_login(group["accounts"]["former"])
    assert client.get(reverse("attachment_download", args=[photo.pk])).status_code == 404
    assert client.get(reverse("studygroups:session_detail", args=[later.pk])).status_code == 404
    assert client.get(reverse("studygroups:session_detail", args=[group["sessions"]["march"].pk])).status_code == 200


def test_the_secretary_account_sees_its_whole_group_and_only_it(group):
    secretary = group["accounts"]["secretary"]
    assert StudySession.objects.visible_to(secretary).count() == 4
    other = StudyGroupFactory(unit=OrgUnitFactory(kind="county", name="丁旗"))
    StudySessionFactory(study_group=other)
    assert not StudySession.objects.visible_to(secretary).filter(study_group=other).exists()
    stranger = PersonFactory(unit=other.unit)
    assert not Attendance.objects.visible_to(secretary).filter(person=stranger).exists()


def test_tenure_is_a_constant_number_of_queries(group, django_assert_num_queries):
    former = group["accounts"]["former"]
    with django_assert_num_queries(2):  # the person's seats, then the rows
        list(StudySession.objects.visible_to(former))
