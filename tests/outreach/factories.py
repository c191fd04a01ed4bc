"""Builders for outreach records (plain functions: each test says what it needs)."""

import datetime

from core.models import OrgUnit, Role
from outreach.models import BranchHouseholds, Column, Need, PartyDay, Post
from tests.factories import OrgUnitFactory, StudyGroupFactory, UserFactory


def township(county, name: str):
    """A township with its study group."""
    unit = OrgUnitFactory(parent=county, kind=OrgUnit.Kind.TOWNSHIP, name=name)
    return StudyGroupFactory(unit=unit)


def village(town_unit, name: str):
    return OrgUnitFactory(parent=town_unit, kind=OrgUnit.Kind.VILLAGE, name=name, party_body=OrgUnit.PartyBody.BRANCH)


def party_day(branch, held_on: datetime.date, *, team=0, first=0, members=0, **extra) -> PartyDay:
    return PartyDay.objects.create(
        branch=branch,
        held_on=held_on,
        theme=extra.pop("theme", "学党史"),
        households_by_work_team=team,
        households_by_first_secretary=first,
        households_by_members=members,
        **extra,
    )


def households(branch, year: int, number: int) -> BranchHouseholds:
    return BranchHouseholds.objects.create(branch=branch, year=year, households=number)


def need(branch, raised_on: datetime.date, due_on: datetime.date, **extra) -> Need:
    return Need.objects.create(
        branch=branch,
        raised_on=raised_on,
        due_on=due_on,
        category=extra.pop("category", Need.Category.INFRASTRUCTURE),
        place=extra.pop("place", "三组"),
        description=extra.pop("description", "村口路灯不亮"),
        **extra,
    )


def post(county, *, title="学习贯彻全会精神", required=False, column=None, **extra) -> Post:
    column = column or Column.objects.get_or_create(unit=county, name="理论政策热点面对面")[0]
    return Post.objects.create(
        column=column,
        title=title,
        body=extra.pop("body", "<p>正文</p>"),
        published_on=extra.pop("published_on", datetime.date(2025, 3, 1)),
        required=required,
        **extra,
    )


def town_secretary(group):
    return UserFactory(username=f"town-secretary-{group.pk}", role=Role.SECRETARY, study_group=group)
