import datetime

import pytest
from django.urls import reverse

from core.models import Membership, OrgUnit, Person
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory

LISTS = ["studygroups:orgunit_list", "studygroups:studygroup_list", "studygroups:person_list"]


def _grow(world, groups: int):
    start = OrgUnit.objects.count()
    for i in range(start, start + groups):
        unit = OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.DEPARTMENT, name=f"扩展局{i}")
        group = StudyGroupFactory(unit=unit)
        for _ in range(3):
            MembershipFactory(study_group=group)


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_does_not_grow_with_rows(client, world, name, page_queries):
    client.force_login(world.users.staff)
    url = reverse(name)
    _grow(world, 2)
    small = page_queries(client, url)
    _grow(world, 10)
    large = page_queries(client, url)
    assert large == small


@pytest.mark.parametrize("name", ["studygroups:studygroup_detail"])
def test_group_detail_query_count_does_not_grow_with_members(client, world, name, page_queries):
    client.force_login(world.users.staff)
    url = reverse(name, args=[world.home.dept_group.pk])
    small = page_queries(client, url)
    for _ in range(10):
        MembershipFactory(study_group=world.home.dept_group)
    assert page_queries(client, url) == small


def test_lists_search_and_paginate(client, world):
    client.force_login(world.users.staff)
    _grow(world, 30)
    page1 = client.get(reverse("studygroups:studygroup_list"))
    assert len(page1.context["table"].page.object_list) == 25
    found = client.get(reverse("studygroups:person_list"), {"q": world.home.member.name})
    names = [row.record.name for row in found.context["table"].page.object_list]
    assert names == [world.home.member.name]


def test_group_list_counts_current_members_only(client, world):
    client.force_login(world.users.staff)
    response = client.get(reverse("studygroups:studygroup_list"), {"q": world.home.dept_group.name})
    row = next(r.record for r in response.context["table"].page.object_list if r.record == world.home.dept_group)
    assert row.member_count == 2  # leader and member; the one who left in 2024 does not count


def test_group_detail_shows_roster_on_a_date(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:studygroup_detail", args=[world.home.dept_group.pk])
    january = client.get(url, {"on": "2024-01-15"})
    assert world.home.left in [m.person for m in january.context["current"]]
    july = client.get(url, {"on": "2024-07-15"})
    assert world.home.left not in [m.person for m in july.context["current"]]
    assert world.home.left in [m.person for m in july.context["former"]]


def test_secretary_adds_a_member_with_history(client, world):
    client.force_login(world.users.secretary)
    newcomer = Person.objects.create(unit=world.home.dept, name="新同志", gender="F")
    url = reverse("studygroups:membership_create", args=[world.home.dept_group.pk])
    response = client.post(url, {"person": newcomer.pk, "role": "member", "start_date": "2025-03-01"})
    assert response.status_code == 302
    membership = Membership.objects.get(person=newcomer)
    assert membership.study_group == world.home.dept_group
    assert membership.created_by == world.users.secretary
    assert membership.history.get().history_user == world.users.secretary


def test_secretary_cannot_pick_a_person_of_another_county(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:membership_create", args=[world.home.dept_group.pk])
    response = client.post(url, {"person": world.other.member.pk, "role": "member", "start_date": "2025-03-01"})
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert not Membership.objects.filter(person=world.other.member, study_group=world.home.dept_group).exists()


def test_overlapping_membership_is_shown_as_an_error(client, world):
    client.force_login(world.users.staff)
    url = reverse("studygroups:membership_create", args=[world.home.dept_group.pk])
    response = client.post(url, {"person": world.home.member.pk, "role": "deputy", "start_date": "2025-03-01"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Membership.objects.filter(person=world.home.member).count() == 1


def test_staff_edits_a_person_and_the_auditor_sees_who(client, world):
    client.force_login(world.users.staff)
    person = world.home.member
    data = {"unit": person.unit_id, "name": person.name, "gender": "M", "title": "副局长", "phone": ""}
    assert client.post(reverse("studygroups:person_update", args=[person.pk]), data).status_code == 302
    client.force_login(world.users.auditor)
    page = client.get(reverse("record_history", args=["person", person.pk]))
    rows = page.context["rows"]
    assert rows[0]["record"].history_user == world.users.staff
    assert [(str(c["field"]), c["old"], c["new"]) for c in rows[0]["changes"]] == [("职务", "科员", "副局长")]


def test_staff_cannot_move_a_unit_into_another_county(client, world):
    client.force_login(world.users.staff)
    unit = world.home.dept
    data = {
        "parent": world.other.county.pk,
        "kind": unit.kind,
        "name": unit.name,
        "party_body": unit.party_body,
        "sort_order": 0,
    }
    response = client.post(reverse("studygroups:orgunit_update", args=[unit.pk]), data)
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    unit.refresh_from_db()
    assert unit.parent == world.home.county


def test_end_date_shown_on_person_page(client, world):
    client.force_login(world.users.staff)
    page = client.get(reverse("studygroups:person_detail", args=[world.home.left.pk]))
    assert datetime.date(2024, 6, 30).isoformat() in page.content.decode()
