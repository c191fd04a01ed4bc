import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.models import Membership, OrgUnit, StudyGroup
from tests.factories import MembershipFactory, OrgUnitFactory, PersonFactory


def test_path_lists_ancestors(world):
    village = world.home.village
    assert village.path == f"/{world.region.pk}/{world.home.county.pk}/{world.home.town.pk}/"
    assert village.ancestor_ids == [world.region.pk, world.home.county.pk, world.home.town.pk]


def test_moving_a_unit_moves_its_subtree(world):
    town = world.home.town
    town.parent = world.other.county
    town.save()
    world.home.village.refresh_from_db()
    assert world.home.village.path.startswith(world.other.county.descendant_prefix)
    assert world.home.village in OrgUnit.objects.under(world.other.county)
    assert world.home.village not in OrgUnit.objects.under(world.home.county)


@pytest.mark.parametrize(
    "kind,parent_kind,ok",
    [
        (OrgUnit.Kind.DEPARTMENT, "county", True),
        (OrgUnit.Kind.DEPARTMENT, "region", False),
        (OrgUnit.Kind.VILLAGE, "town", True),
        (OrgUnit.Kind.VILLAGE, "county", False),
        (OrgUnit.Kind.COUNTY, "region", True),
        (OrgUnit.Kind.TOWNSHIP, None, False),
    ],
)
def test_unit_kinds_stand_under_allowed_parents(world, kind, parent_kind, ok):
    parents = {"county": world.home.county, "region": world.region, "town": world.home.town, None: None}
    unit = OrgUnit(kind=kind, name="新单位", parent=parents[parent_kind])
    if ok:
        unit.full_clean()
    else:
        with pytest.raises(ValidationError):
            unit.full_clean()


def test_a_unit_cannot_move_under_its_own_child(world):
    town = world.home.town
    town.parent = world.home.village
    with pytest.raises(ValidationError):
        town.clean()


def test_only_group_kinds_have_study_groups(world):
    group = StudyGroup(unit=world.home.village, name="x")
    with pytest.raises(ValidationError):
        group.full_clean()


def test_one_group_per_unit(world):
    with pytest.raises(IntegrityError):
        StudyGroup.objects.create(unit=world.home.dept, name="第二个")


def test_member_who_left_in_june_is_in_january_not_july(world):
    group = world.home.dept_group
    january = set(m.person for m in group.memberships.active_on(datetime.date(2024, 1, 15)))
    july = set(m.person for m in group.memberships.active_on(datetime.date(2024, 7, 1)))
    assert world.home.left in january
    assert world.home.left not in july
    assert world.home.member in january and world.home.member in july


def test_membership_end_before_start_is_refused(world):
    m = Membership(
        study_group=world.home.dept_group,
        person=world.home.town_member,
        start_date=datetime.date(2024, 5, 1),
        end_date=datetime.date(2024, 4, 1),
    )
    with pytest.raises(ValidationError):
        m.full_clean()
    with pytest.raises(IntegrityError):
        m.save()


def test_overlapping_membership_is_refused_but_a_later_one_is_fine(world):
    person = world.home.left  # served until 2024-06-30
    overlapping = Membership(study_group=world.home.dept_group, person=person, start_date=datetime.date(2024, 6, 1))
    with pytest.raises(ValidationError):
        overlapping.full_clean()
    later = Membership(study_group=world.home.dept_group, person=person, start_date=datetime.date(2024, 7, 1))
    later.full_clean()


def test_same_name_in_one_unit_is_refused(world):
    with pytest.raises(IntegrityError):
        PersonFactory(unit=world.home.dept, name=world.home.member.name)


def test_roster_orders_leader_first(db):
    county = OrgUnitFactory()
    group = MembershipFactory(study_group__unit=county, role=Membership.Role.MEMBER, person__name="乙").study_group
    MembershipFactory(study_group=group, role=Membership.Role.LEADER, person__name="甲")
    roster = list(group.memberships_on(datetime.date(2025, 1, 1)))
    assert [m.role for m in roster] == [Membership.Role.LEADER, Membership.Role.MEMBER]


def test_changes_are_kept_with_who_and_when(world):
    person = world.home.member
    person._history_user = world.users.staff
    person.title = "副局长"
    person.save()
    latest = person.history.first()
    assert latest.history_type == "~" and latest.title == "副局长"
    assert latest.history_user == world.users.staff
    assert person.history.count() == 2
