"""Pairing rules held by the database, and exchange visits held as a session of each group."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from outreach.models import ExchangeVisit, Pairing
from outreach.services import pairing_save, visit_cancel, visit_create, visit_update
from studygroups.models import Attendance, StudySession
from tests.outreach.factories import township
from tests.studygroups.factories import local

pytestmark = pytest.mark.django_db


def _pair(world, a, b, **extra) -> Pairing:
    return pairing_save(pairing=Pairing(year=2025, group_a=a, group_b=b, **extra), user=world.users.staff)


def test_a_department_pairs_with_a_township_and_is_stored_in_id_order(world):
    pairing = _pair(world, world.home.town_group, world.home.dept_group)
    assert (pairing.group_a_id, pairing.group_b_id) == tuple(
        sorted([world.home.dept_group.pk, world.home.town_group.pk])
    )
    assert sorted(pairing.sides.values_list("study_group_id", "counted")) == sorted(
        [(world.home.dept_group.pk, True), (world.home.town_group.pk, True)]
    )


def test_a_group_cannot_pair_with_itself(world):
    with pytest.raises(ValidationError):
        _pair(world, world.home.town_group, world.home.town_group)
    # The database refuses it too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(year=2025, group_a=world.home.town_group, group_b=world.home.town_group)


def test_two_departments_cannot_pair(world):
    other_dept = world.other.dept_group
    with pytest.raises(ValidationError) as refused:
        _pair(world, world.home.dept_group, other_dept)
    assert refused.value.error_dict["group_b"][0].code == "kinds"


def test_the_same_pair_twice_in_a_year_is_refused(world):
    _pair(world, world.home.dept_group, world.home.town_group)
    with pytest.raises(ValidationError) as refused:
        _pair(world, world.home.town_group, world.home.dept_group, extra_allowed=True)
    assert refused.value.code == "duplicate"
    with pytest.raises(IntegrityError), transaction.atomic():
        a, b = sorted([world.home.dept_group, world.home.town_group], key=lambda g: g.pk)
        Pairing.objects.create(year=2025, group_a=a, group_b=b)
    assert Pairing.objects.count() == 1
    # Another year is another pair.
    pairing_save(pairing=Pairing(year=2026, group_a=world.home.dept_group, group_b=world.home.town_group), user=None)
    assert Pairing.objects.count() == 2


def test_one_active_pair_per_group_and_year_unless_staff_allow_more(world):
    third = township(world.home.county, "甲旗新华镇")
    _pair(world, world.home.dept_group, world.home.town_group)
    with pytest.raises(ValidationError) as refused:
        _pair(world, world.home.town_group, third)
    assert refused.value.code == "active_pair"
    assert Pairing.objects.count() == 1
    allowed = _pair(world, world.home.town_group, third, extra_allowed=True)
    assert allowed.pk and not allowed.sides.filter(counted=True).exists()
    # An inactive pair does not count either.
    fourth = township(world.home.county, "甲旗东风镇")
    assert _pair(world, world.home.dept_group, fourth, is_active=False).pk


def test_deactivating_a_pair_frees_its_groups(world):
    third = township(world.home.county, "甲旗新华镇")
    pairing = _pair(world, world.home.dept_group, world.home.town_group)
    pairing.is_active = False
    pairing_save(pairing=pairing, user=world.users.staff)
    assert _pair(world, world.home.town_group, third).pk


# Exchange visits ---------------------------------------------------------------------------------------------


@pytest.fixture
def visit(world):
    pairing = _pair(world, world.home.dept_group, world.home.town_group)
    return visit_create(
        visit=ExchangeVisit(
            pairing=pairing,
            host_group=world.home.town_group,
            title="三看一听一分享",
            starts_at=local(2025, 4, 10, 9),
            ends_at=local(2025, 4, 10, 12),
            place="红旗镇党委会议室",
            methods_seen="网格化管理",
            takeaways="学用结合",
        ),
        user=world.users.staff,
        host_people=[world.home.town_member],
        guest_people=[world.home.member, world.home.leader],
    )


def test_a_visit_is_a_session_of_each_group_with_each_sides_attendance(world, visit):
    host, guest = visit.host_session, visit.guest_session
    assert host.study_group == world.home.town_group and guest.study_group == world.home.dept_group
    assert host.kind == guest.kind == StudySession.Kind.EXCHANGE
    assert host.starts_at == guest.starts_at == local(2025, 4, 10, 9)
    assert "网格化管理" in host.record and "学用结合" in guest.record
    assert visit.guest_group == world.home.dept_group
    assert set(Attendance.objects.filter(session=host).values_list("person", "status")) == {
        (world.home.town_member.pk, "present")
    }
    assert set(Attendance.objects.filter(session=guest).values_list("person", flat=True)) == {
        world.home.member.pk,
        world.home.leader.pk,
    }
    # Each group sees its own session like any other (the secretary of the department sees the guest side).
    secretary = world.users.secretary
    assert list(StudySession.objects.visible_to(secretary).filter(kind="exchange")) == [guest]


def test_editing_a_visit_moves_both_sessions(world, visit):
    visit.starts_at, visit.ends_at, visit.place = local(2025, 4, 11, 14), local(2025, 4, 11, 17), "县委党校"
    visit_update(visit=visit, user=world.users.staff)
    for session in (visit.host_session, visit.guest_session):
        session.refresh_from_db()
        assert (session.starts_at, session.place) == (local(2025, 4, 11, 14), "县委党校")
        assert session.version == 2


def test_cancelling_a_visit_removes_both_sessions_and_their_attendance(world, visit):
    ids = [visit.host_session_id, visit.guest_session_id]
    with pytest.raises(ValidationError):
        visit_cancel(visit=visit, user=world.users.staff, reason=" ")
    visit_cancel(visit=visit, user=world.users.staff, reason="防汛")
    assert not StudySession.objects.filter(pk__in=ids).exists()
    assert not Attendance.objects.filter(session_id__in=ids).exists()
    visit.refresh_from_db()
    assert visit.is_cancelled and visit.cancel_reason == "防汛"
    assert (visit.host_session, visit.guest_session) == (None, None)
    # The deletions are in the sessions' history.
    assert StudySession.history.filter(id__in=ids, history_type="-").count() == 2
    with pytest.raises(ValidationError):
        visit_update(visit=visit, user=world.users.staff)


def test_the_host_must_be_one_of_the_pair(world):
    pairing = _pair(world, world.home.dept_group, world.home.town_group)
    with pytest.raises(ValidationError):
        visit_create(
            visit=ExchangeVisit(
                pairing=pairing,
                host_group=world.other.town_group,
                title="x",
                starts_at=local(2025, 4, 10, 9),
                ends_at=local(2025, 4, 10, 12),
                place="x",
            ),
            user=world.users.staff,
        )
    assert not StudySession.objects.exists()
