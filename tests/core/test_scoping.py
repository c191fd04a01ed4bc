import pytest

from core.models import Membership, OrgUnit, Person, StudyGroup
from core.scoping import AuditBypassError, bulk_create_audited


def test_staff_sees_own_county_only(world):
    staff = world.users.staff
    groups = set(StudyGroup.objects.visible_to(staff))
    assert groups == {world.home.dept_group, world.home.town_group}
    people = set(Person.objects.visible_to(staff))
    assert world.other.member not in people and world.home.member in people


def test_region_auditor_sees_both_counties(world):
    groups = set(StudyGroup.objects.visible_to(world.users.region_auditor))
    assert {world.home.dept_group, world.other.dept_group} <= groups


def test_subtree_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        units = list(OrgUnit.objects.under(world.region))
    # region, 2 counties, 2x(dept, town, village)
    assert len(units) == 9
    assert world.home.village in units


def test_secretary_sees_own_group_and_its_people(world):
    sec = world.users.secretary
    assert list(StudyGroup.objects.visible_to(sec)) == [world.home.dept_group]
    people = set(Person.objects.visible_to(sec))
    assert {world.home.leader, world.home.member, world.home.left} <= people
    assert world.home.town_member not in people


def test_member_sees_own_groups_and_memberships(world):
    member = world.users.member
    assert list(StudyGroup.objects.visible_to(member)) == [world.home.dept_group]
    assert not Membership.objects.visible_to(member).filter(study_group=world.home.town_group).exists()


def test_read_only_roles_edit_nothing(world):
    for user in (world.users.inspector, world.users.member, world.users.auditor, world.users.norole):
        assert not Person.objects.editable_by(user).exists()


def test_queryset_update_is_refused(world):
    with pytest.raises(AuditBypassError):
        Person.objects.filter(pk=world.home.member.pk).update(title="x")


def test_bulk_create_audited_writes_history(world):
    people = [Person(unit=world.home.dept, name=f"批量{i}", gender="F") for i in range(3)]
    with pytest.raises(AuditBypassError):
        Person.objects.bulk_create(people)
    bulk_create_audited(Person, people, user=world.users.staff)
    assert Person.history.filter(name__startswith="批量", history_user=world.users.staff).count() == 3


def test_personal_records_are_private_among_members(world):
    from studygroups.models import ExamScore

    own = ExamScore.objects.create(person=world.home.member, year=2025, score=90)
    colleague = ExamScore.objects.create(person=world.home.leader, year=2025, score=70)
    assert list(ExamScore.objects.visible_to(world.users.member)) == [own]
    assert set(ExamScore.objects.visible_to(world.users.secretary)) == {own, colleague}


def test_county_plans_and_readings_are_read_below_but_written_by_staff_only(world):
    from studygroups.models import Plan, RequiredReading

    county_plan = Plan.objects.create(level="county", unit=world.home.county, year=2025, title="县计划")
    group_plan = Plan.objects.create(
        level="annual", unit=world.home.dept, study_group=world.home.dept_group, year=2025, title="组计划"
    )
    other_plan = Plan.objects.create(level="county", unit=world.other.county, year=2025, title="外县计划")
    reading = RequiredReading.objects.create(unit=world.home.county, year=2025, title="必读")
    secretary, member, staff = world.users.secretary, world.users.member, world.users.staff
    assert set(Plan.objects.visible_to(secretary)) == {county_plan, group_plan}
    assert list(Plan.objects.editable_by(secretary)) == [group_plan]
    assert set(Plan.objects.editable_by(staff)) == {county_plan, group_plan}
    assert other_plan not in Plan.objects.visible_to(member)
    assert list(RequiredReading.objects.visible_to(member)) == [reading]
    assert not RequiredReading.objects.editable_by(secretary).exists()
