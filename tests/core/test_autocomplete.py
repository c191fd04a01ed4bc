"""The autocomplete answers only rows the user may see, at most 20, and its widget never renders the whole
list of choices into the page."""

import pytest
from django.urls import reverse

from core.autocomplete import LIMIT
from core.models import Membership, OrgUnit
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, StudyGroupFactory


def _texts(client, kind, q=""):
    response = client.get(reverse("autocomplete", args=[kind]), {"q": q})
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_groups_are_those_the_user_sees(client_as, world):
    staff = _texts(client_as("staff"), "groups")
    assert set(staff) == {world.home.dept_group.name, world.home.town_group.name}
    assert _texts(client_as("secretary"), "groups") == [world.home.dept_group.name]
    assert _texts(client_as("outsider"), "groups", "教育") == [world.other.dept_group.name]
    assert _texts(client_as("staff"), "groups", "红旗") == [world.home.town_group.name]


def test_people_are_those_the_user_sees_and_match_the_search(client_as, world):
    texts = _texts(client_as("secretary"), "people", world.home.member.name)
    assert texts == [f"{world.home.member.name} · {world.home.dept.name}"]
    # Another county's person is never offered, whatever the search.
    assert _texts(client_as("secretary"), "people", world.other.member.name) == []
    assert _texts(client_as("staff"), "people", world.other.town_member.name) == []


def test_at_most_twenty_rows_are_answered(client_as, world):
    for n in range(LIMIT + 5):
        PersonFactory(unit=world.home.dept, name=f"王{n:02d}")
    texts = _texts(client_as("staff"), "people", "王")
    assert len(texts) == LIMIT == 20
    assert texts[0] == f"王00 · {world.home.dept.name}"


@pytest.mark.parametrize("account,status", [("anon", 302), ("staff", 404)])
def test_anonymous_users_are_sent_to_log_in_and_unknown_kinds_are_404(client_as, world, account, status):
    client = client_as(account)
    url = reverse("autocomplete", args=["groups" if account == "anon" else "units"])
    assert client.get(url).status_code == status


def test_the_group_filter_renders_the_chosen_group_only(client_as, world):
    for n in range(30):
        StudyGroupFactory(unit=OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"镇{n}"))
    client = client_as("staff")
    html = client.get(reverse("studygroups:session_list")).content.decode()
    select = html[html.index('name="study_group"') - 200 : html.index("</select>", html.index('name="study_group"'))]
    assert 'data-autocomplete="/autocomplete/groups/"' in select
    assert select.count("<option") == 1 and "全部" in select
    html = client.get(reverse("studygroups:session_list"), {"study_group": world.home.town_group.pk}).content.decode()
    select = html[html.index('name="study_group"') : html.index("</select>", html.index('name="study_group"'))]
    assert select.count("<option") == 2
    assert f'<option value="{world.home.town_group.pk}" selected>{world.home.town_group.name}</option>' in select


def test_the_member_form_offers_people_by_search(client_as, world):
    for _ in range(30):
        MembershipFactory(study_group=world.home.dept_group, person=PersonFactory(unit=world.home.dept))
    html = client_as("secretary").get(reverse("studygroups:membership_create", args=[world.home.dept_group.pk]))
    html = html.content.decode()
    select = html[html.index('name="person"') - 200 : html.index("</select>", html.index('name="person"'))]
    assert 'data-autocomplete="/autocomplete/people/"' in select
    assert select.count("<option") == 1
    assert Membership.objects.filter(study_group=world.home.dept_group).count() > 30
