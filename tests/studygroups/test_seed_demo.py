"""seed_demo: the demo region is complete, consistent, deterministic and safe to run."""

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from core.models import Role, User
from studygroups import demo
from studygroups.models import Membership, OrgUnit, Person, StudyGroup

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)
K = OrgUnit.Kind
R = Membership.Role
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,6}$")


@pytest.fixture
def demo_world():
    return demo.build("demo", seed=7, today=TODAY)


def snapshot():
    """Everything seed_demo wrote, by names and values (ids differ between runs)."""
    units = sorted(
        (u.kind, u.name, u.parent.name if u.parent else "", u.short_name, u.party_body, u.sort_order)
        for u in OrgUnit.objects.select_related("parent")
    )
    groups = sorted(StudyGroup.objects.values_list("unit__name", "name"))
    people = sorted(Person.objects.values_list("unit__name", "name", "gender", "title"))
    memberships = sorted(
        Membership.objects.values_list("study_group__name", "person__name", "role", "start_date", "end_date")
    )
    users = sorted(User.objects.values_list("username", "role", "last_name", "first_name"))
    return units, groups, people, memberships, users


def by_group(memberships):
    grouped = defaultdict(list)
    for m in memberships:
        grouped[m.study_group_id].append(m)
    return grouped


def test_demo_scale_builds_the_expected_numbers(demo_world):
    kinds = Counter(OrgUnit.objects.values_list("kind", flat=True))
    assert kinds[K.REGION] == 1 and kinds[K.COUNTY] == 1
    assert kinds[K.DEPARTMENT] == 19 and kinds[K.TOWNSHIP] == 10
    assert 40 <= kinds[K.VILLAGE] + kinds[K.COMMUNITY] <= 80 and kinds[K.COMMUNITY] >= 1
    assert StudyGroup.objects.count() == 30
    assert set(StudyGroup.objects.values_list("unit__kind", flat=True)) == {K.COUNTY, K.DEPARTMENT, K.TOWNSHIP}

    current = Membership.objects.active_on(TODAY)
    assert current.count() == 300  # the scale's member total, exactly
    assert current.values("person").distinct().count() == 300  # nobody holds two seats at once
    # Three years of turnover: people who left are kept with their ended memberships.
    assert 330 <= Person.objects.count() <= 450
    sizes = Counter(current.values_list("study_group", flat=True))
    assert min(sizes.values()) >= 6 and max(sizes.values()) <= 18
    assert demo_world.counts["current members"] == 300 and demo_world.counts["study groups"] == 30


def test_every_group_has_one_leader_and_one_secretary_every_day(demo_world):
    memberships = list(Membership.objects.all())
    days = [TODAY] + [datetime.date(y, m, 1) for y in demo_world.years for m in (1, 4, 7, 10)]
    days = [d for d in days if d <= TODAY]
    for group_id, rows in by_group(memberships).items():
        for day in days:
            roles = Counter(m.role for m in rows if m.is_active_on(day))
            assert roles[R.LEADER] == 1, (group_id, day)
            assert roles[R.SECRETARY] == 1, (group_id, day)
            assert 1 <= roles[R.DEPUTY] <= 2, (group_id, day)
            assert roles[R.MEMBER] >= 3, (group_id, day)


def test_memberships_respect_dates_and_never_overlap(demo_world):
    memberships = list(Membership.objects.all())
    per_person = defaultdict(list)
    for m in memberships:
        assert m.start_date <= TODAY, "nothing starts after the reference day"
        assert m.end_date is None or m.start_date <= m.end_date < TODAY
        assert m.role_order == Membership.ROLE_ORDER[m.role]
        per_person[m.study_group_id, m.person_id].append(m)
    for rows in per_person.values():
        rows.sort(key=lambda m: m.start_date)
        for before, after in zip(rows, rows[1:], strict=False):
            assert before.end_date is not None and before.end_date < after.start_date
    # Every person has a membership; people work in the group's unit (the county group's study
    # secretary comes from the propaganda department).
    assert not Person.objects.filter(memberships__isnull=True).exists()
    for m in Membership.objects.select_related("person", "study_group__unit").exclude(role=R.SECRETARY):
        assert m.person.unit_id == m.study_group.unit_id


def test_turnover_replaces_people_the_next_day(demo_world):
    memberships = list(Membership.objects.select_related("study_group"))
    ended = [m for m in memberships if m.end_date is not None and m.end_date.year in demo_world.years]
    assert len(ended) >= 30, "a few dozen seats changed hands over three years"
    starts = {(m.study_group_id, m.role, m.start_date) for m in memberships}
    for m in ended:
        assert (m.study_group_id, m.role, m.end_date + datetime.timedelta(days=1)) in starts

    # A member who left mid-year is on the roster before and not after.
    left = next(m for m in ended if m.end_date.month in (5, 6, 7, 8) and m.role == R.MEMBER)
    roster_before = set(left.study_group.memberships_on(left.end_date).values_list("person", flat=True))
    roster_after = set(
        left.study_group.memberships_on(left.end_date + datetime.timedelta(days=1)).values_list("person", flat=True)
    )
    assert left.person_id in roster_before and left.person_id not in roster_after
    assert len(roster_before) == len(roster_after)


def test_org_tree_paths_and_kinds(demo_world):
    units = list(OrgUnit.objects.select_related("parent"))
    for unit in units:
        assert unit.path == (unit.parent.descendant_prefix if unit.parent else "/"), unit
        unit.clean()  # the kind may stand under its parent
    region = OrgUnit.objects.get(kind=K.REGION)
    assert OrgUnit.objects.under(region).count() == len(units)
    county = OrgUnit.objects.get(kind=K.COUNTY)
    assert county.parent == region and len(county.short_name) == 1 and county.name[-1] in "旗县"
    for branch in OrgUnit.objects.filter(kind__in=OrgUnit.BRANCH_KINDS).select_related("parent"):
        assert branch.parent.kind == K.TOWNSHIP and branch.party_body == OrgUnit.PartyBody.BRANCH
        assert branch.name.endswith("社区" if branch.kind == K.COMMUNITY else ("村", "嘎查"))


def test_names_and_titles_look_real(demo_world):
    county = OrgUnit.objects.get(kind=K.COUNTY)
    q = county.name[-1]
    departments = set(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("name", flat=True))
    for name in (f"{county.name}委宣传部", f"{county.name}委组织部", f"{county.name}教育局", f"{county.name}财政局"):
        assert name in departments
    bodies = Counter(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("party_body", flat=True))
    assert bodies[OrgUnit.PartyBody.GROUP] > len(departments) / 2  # mostly 党组
    for town in OrgUnit.objects.filter(kind=K.TOWNSHIP):
        assert town.name.endswith(("镇", "乡", "苏木")) and town.party_body == OrgUnit.PartyBody.COMMITTEE
    group_names = set(StudyGroup.objects.values_list("name", flat=True))
    assert f"{county.name}委理论学习中心组" in group_names
    assert f"{county.name}教育局党组理论学习中心组" in group_names
    assert all(name.endswith("理论学习中心组") for name in group_names)

    people = list(Person.objects.all())
    assert all(CJK_NAME.match(p.name) for p in people)
    genders = Counter(p.gender for p in people)
    assert 0.15 < genders[Person.Gender.FEMALE] / len(people) < 0.5
    leaders = {
        m.person.title for m in Membership.objects.active_on(TODAY).filter(role=R.LEADER).select_related("person")
    }
    assert f"{q}委书记" in leaders and "党委书记" in leaders and "党组书记、局长" in leaders
    titles = " ".join(Person.objects.values_list("title", flat=True))
    for word in ("副局长", "科长", "人大主席", "纪委书记", "组织委员", "宣传委员"):
        assert word in titles


def test_history_rows_for_everything_created(demo_world):
    for model in (OrgUnit, StudyGroup, Person, Membership, User):
        assert model.history.filter(history_type="+").count() == model.objects.count() > 0, model


def test_demo_accounts_scopes_and_password(demo_world, settings):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == set(demo.DEMO_USERNAMES), "seed_demo creates no other account"
    for user in users.values():
        assert user.check_password(settings.DEMO_PASSWORD) and not user.is_superuser and not user.is_staff
        assert user.get_full_name()
    county = OrgUnit.objects.get(kind=K.COUNTY)
    region = OrgUnit.objects.get(kind=K.REGION)
    staff, inspector, secretary = users["staff"], users["inspector"], users["secretary"]
    member, auditor = users["member"], users["auditor"]
    assert (staff.role, staff.scope_unit) == (Role.STAFF, county)
    assert (inspector.role, inspector.scope_unit) == (Role.INSPECTOR, county)
    assert (auditor.role, auditor.scope_unit) == (Role.AUDITOR, region)
    assert secretary.role == Role.SECRETARY and secretary.study_group.unit.kind == K.DEPARTMENT
    group = secretary.study_group
    assert group.unit.parent == county
    # The secretary account is the group's current study secretary; the member account a current member.
    current = {m.person_id: m.role for m in group.memberships_on(TODAY)}
    assert current[secretary.person_id] == R.SECRETARY
    assert member.role == Role.MEMBER and current[member.person_id] == R.MEMBER
    assert secretary.get_full_name() == secretary.person.name and member.get_full_name() == member.person.name

    assert StudyGroup.objects.visible_to(staff).count() == 30
    assert StudyGroup.objects.visible_to(inspector).count() == 30
    assert OrgUnit.objects.visible_to(auditor).count() == OrgUnit.objects.count()
    assert list(StudyGroup.objects.visible_to(secretary)) == [group]
    assert Person.objects.visible_to(secretary).filter(memberships__study_group=group).exists()
    assert set(Membership.objects.visible_to(member).values_list("study_group", flat=True)) == {group.pk}
    assert Person.objects.visible_to(staff).count() == Person.objects.count()


@override_settings(DEMO_PASSWORD="another-demo-pass-42")
def test_demo_password_comes_from_settings():
    demo.build("demo", seed=3, today=TODAY)
    for user in User.objects.all():
        assert user.check_password("another-demo-pass-42") and not user.check_password("demo12345")


def test_same_seed_same_data_other_seed_other_data():
    demo.build("demo", seed=11, today=TODAY)
    first = snapshot()
    deleted = demo.flush()
    assert deleted["studygroups.Membership"] == len(first[3])
    assert not OrgUnit.objects.exists() and not Person.objects.exists() and not User.objects.exists()
    assert OrgUnit.history.filter(history_type="-").count() == len(first[0])  # deletions are audited

    demo.build("demo", seed=11, today=TODAY)
    assert snapshot() == first

    demo.flush()
    demo.build("demo", seed=12, today=TODAY)
    other = snapshot()
    assert other[2] != first[2]  # different people
    assert set(other[2]).isdisjoint(first[2]) or len(set(other[2]) & set(first[2])) < 10
    assert len(other[3]) > 0 and Membership.objects.active_on(TODAY).count() == 300


def test_command_fills_an_empty_database_once():
    out = io.StringIO()
    call_command("seed_demo", "--scale", "demo", "--seed", "5", "--no-progress", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "30 study groups" in text
    for username in demo.DEMO_USERNAMES:
        assert username in text
    # Default reference day: today; nothing lies in the future.
    assert not Membership.objects.filter(start_date__gt=timezone.localdate()).exists()
    assert Membership.objects.active_on(timezone.localdate()).count() == 300
    before = snapshot()

    with pytest.raises(CommandError, match="already has data"):
        call_command("seed_demo", "--no-progress", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--no-progress", stdout=out)
    assert "not loaded" in out.getvalue()
    assert snapshot() == before

    out = io.StringIO()
    call_command("seed_demo", "--flush", "--seed", "5", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "Deleted" in out.getvalue()
    assert snapshot() == before
    assert User.objects.count() == 5


def test_flush_keeps_real_accounts_safe(demo_world):
    county = OrgUnit.objects.get(kind=K.COUNTY)
    User.objects.create_user("zhangwei", role=Role.STAFF, scope_unit=county)
    with pytest.raises(CommandError, match="zhangwei"):
        call_command("seed_demo", "--flush", "--no-progress", stdout=io.StringIO())
    assert OrgUnit.objects.exists() and User.objects.count() == 6


def test_several_counties_share_one_region():
    """The prefecture scale's shape, small: short names and township names unique across the region."""
    scale = demo.Scale("mini", counties=3, departments=8, townships=4, members=3 * 13 * 10, branches=(2, 3))
    world = demo.build(scale, seed=2, today=TODAY)
    counties = list(OrgUnit.objects.filter(kind=K.COUNTY))
    assert len(counties) == 3 and len({c.short_name for c in counties}) == 3
    towns = list(OrgUnit.objects.filter(kind=K.TOWNSHIP).values_list("name", flat=True))
    assert len(towns) == 12 == len(set(towns))
    assert StudyGroup.objects.count() == 39 and Membership.objects.active_on(TODAY).count() == 390
    staff, auditor = world.accounts["staff"], world.accounts["auditor"]
    assert StudyGroup.objects.visible_to(staff).count() == 13
    assert StudyGroup.objects.visible_to(auditor).count() == 39
    for unit in OrgUnit.objects.select_related("parent"):
        assert unit.path == (unit.parent.descendant_prefix if unit.parent else "/")
    assert demo.SCALES["prefecture"].groups == 1500 and demo.SCALES["prefecture"].members == 18000
    assert demo.SCALES["county"].groups == 150 and demo.SCALES["demo"].groups == 30


@pytest.mark.slow
def test_county_scale():
    world = demo.build("county", seed=1, today=TODAY)
    kinds = Counter(OrgUnit.objects.values_list("kind", flat=True))
    assert (kinds[K.COUNTY], kinds[K.DEPARTMENT], kinds[K.TOWNSHIP]) == (1, 125, 24)
    assert StudyGroup.objects.count() == 150
    current = list(Membership.objects.active_on(TODAY))
    assert len(current) == 1800
    roles = by_group(current)
    assert len(roles) == 150
    for rows in roles.values():
        counted = Counter(m.role for m in rows)
        assert counted[R.LEADER] == 1 and counted[R.SECRETARY] == 1
    assert 2000 <= Person.objects.count() <= 2700
    assert len(world.memberships) == Membership.objects.count()
    names = list(OrgUnit.objects.filter(kind=K.DEPARTMENT).values_list("name", flat=True))
    assert len(names) == len(set(names)) == 125


def test_flush_refuses_when_records_it_does_not_know_refer_to_the_tree(demo_world, monkeypatch):
    # As if a later model (here: Membership) had been added without joining FLUSH_ORDER.
    monkeypatch.setattr(demo, "FLUSH_ORDER", [Person, StudyGroup, OrgUnit])
    with pytest.raises(demo.DemoDataError, match="studygroups.Membership"):
        demo.flush()
    assert Person.objects.count() == len(demo_world.people)
