"""Core's part of the demo: the org tree, one study group per unit, people and memberships, the demo logins.

The organizations, groups and people are written with :func:`core.scoping.bulk_create_audited` (history
rows included), a few thousand at a time; ``OrgUnit.path`` is set here because bulk creation skips
``save()``. The names and titles come from ``demo/data/core/``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from core.models import Membership, OrgUnit, Person, Role, StudyGroup, User
from core.scoping import bulk_create_audited
from demo.context import DemoContext, DemoCounty, GroupSpec, data, person_name, random_day, split_name, unique
from demo.writers import BATCH_SIZE

DEMO_USERNAMES = ("staff", "inspector", "secretary", "member", "auditor")

_BODY = {
    "O": (OrgUnit.PartyBody.COMMITTEE, ""),
    "G": (OrgUnit.PartyBody.GROUP, "党组"),
    "C": (OrgUnit.PartyBody.COMMITTEE, "党委"),
    "W": (OrgUnit.PartyBody.COMMITTEE, "党工委"),
}

# Chance per seat and year that the holder leaves (transfer, retirement, promotion elsewhere).
TURNOVER = {
    Membership.Role.LEADER: 0.12,
    Membership.Role.DEPUTY: 0.15,
    Membership.Role.MEMBER: 0.13,
    Membership.Role.SECRETARY: 0.18,
}
# When a leader leaves, the chance that the first deputy takes over (and the deputy seat is refilled).
PROMOTION = 0.4
FEMALE_SHARE = {
    Membership.Role.LEADER: 0.12,
    Membership.Role.DEPUTY: 0.22,
    Membership.Role.MEMBER: 0.35,
    Membership.Role.SECRETARY: 0.55,
}
# Group sizes (seats) by kind of unit: initial draw (lo, hi) and the bounds used to hit the total.
GROUP_SIZE = {"county": ((13, 16), (12, 18)), "township": ((9, 14), (7, 16)), "department": ((7, 13), (6, 15))}


def build_tree(ctx: DemoContext) -> None:
    """The tree, groups, people and accounts; accounts before any step: they author the demo county's records."""
    for key, label, build in (
        ("org", "organizations", build_org_tree),
        ("groups", "study groups", build_study_groups),
        ("members", "people and memberships", build_memberships),
        ("accounts", "demo accounts", build_accounts),
    ):
        ctx.stage(label)
        build(ctx, ctx.rng(key))


def _han_place(rng: random.Random) -> str:
    places = data("core/places.json")
    return rng.choice(places["han_first"]) + rng.choice(places["han_last"])


def _mongol_place(rng: random.Random) -> str:
    places = data("core/places.json")
    return rng.choice(places["mongolian_first"]) + rng.choice(places["mongolian_last"])


def build_org_tree(ctx: DemoContext, rng: random.Random) -> None:
    """Region > counties > departments and townships > village (嘎查/村) and community (社区) branches."""
    scale, places = ctx.scale, data("core/places.json")
    departments = data("core/departments.json")["units"]
    name = rng.choice(places["regions"])
    region = OrgUnit(kind=OrgUnit.Kind.REGION, name=name, short_name=name[0], party_body=OrgUnit.PartyBody.COMMITTEE)
    region.path = "/"
    _create_units([region])
    ctx.region = region

    county_names = rng.sample(places["counties"], scale.counties)
    counties = []
    for i, cname in enumerate(county_names):
        unit = OrgUnit(
            parent=region,
            kind=OrgUnit.Kind.COUNTY,
            name=cname,
            short_name=cname[0],
            party_body=OrgUnit.PartyBody.COMMITTEE,
            sort_order=i + 1,
            path=region.descendant_prefix,
        )
        counties.append(DemoCounty(unit=unit, q=cname[-1]))
    _create_units([c.unit for c in counties])

    # Township names are unique across the region (the county seat towns take the county's name).
    used_townships = {c.unit.name[:-1] + "镇" for c in counties}
    units = []
    for county in counties:
        cname, banner = county.unit.name, county.q == "旗"
        for i, row in enumerate(departments[: scale.departments]):
            template = row["banner"] if banner or row["county"] is None else row["county"]
            dname = template.format(n=cname) if "{n}" in template else cname + template
            county.departments.append(
                OrgUnit(
                    parent=county.unit,
                    kind=OrgUnit.Kind.DEPARTMENT,
                    name=dname,
                    party_body=_BODY[row["body"]][0],
                    sort_order=i + 1,
                )
            )
        for i in range(scale.townships):
            if i == 0:
                tname = cname[:-1] + "镇"
            else:
                if banner:
                    kind = rng.choices(["镇", "苏木", "乡"], weights=[40, 45, 15])[0]
                else:
                    kind = rng.choices(["镇", "乡"], weights=[55, 45])[0]
                mongol = kind == "苏木" or (banner and rng.random() < 0.3)
                tname = unique(
                    lambda k=kind, m=mongol: (_mongol_place(rng) if m else _han_place(rng)) + k, used_townships
                )
            county.townships.append(
                OrgUnit(
                    parent=county.unit,
                    kind=OrgUnit.Kind.TOWNSHIP,
                    name=tname,
                    party_body=OrgUnit.PartyBody.COMMITTEE,
                    sort_order=scale.departments + i + 1,
                )
            )
        for unit in county.departments + county.townships:
            unit.path = county.unit.descendant_prefix
        units += county.departments + county.townships
    _create_units(units)

    branches = []
    for county in counties:
        for town_index, town in enumerate(county.townships):
            used: set[str] = set()
            count = rng.randint(*scale.branches)
            seat = town_index == 0
            for i in range(count):
                if town.name.endswith("苏木"):
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "嘎查")
                elif (seat and i < count // 2) or (not seat and i == 0 and town.name.endswith("镇")):
                    kind, suffix = (OrgUnit.Kind.COMMUNITY, "社区")
                elif county.q == "旗" and rng.random() < 0.35:
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "嘎查")
                else:
                    kind, suffix = (OrgUnit.Kind.VILLAGE, "村")
                if suffix == "社区":
                    bname = unique(lambda: rng.choice(places["community_names"]) + "社区", used)
                elif suffix == "嘎查":
                    bname = unique(lambda: _mongol_place(rng) + "嘎查", used)
                else:
                    bname = unique(
                        lambda: (rng.choice(places["village_names"]) if rng.random() < 0.3 else _han_place(rng)) + "村",
                        used,
                    )
                branch = OrgUnit(
                    parent=town,
                    kind=kind,
                    name=bname,
                    party_body=OrgUnit.PartyBody.BRANCH,
                    sort_order=i + 1,
                    path=town.descendant_prefix,
                )
                county.branches.append(branch)
                branches.append(branch)
    _create_units(branches)

    ctx.counties = counties
    ctx.units = [region] + [c.unit for c in counties] + units + branches


def _create_units(units: list[OrgUnit]) -> None:
    # Paths are set by the caller from the already-saved parents (bulk creation skips save()).
    bulk_create_audited(OrgUnit, units, batch_size=BATCH_SIZE)


def build_study_groups(ctx: DemoContext, rng: random.Random) -> None:
    """One group per county committee, department and township, with the titles its seats carry."""
    titles = data("core/titles.json")
    departments = data("core/departments.json")["units"]
    specs = []
    for county in ctx.counties:
        q, cname = county.q, county.unit.name
        seats = titles["county"]
        specs.append(
            GroupSpec(
                group=StudyGroup(unit=county.unit, name=f"{cname}委理论学习中心组"),
                county=county,
                category="county",
                leader_title=seats["leader"].format(q=q),
                deputy_titles=[t.format(q=q) for t in seats["deputies"]],
                member_titles=[t.format(q=q) for t in seats["members"]],
                secretary_title=rng.choice(seats["secretaries"]).format(q=q),
                secretary_unit=county.propaganda,
            )
        )
        seats = titles["department"]
        for unit, row in zip(county.departments, departments, strict=False):
            head, body, deputy = row["head"], row["body"], row["deputy"]
            label = _BODY[body][1]
            vice = _vice(head, deputy, body)
            if body in ("O", "W"):
                leader_title, rank = head, "" if body == "O" else "党工委委员、"
            else:
                leader_title, rank = f"{label}书记、{head}", f"{label}{'成员' if body == 'G' else '委员'}、"
            deputy_title = deputy if body == "W" else f"{rank}{deputy or vice}"
            sections = rng.sample(seats["sections"], 5)
            members = [f"{rank}{vice}", f"{rank}{vice}"]
            if body == "G":
                members.append("党组成员、纪检监察组组长")
            members += ["办公室主任"] + [f"{s}科科长" for s in sections] + seats["staff"]
            specs.append(
                GroupSpec(
                    group=StudyGroup(unit=unit, name=f"{unit.name}{label}理论学习中心组"),
                    county=county,
                    category="department",
                    leader_title=leader_title,
                    deputy_titles=[deputy_title, deputy_title],
                    member_titles=members,
                    secretary_title=rng.choice(seats["secretaries"]),
                    secretary_unit=unit,
                )
            )
        seats = titles["township"]
        for unit in county.townships:
            kind = "苏木" if unit.name.endswith("苏木") else unit.name[-1]
            head = seats["heads"][kind]
            specs.append(
                GroupSpec(
                    group=StudyGroup(unit=unit, name=f"{unit.name}党委理论学习中心组"),
                    county=county,
                    category="township",
                    leader_title=seats["leader"],
                    deputy_titles=[t.format(head=head) for t in seats["deputies"]],
                    member_titles=[t.format(head=head) for t in seats["members"]],
                    secretary_title=rng.choice(seats["secretaries"]),
                    secretary_unit=unit,
                )
            )
    groups = [spec.group for spec in specs]
    bulk_create_audited(StudyGroup, groups, batch_size=BATCH_SIZE)
    for spec in specs:
        spec.county.groups.append(spec.group)
    ctx.groups, ctx.specs = groups, specs


def _vice(head: str, deputy: str | None, body: str) -> str:
    """The title of the other deputy heads (the ones who are plain members of the group)."""
    if body == "W":
        return "管委会副主任"
    if deputy is None:
        return f"副{head}"
    if "、" in head or deputy.startswith("副"):
        return deputy  # 纪委副书记、监委副主任; 副校长 under a 常务副校长
    if "副" in deputy:
        return f"副{head}"  # 常务副部长 is one of the 副部长
    return f"副{deputy}"  # 总经理, 行长, 大队长


def _group_sizes(ctx: DemoContext, rng: random.Random) -> list[int]:
    """Seats per group, drawn by kind of unit and then nudged so that they add up to the scale's total."""
    sizes = [rng.randint(*GROUP_SIZE[spec.category][0]) for spec in ctx.specs]
    diff = ctx.scale.members - sum(sizes)
    while diff:
        i = rng.randrange(len(sizes))
        lo, hi = GROUP_SIZE[ctx.specs[i].category][1]
        if diff > 0 and sizes[i] < hi:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > lo:
            sizes[i] -= 1
            diff += 1
    return sizes


@dataclass
class _Seat:
    role: str
    title: str
    unit: OrgUnit
    held: list[Membership] = field(default_factory=list)  # in time order; the last one is open


@dataclass
class _Roster:
    """Everyone who held a seat in the groups simulated so far, in memory until written."""

    rng: random.Random
    people: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # id(membership) -> the person's title meanwhile
    used_names: dict[int, set[str]] = field(default_factory=dict)  # unit pk -> names taken

    def occupy(self, group: StudyGroup, seat: _Seat, day: datetime.date, person: Person | None = None, mongol=0.0):
        """``person`` (or a new one) takes ``seat`` from ``day`` on."""
        if person is None:
            female = self.rng.random() < FEMALE_SHARE[seat.role]
            gender = Person.Gender.FEMALE if female else Person.Gender.MALE
            surname, given = person_name(self.rng, gender, self.used_names.setdefault(seat.unit.pk, set()), mongol)
            person = Person(unit=seat.unit, name=surname + given, gender=gender, title=seat.title)
            self.people.append(person)
        m = Membership(
            study_group=group,
            person=person,
            role=seat.role,
            role_order=Membership.ROLE_ORDER[seat.role],
            start_date=day,
        )
        self.titles[id(m)] = seat.title
        seat.held.append(m)
        self.memberships.append(m)


def build_memberships(ctx: DemoContext, rng: random.Random) -> None:
    """Each group's seats with their holders over three years: people leave mid-year and the next holder
    starts the day after (a leader may be followed by the first deputy, whose seat is then refilled)."""
    today, start = ctx.today, ctx.start
    roster = _Roster(rng)
    R = Membership.Role
    month = datetime.timedelta(days=30)

    for spec, size in zip(ctx.specs, _group_sizes(ctx, rng), strict=True):
        mongol = 0.22 if spec.county.q == "旗" else 0.04
        n_deputies = 2 if spec.category == "county" or size >= 11 else 1
        n_members = size - 2 - n_deputies
        group, unit, pool = spec.group, spec.group.unit, spec.member_titles
        seats = [_Seat(R.LEADER, spec.leader_title, unit)]
        seats += [_Seat(R.DEPUTY, t, unit) for t in spec.deputy_titles[:n_deputies]]
        seats += [_Seat(R.MEMBER, pool[min(i, len(pool) - 1)], unit) for i in range(n_members)]
        seats.append(_Seat(R.SECRETARY, spec.secretary_title, spec.secretary_unit))

        for seat in seats:
            years_before = 3 if seat.role == R.SECRETARY else 6
            roster.occupy(
                group, seat, start - datetime.timedelta(days=rng.randint(20, 365 * years_before)), None, mongol
            )

        events = []
        for index, seat in enumerate(seats):
            for year in ctx.years:
                if rng.random() < TURNOVER[seat.role]:
                    events.append((random_day(rng, year), index))
        events.sort()
        deputy = next((seat for seat in seats if seat.role == R.DEPUTY), None)
        for day, index in events:
            seat = seats[index]
            current = seat.held[-1]
            if day < current.start_date + month:
                continue  # too soon after taking the seat
            current.end_date = day
            nxt = day + datetime.timedelta(days=1)
            if (
                seat.role == R.LEADER
                and deputy is not None
                and rng.random() < PROMOTION
                and deputy.held[-1].start_date + month <= day
            ):
                promoted = deputy.held[-1]
                promoted.end_date = day
                roster.occupy(group, seat, nxt, promoted.person)
                roster.occupy(group, deputy, nxt, None, mongol)
            else:
                roster.occupy(group, seat, nxt, None, mongol)

    # Nothing after today: later holders are dropped and whoever holds a seat today keeps it open.
    kept = [m for m in roster.memberships if m.start_date <= today]
    for m in kept:
        if m.end_date is not None and m.end_date >= today:
            m.end_date = None
    latest: dict[int, Membership] = {}
    for m in kept:
        key = id(m.person)
        if key not in latest or m.start_date > latest[key].start_date:
            latest[key] = m
    people = [p for p in roster.people if id(p) in latest]
    for person in people:
        person.title = roster.titles[id(latest[id(person)])]

    bulk_create_audited(Person, people, batch_size=BATCH_SIZE)
    bulk_create_audited(Membership, kept, batch_size=BATCH_SIZE)
    ctx.people, ctx.memberships = people, kept


def build_accounts(ctx: DemoContext, rng: random.Random) -> None:
    """The five demo logins, all with settings.DEMO_PASSWORD; no other account is ever created here."""
    county = ctx.counties[0]
    groups = {spec.group.unit.name: spec for spec in ctx.specs if spec.county is county}
    preferred = f"{county.unit.name}教育局"
    spec = groups.get(preferred) or next(s for s in ctx.specs if s.county is county and s.category == "department")
    group = spec.group
    today = ctx.today
    current = [m for m in ctx.memberships if m.study_group is group and m.is_active_on(today)]
    secretary = next(m.person for m in current if m.role == Membership.Role.SECRETARY)
    member = min((m for m in current if m.role == Membership.Role.MEMBER), key=lambda m: m.start_date).person

    # The inspector is a person of the county's propaganda department, as inspectors are (one who is
    # not the secretary or member account).
    inspector = next(p for p in ctx.people if p.unit_id == county.propaganda.pk and p not in (secretary, member))

    password = make_password(settings.DEMO_PASSWORD)  # hashed once: five accounts, one known password
    used: set[str] = set()

    def account(username: str, role: str, person: Person | None = None, **scope) -> User:
        if person is not None:
            last, first = split_name(person.name)
        else:
            gender = Person.Gender.FEMALE if rng.random() < 0.4 else Person.Gender.MALE
            last, first = person_name(rng, gender, used)
        user = User(username=username, role=role, first_name=first, last_name=last, password=password, **scope)
        if person is not None:
            user.person = person
        user.save()
        return user

    ctx.accounts = {
        "staff": account("staff", Role.STAFF, scope_unit=county.unit),
        "inspector": account("inspector", Role.INSPECTOR, person=inspector, scope_unit=county.unit),
        "secretary": account("secretary", Role.SECRETARY, person=secretary, study_group=group),
        "member": account("member", Role.MEMBER, person=member),
        "auditor": account("auditor", Role.AUDITOR, scope_unit=ctx.region),
    }
