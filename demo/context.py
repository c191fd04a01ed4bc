"""What every demo step works with: the scale, the context the steps fill, names, dates and the data files.

Everything depends only on the seed, the scale and the reference day ``today`` (default: the local
date). "Three years" are ``today``'s calendar year and the two before it: each step simulates the full
three calendar years and then drops whatever would lie after ``today``, so the random draws never
depend on the day of the run. Each step draws from its own ``ctx.rng(key)``, seeded from the run's seed
and the key, so a step added later never changes what the earlier steps build.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from core.models import Membership, OrgUnit, Person, StudyGroup, User

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def data(name: str) -> Any:
    """The data file ``demo/data/<name>`` (JSON), e.g. ``data("core/names.json")["surnames"]``."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def weighted(table: dict[str, int]) -> tuple[list[str], list[int]]:
    """A weighted list of a data file ({item: weight}) as ``random.choices`` takes it."""
    return list(table), list(table.values())


# --------------------------------------------------------------------------------------------------
# Scales (DOMAIN.md, "Scale to plan for"): groups = counties x (1 county group + departments +
# townships); ``members`` is the exact number of seats held on ``today`` across all groups.


@dataclass(frozen=True)
class Scale:
    name: str
    counties: int
    departments: int  # per county
    townships: int  # per county
    members: int  # seats held today, all groups together
    branches: tuple[int, int]  # villages/communities per township (min, max)

    @property
    def groups(self) -> int:
        return self.counties * (1 + self.departments + self.townships)


SCALES = {
    "demo": Scale("demo", counties=1, departments=19, townships=10, members=300, branches=(4, 8)),
    "county": Scale("county", counties=1, departments=125, townships=24, members=1800, branches=(6, 12)),
    "prefecture": Scale("prefecture", counties=10, departments=125, townships=24, members=18000, branches=(6, 12)),
}


# --------------------------------------------------------------------------------------------------
# The context the steps fill.


@dataclass
class DemoCounty:
    unit: OrgUnit
    q: str  # "旗" or "县"
    departments: list[OrgUnit] = field(default_factory=list)
    townships: list[OrgUnit] = field(default_factory=list)
    branches: list[OrgUnit] = field(default_factory=list)
    groups: list[StudyGroup] = field(default_factory=list)

    @property
    def propaganda(self) -> OrgUnit:
        return self.departments[0]


@dataclass
class GroupSpec:
    """What the builders know about one group besides its row: county, kind of unit, titles of its seats."""

    group: StudyGroup
    county: DemoCounty
    category: str  # "county", "department" or "township"
    leader_title: str
    deputy_titles: list[str]
    member_titles: list[str]  # drawn in order, then the last ones repeat
    secretary_title: str
    secretary_unit: OrgUnit


@dataclass
class DemoContext:
    """One seed_demo run: core's tree, people and accounts (built first), then what each step adds.

    A step reads what core built (``groups``, ``specs``, ``rosters()``, ``accounts``...), counts what it
    writes in ``counts`` (the writers of :mod:`demo.writers` do) and may leave what later steps need in
    ``state`` under its name (the studygroups step leaves its sessions there).
    """

    scale: Scale
    seed: int
    today: datetime.date
    region: OrgUnit | None = None
    counties: list[DemoCounty] = field(default_factory=list)
    units: list[OrgUnit] = field(default_factory=list)
    groups: list[StudyGroup] = field(default_factory=list)
    specs: list[GroupSpec] = field(default_factory=list)  # one per group, in the order of ``groups``
    people: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    accounts: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    progress: Any = None  # the command's tqdm bar, for counts while a long step runs
    _rosters: list[list[Membership]] | None = None
    _person_accounts: dict[int, User] | None = None
    _county_of_group: list[int] | None = None

    @property
    def years(self) -> tuple[int, int, int]:
        return (self.today.year - 2, self.today.year - 1, self.today.year)

    @property
    def start(self) -> datetime.date:
        """First day of the three years."""
        return datetime.date(self.today.year - 2, 1, 1)

    @property
    def now(self) -> datetime.datetime:
        """The reference moment: the start of ``today``. Everything entered lies before it; sessions
        from it on are in the future."""
        return moment(self.today)

    def rng(self, key: str) -> random.Random:
        # A string seed is hashed with SHA-512: stable across runs and Python processes.
        return random.Random(f"seed_demo:{self.seed}:{key}")

    def stage(self, label: str) -> None:
        """Say on the progress bar what is being built."""
        if self.progress is not None:
            self.progress.set_description(label)
            if hasattr(self.progress, "set_postfix_str"):
                self.progress.set_postfix_str("")

    def rosters(self) -> list[list[Membership]]:
        """Each group's memberships (all three years), in the order of ``groups``."""
        if self._rosters is None:
            index = {id(group): i for i, group in enumerate(self.groups)}
            self._rosters = [[] for _ in self.groups]
            for m in self.memberships:
                self._rosters[index[id(m.study_group)]].append(m)
        return self._rosters

    def county_index(self, group_index: int) -> int:
        if self._county_of_group is None:
            index = {id(c): i for i, c in enumerate(self.counties)}
            self._county_of_group = [index[id(spec.county)] for spec in self.specs]
        return self._county_of_group[group_index]

    def group_author(self, group_index: int) -> User | None:
        """Who enters a group's records: the demo secretary for their group, nobody (None) elsewhere."""
        secretary = self.accounts.get("secretary")
        if secretary is not None and secretary.study_group is self.groups[group_index]:
            return secretary
        return None

    def account_of(self, person: Person) -> User | None:
        if self._person_accounts is None:
            from core import policy

            # Only accounts whose role keeps records enter a person's own (an inspector's person does not).
            self._person_accounts = {
                id(u.person): u
                for u in self.accounts.values()
                if u.person_id is not None and policy.can(u, policy.Action.KEEP_RECORDS)
            }
        return self._person_accounts.get(id(person))

    def person_author(self, person: Person, group_index: int) -> User | None:
        """Who enters a person's own records: their account, else their group's secretary account."""
        return self.account_of(person) or self.group_author(group_index)

    def county_author(self, county_index: int) -> User | None:
        """Who enters a county's plans, reading lists and exam scores: the demo staff account in its county."""
        staff = self.accounts.get("staff")
        if staff is not None and staff.scope_unit is self.counties[county_index].unit:
            return staff
        return None


# --------------------------------------------------------------------------------------------------
# Names: the common surnames (by frequency) and given-name characters, Mongolian names in banners (旗).

_NAMES = data("core/names.json")
_SURNAME_WEIGHTS = [1.0 / (i + 6) for i in range(len(_NAMES["surnames"]))]
_SURNAME_CUM = [sum(_SURNAME_WEIGHTS[: i + 1]) for i in range(len(_SURNAME_WEIGHTS))]


def person_name(rng: random.Random, gender: str, used: set[str], mongol_share: float = 0.0) -> tuple[str, str]:
    """A name not in ``used`` (which it extends), as (family name, given name); Mongolian names have no family name."""
    female = gender == Person.Gender.FEMALE
    for _ in range(200):
        if rng.random() < mongol_share:
            surname, given = "", rng.choice(_NAMES["mongolian_female" if female else "mongolian_male"])
        else:
            if rng.random() < 0.01:
                surname = rng.choice(_NAMES["compound_surnames"])
            else:
                surname = rng.choices(_NAMES["surnames"], cum_weights=_SURNAME_CUM)[0]
            pool = _NAMES["given_female" if female else "given_male"]
            if rng.random() < 0.28:
                given = rng.choice(pool)
            else:
                given = rng.choice(_NAMES["given_first"] + pool) + rng.choice(pool)
        if surname + given not in used:
            used.add(surname + given)
            return surname, given
    raise RuntimeError("ran out of names")  # pragma: no cover - 200 misses in a row cannot happen at these sizes


def split_name(name: str) -> tuple[str, str]:
    """(family name, given name) of a generated name, for the account's last_name/first_name."""
    if name[:2] in _NAMES["compound_surnames"]:
        return name[:2], name[2:]
    if name in _NAMES["mongolian_male"] or name in _NAMES["mongolian_female"]:
        return "", name
    return name[:1], name[1:]


def unique(make: Callable[[], str], used: set[str]) -> str:
    """A name from ``make()`` not in ``used`` (which it extends)."""
    for _ in range(500):
        name = make()
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of place names")  # pragma: no cover


# --------------------------------------------------------------------------------------------------
# Dates and moments.


def moment(day: datetime.date, minutes: int = 0) -> datetime.datetime:
    """``minutes`` after local midnight of ``day``, as an aware datetime (Asia/Shanghai has no DST)."""
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())
    return start + datetime.timedelta(minutes=minutes)


def office_time(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return moment(day, rng.randint(8 * 60 + 30, 17 * 60 + 50))


def evening_time(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return moment(day, rng.randint(19 * 60, 22 * 60 + 40))


def weekday(rng: random.Random, year: int, month: int, lo: int, hi: int, used: set[datetime.date]) -> datetime.date:
    """A working day of the month between the ``lo``-th and ``hi``-th, not in ``used`` (which it extends)."""
    day = datetime.date(year, month, lo)
    for _ in range(30):
        day = datetime.date(year, month, rng.randint(lo, hi))
        if day.weekday() < 5 and day not in used:
            break
    used.add(day)
    return day


def day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def random_day(rng: random.Random, year: int) -> datetime.date:
    first = datetime.date(year, 1, 1)
    return first + datetime.timedelta(days=rng.randrange((datetime.date(year + 1, 1, 1) - first).days))


def year_span(m: Membership, year: int) -> tuple[datetime.date, datetime.date]:
    """The part of ``year`` in which ``m`` was held (first > last when none)."""
    first = max(m.start_date, datetime.date(year, 1, 1))
    last = min(m.end_date or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    return first, last
