"""Every role against every view, expected status in one table.

Columns: anon, staff, inspector, secretary, member, auditor, superuser, outsider (staff of another county).
302 for anonymous means "sent to the login page".
"""

import pytest
from django.urls import reverse

from core.models import Role
from tests.factories import UserFactory

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]

# (name, url builder taking the world, expected statuses in ROLES order)
GET_MATRIX = [
    ("dashboard", lambda w: reverse("dashboard"), [302, 200, 200, 200, 200, 200, 200, 200]),
    ("healthz", lambda w: reverse("healthz"), [200, 200, 200, 200, 200, 200, 200, 200]),
    ("orgunit_list", lambda w: reverse("studygroups:orgunit_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    (
        "orgunit_detail",
        lambda w: reverse("studygroups:orgunit_detail", args=[w.home.dept.pk]),
        [302, 200, 200, 200, 200, 200, 200, 404],
    ),
    (
        "orgunit_detail_town",
        lambda w: reverse("studygroups:orgunit_detail", args=[w.home.town.pk]),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    ("orgunit_create", lambda w: reverse("studygroups:orgunit_create"), [302, 200, 403, 403, 403, 403, 200, 200]),
    (
        "orgunit_update",
        lambda w: reverse("studygroups:orgunit_update", args=[w.home.dept.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    ("studygroup_list", lambda w: reverse("studygroups:studygroup_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    (
        "studygroup_detail",
        lambda w: reverse("studygroups:studygroup_detail", args=[w.home.dept_group.pk]),
        [302, 200, 200, 200, 200, 200, 200, 404],
    ),
    (
        "studygroup_detail_town",
        lambda w: reverse("studygroups:studygroup_detail", args=[w.home.town_group.pk]),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    (
        "studygroup_update",
        lambda w: reverse("studygroups:studygroup_update", args=[w.home.dept_group.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    (
        "membership_create",
        lambda w: reverse("studygroups:membership_create", args=[w.home.dept_group.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    (
        "membership_update",
        lambda w: reverse("studygroups:membership_update", args=[w.home.member.memberships.get().pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    ("person_list", lambda w: reverse("studygroups:person_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    ("person_create", lambda w: reverse("studygroups:person_create"), [302, 200, 403, 200, 403, 403, 200, 200]),
    (
        "person_detail",
        lambda w: reverse("studygroups:person_detail", args=[w.home.member.pk]),
        [302, 200, 200, 200, 200, 200, 200, 404],
    ),
    (
        "person_detail_town",
        lambda w: reverse("studygroups:person_detail", args=[w.home.town_member.pk]),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    (
        "person_update",
        lambda w: reverse("studygroups:person_update", args=[w.home.member.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    (
        "history_person",
        lambda w: reverse("record_history", args=["person", w.home.member.pk]),
        [302, 200, 403, 403, 403, 200, 200, 404],
    ),
    (
        "history_unknown_model",
        lambda w: reverse("record_history", args=["user", 1]),
        [302, 404, 404, 404, 404, 404, 404, 404],
    ),
    ("import_upload", lambda w: reverse("studygroups:import_upload"), [302, 200, 403, 403, 403, 403, 200, 200]),
    ("import_template", lambda w: reverse("studygroups:import_template"), [302, 200, 403, 403, 403, 403, 200, 200]),
    ("admin", lambda w: reverse("admin:index"), [302, 302, 302, 302, 302, 302, 200, 302]),
]

# Writes: read-only roles get 403 whatever they send; outsiders 404.
POST_MATRIX = [
    (
        "orgunit_update",
        lambda w: reverse("studygroups:orgunit_update", args=[w.home.dept.pk]),
        [302, None, 403, 403, 403, 403, None, 404],
    ),
    (
        "person_update",
        lambda w: reverse("studygroups:person_update", args=[w.home.member.pk]),
        [302, None, 403, None, 403, 403, None, 404],
    ),
    ("person_create", lambda w: reverse("studygroups:person_create"), [302, None, 403, None, 403, 403, None, None]),
    (
        "membership_create",
        lambda w: reverse("studygroups:membership_create", args=[w.home.dept_group.pk]),
        [302, None, 403, None, 403, 403, None, 404],
    ),
    ("import_upload", lambda w: reverse("studygroups:import_upload"), [302, None, 403, 403, 403, 403, None, None]),
]


def _client_for(client, world, role):
    if role == "anon":
        return client
    if role == "outsider":
        user = UserFactory(username="outsider", role=Role.STAFF, scope_unit=world.other.county)
    else:
        user = getattr(world.users, role)
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,expected", GET_MATRIX, ids=[row[0] for row in GET_MATRIX])
def test_get_matrix(client, world, role, name, url, expected):
    response = _client_for(client, world, role).get(url(world))
    assert response.status_code == expected[ROLES.index(role)], f"{role} GET {name}"


# Allowed writes (None) are covered by the feature tests; here only the refusals.
POST_REFUSALS = [
    (name, url, role, expected[i]) for name, url, expected in POST_MATRIX for i, role in enumerate(ROLES) if expected[i]
]


@pytest.mark.parametrize("name,url,role,want", POST_REFUSALS, ids=[f"{r[0]}-{r[2]}" for r in POST_REFUSALS])
def test_post_refusals(client, world, name, url, role, want):
    response = _client_for(client, world, role).post(url(world), {"name": "改名"})
    assert response.status_code == want, f"{role} POST {name}"
