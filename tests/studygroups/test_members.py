"""The roster is kept by county staff for every group and by each study secretary for their own group:
add a person, end a seat with a date, change a role; every change audited; another group's seat is 404."""

import datetime

import pytest
from django.urls import reverse

from core import policy
from core.models import Membership, Person

GROUP_PAGE = "studygroups:studygroup_detail"


def _seat(world):
    return Membership.objects.get(person=world.home.member, study_group=world.home.dept_group)


def test_the_policy_lets_staff_and_secretaries_keep_rosters(world):
    users = world.users
    assert policy.roles_for(policy.Action.CHANGE, Membership) == ("staff", "secretary")
    assert [policy.can(u, policy.Action.CHANGE, Membership) for u in (users.staff, users.secretary)] == [True, True]
    assert not any(
        policy.can(u, policy.Action.CHANGE, Membership) for u in (users.member, users.inspector, users.auditor)
    )
    # editable_by: a secretary's own group only; staff every group of the county.
    assert set(Membership.objects.editable_by(users.secretary).values_list("study_group", flat=True)) == {
        world.home.dept_group.pk
    }
    assert set(Membership.objects.editable_by(users.staff).values_list("study_group", flat=True)) == {
        world.home.dept_group.pk,
        world.home.town_group.pk,
    }


@pytest.mark.parametrize(
    "account,buttons",
    [
        ("secretary", True),
        ("staff", True),
        ("inspector", False),
        ("member", False),
    ],
)
def test_the_group_page_shows_the_roster_buttons_to_those_who_keep_it(client_as, world, account, buttons):
    response = client_as(account).get(reverse(GROUP_PAGE, args=[world.home.dept_group.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    seat = _seat(world)
    for marker in ('id="add-member"', 'id="new-session"', f'data-end-membership="{seat.pk}"', "data-edit-membership"):
        assert (marker in html) is buttons, marker


def test_secretary_ends_a_membership_with_a_date_and_it_is_audited(client_as, world):
    seat = _seat(world)
    client = client_as("secretary")
    url = reverse("studygroups:membership_end", args=[seat.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"end_date": "2025-06-30"})
    assert response.status_code == 302 and response["Location"] == world.home.dept_group.get_absolute_url()
    seat.refresh_from_db()
    assert seat.end_date == datetime.date(2025, 6, 30)
    latest = seat.history.latest()
    assert latest.history_user == world.users.secretary and latest.end_date == datetime.date(2025, 6, 30)
    # Off the roster the day after, on it the last day.
    page = client.get(reverse(GROUP_PAGE, args=[world.home.dept_group.pk]), {"on": "2025-07-01"})
    assert world.home.member in [m.person for m in page.context["former"]]
    page = client.get(reverse(GROUP_PAGE, args=[world.home.dept_group.pk]), {"on": "2025-06-30"})
    assert world.home.member in [m.person for m in page.context["current"]]


def test_an_end_before_the_start_is_refused(client_as, world):
    seat = _seat(world)
    day_before = seat.start_date - datetime.timedelta(days=1)
    response = client_as("secretary").post(
        reverse("studygroups:membership_end", args=[seat.pk]), {"end_date": day_before}
    )
    assert response.status_code == 200 and response.context["form"].errors
    seat.refresh_from_db()
    assert seat.end_date is None


def test_secretary_changes_a_members_role_with_history(client_as, world):
    seat = _seat(world)
    response = client_as("secretary").post(
        reverse("studygroups:membership_update", args=[seat.pk]),
        {"role": "deputy", "start_date": seat.start_date.isoformat(), "end_date": ""},
    )
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.role == Membership.Role.DEPUTY
    assert [h.role for h in seat.history.order_by("history_date")] == ["member", "deputy"]
    assert seat.history.latest().history_user == world.users.secretary


def test_secretary_adds_a_new_person_of_their_unit_to_the_group(client_as, world):
    client = client_as("secretary")
    response = client.post(
        reverse("studygroups:person_create"), {"unit": world.home.dept.pk, "name": "新同志", "gender": "M"}
    )
    assert response.status_code == 302
    person = Person.objects.get(name="新同志")
    response = client.post(
        reverse("studygroups:membership_create", args=[world.home.dept_group.pk]),
        {"person": person.pk, "role": "member", "start_date": "2025-03-01"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(person=person).study_group == world.home.dept_group


def test_secretary_never_touches_another_groups_roster(client_as, world):
    client = client_as("secretary")
    town_seat = Membership.objects.get(person=world.home.town_member)
    other_seat = Membership.objects.get(person=world.other.member)
    for seat in (town_seat, other_seat):
        assert client.get(reverse("studygroups:membership_end", args=[seat.pk])).status_code == 404
        assert (
            client.post(reverse("studygroups:membership_end", args=[seat.pk]), {"end_date": "2025-06-30"}).status_code
            == 404
        )
        assert (
            client.post(reverse("studygroups:membership_update", args=[seat.pk]), {"role": "leader"}).status_code == 404
        )
    assert client.get(reverse("studygroups:membership_create", args=[world.home.town_group.pk])).status_code == 404
    town_seat.refresh_from_db()
    other_seat.refresh_from_db()
    assert town_seat.end_date is None and other_seat.end_date is None


@pytest.mark.parametrize("account,status", [("member", 403), ("inspector", 403), ("auditor", 403), ("outsider", 404)])
def test_others_may_not_end_a_seat(client_as, world, account, status):
    seat = _seat(world)
    response = client_as(account).post(
        reverse("studygroups:membership_end", args=[seat.pk]), {"end_date": "2025-06-30"}
    )
    assert response.status_code == status
    seat.refresh_from_db()
    assert seat.end_date is None


def test_staff_keep_every_groups_roster(client_as, world):
    town_seat = Membership.objects.get(person=world.home.town_member)
    response = client_as("staff").post(
        reverse("studygroups:membership_end", args=[town_seat.pk]), {"end_date": "2025-06-30"}
    )
    assert response.status_code == 302
    town_seat.refresh_from_db()
    assert town_seat.end_date == datetime.date(2025, 6, 30)
