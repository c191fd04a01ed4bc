"""The shared cast: two counties in one region, each with a department, a township and their groups.

``world`` gives the home county's objects and one account per role; ``outsider`` objects live in the
other county and must never be reachable by the home county's accounts.
"""

import datetime
from types import SimpleNamespace

import pytest

from core.models import Membership, OrgUnit, Role
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory, StudyGroupFactory, UserFactory


def build_county(region, name: str):
    county = OrgUnitFactory(parent=region, kind=OrgUnit.Kind.COUNTY, name=name, short_name=name[0])
    dept = OrgUnitFactory(
        parent=county, kind=OrgUnit.Kind.DEPARTMENT, name=f"{name}教育局", party_body=OrgUnit.PartyBody.GROUP
    )
    town = OrgUnitFactory(parent=county, kind=OrgUnit.Kind.TOWNSHIP, name=f"{name}红旗镇")
    village = OrgUnitFactory(
        parent=town, kind=OrgUnit.Kind.VILLAGE, name=f"{name}红旗村", party_body=OrgUnit.PartyBody.BRANCH
    )
    dept_group = StudyGroupFactory(unit=dept)
    town_group = StudyGroupFactory(unit=town)
    leader = MembershipFactory(study_group=dept_group, role=Membership.Role.LEADER).person
    member = MembershipFactory(study_group=dept_group).person
    left = MembershipFactory(study_group=dept_group, end_date=datetime.date(2024, 6, 30)).person
    town_member = MembershipFactory(study_group=town_group).person
    return SimpleNamespace(
        county=county,
        dept=dept,
        town=town,
        village=village,
        dept_group=dept_group,
        town_group=town_group,
        leader=leader,
        member=member,
        left=left,
        town_member=town_member,
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def world(db):
    region = OrgUnitFactory(kind=OrgUnit.Kind.REGION, name="测试盟", party_body="")
    home = build_county(region, "甲旗")
    other = build_county(region, "乙旗")
    users = SimpleNamespace(
        staff=UserFactory(username="staff", role=Role.STAFF, scope_unit=home.county),
        # An inspector sits in as a person: here one who works at the county committee and sits in no group.
        inspector=UserFactory(
            username="inspector",
            role=Role.INSPECTOR,
            scope_unit=home.county,
            person=PersonFactory(unit=home.county, name="巡听员"),
        ),
        secretary=UserFactory(username="secretary", role=Role.SECRETARY, study_group=home.dept_group),
        member=UserFactory(username="member", role=Role.MEMBER, person=home.member),
        auditor=UserFactory(username="auditor", role=Role.AUDITOR, scope_unit=home.county),
        region_auditor=UserFactory(username="region_auditor", role=Role.AUDITOR, scope_unit=region),
        superuser=UserFactory(username="root", is_superuser=True, is_staff=True),
        norole=UserFactory(username="norole"),
    )
    return SimpleNamespace(region=region, home=home, other=other, users=users)


@pytest.fixture
def outsider(world):
    """Staff of the other county: an account that must never reach anything of the home county."""
    return UserFactory(username="outsider", role=Role.STAFF, scope_unit=world.other.county)


@pytest.fixture
def client_as(client, world, request):
    """``client_as("secretary")``: the test client signed in as that account of the shared cast.

    Besides the accounts in ``world.users``: ``"anon"`` (signed out) and ``"outsider"`` (the ``outsider`` fixture).
    """

    def _as(account: str):
        if account == "anon":
            client.logout()
            return client
        user = request.getfixturevalue("outsider") if account == "outsider" else getattr(world.users, account)
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def page_queries():
    """``page_queries(client, url, params)``: how many SQL queries one GET of a page takes (asserting 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def _count(client, url, params=None) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params or {})
        assert response.status_code == 200, url
        return len(ctx.captured_queries)

    return _count
