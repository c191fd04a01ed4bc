"""Plans and topics, coverage of planned topics, the required reading list and reading progress."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OrgUnit, StudyGroup
from studygroups.models import Plan, PlanTopic, ReadingProgress, RequiredReading
from studygroups.selectors.stats import Period, topic_coverage
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import (
    PlanFactory,
    PlanTopicFactory,
    ReadingProgressFactory,
    RequiredReadingFactory,
    StudySessionFactory,
    local,
)

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]


@pytest.fixture
def plans(world):
    home = world.home
    county_plan = PlanFactory(level=Plan.Level.COUNTY, study_group=None, unit=home.county, title="县委年度计划")
    group_plan = PlanFactory(study_group=home.dept_group, title="教育局年度计划")
    town_plan = PlanFactory(study_group=home.town_group, title="红旗镇年度计划")
    other_plan = PlanFactory(study_group=world.other.dept_group, title="乙旗教育局计划")
    return SimpleNamespace(
        county=county_plan,
        group=group_plan,
        town=town_plan,
        other=other_plan,
        topic=PlanTopicFactory(plan=group_plan, order=1),
        county_topic=PlanTopicFactory(plan=county_plan),
        reading=RequiredReadingFactory(unit=home.county, title="习近平谈治国理政"),
        other_reading=RequiredReadingFactory(unit=world.other.county, title="乙旗书目"),
    )


GET_MATRIX = [
    ("plan_list", lambda w, p: reverse("studygroups:plan_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    ("plan_coverage", lambda w, p: reverse("studygroups:plan_coverage"), [302, 200, 200, 200, 403, 200, 200, 200]),
    ("plan_create", lambda w, p: reverse("studygroups:plan_create"), [302, 200, 403, 200, 403, 403, 200, 200]),
    (
        "plan_detail_group",
        lambda w, p: reverse("studygroups:plan_detail", args=[p.group.pk]),
        [302, 200, 200, 200, 200, 200, 200, 404],
    ),
    (
        "plan_detail_county",
        lambda w, p: reverse("studygroups:plan_detail", args=[p.county.pk]),
        [302, 200, 200, 200, 200, 200, 200, 404],
    ),
    (
        "plan_detail_town",
        lambda w, p: reverse("studygroups:plan_detail", args=[p.town.pk]),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    (
        "plan_update_group",
        lambda w, p: reverse("studygroups:plan_update", args=[p.group.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    (
        "plan_update_county",
        lambda w, p: reverse("studygroups:plan_update", args=[p.county.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    (
        "plantopic_create_group",
        lambda w, p: reverse("studygroups:plantopic_create", args=[p.group.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    (
        "plantopic_create_county",
        lambda w, p: reverse("studygroups:plantopic_create", args=[p.county.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    (
        "plantopic_update_group",
        lambda w, p: reverse("studygroups:plantopic_update", args=[p.topic.pk]),
        [302, 200, 403, 200, 403, 403, 200, 404],
    ),
    (
        "plantopic_update_county",
        lambda w, p: reverse("studygroups:plantopic_update", args=[p.county_topic.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    ("reading_list", lambda w, p: reverse("studygroups:reading_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    ("reading_create", lambda w, p: reverse("studygroups:reading_create"), [302, 200, 403, 403, 403, 403, 200, 200]),
    (
        "reading_update",
        lambda w, p: reverse("studygroups:reading_update", args=[p.reading.pk]),
        [302, 200, 403, 403, 403, 403, 200, 404],
    ),
    (
        "reading_mark",
        lambda w, p: reverse("studygroups:reading_mark", args=[p.reading.pk]),
        [302, 200, 403, 200, 200, 403, 200, 404],
    ),
    (
        "reading_progress",
        lambda w, p: reverse("studygroups:reading_progress"),
        [302, 200, 200, 200, 403, 200, 200, 200],
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,expected", GET_MATRIX, ids=[row[0] for row in GET_MATRIX])
def test_get_matrix(client, world, plans, role, name, url, expected, client_as):
    response = client_as(role).get(url(world, plans))
    assert response.status_code == expected[ROLES.index(role)], f"{role} GET {name}"


POST_MATRIX = [
    ("plan_create", lambda w, p: reverse("studygroups:plan_create"), [302, None, 403, None, 403, 403, None, None]),
    (
        "plan_update_county",
        lambda w, p: reverse("studygroups:plan_update", args=[p.county.pk]),
        [302, None, 403, 403, 403, 403, None, 404],
    ),
    (
        "plantopic_create_county",
        lambda w, p: reverse("studygroups:plantopic_create", args=[p.county.pk]),
        [302, None, 403, 403, 403, 403, None, 404],
    ),
    ("reading_create", lambda w, p: reverse("studygroups:reading_create"), [302, None, 403, 403, 403, 403, None, None]),
    (
        "reading_mark",
        lambda w, p: reverse("studygroups:reading_mark", args=[p.reading.pk]),
        [302, None, 403, None, None, 403, None, 404],
    ),
]
POST_REFUSALS = [
    (name, url, role, expected[i]) for name, url, expected in POST_MATRIX for i, role in enumerate(ROLES) if expected[i]
]


@pytest.mark.parametrize("name,url,role,want", POST_REFUSALS, ids=[f"{r[0]}-{r[2]}" for r in POST_REFUSALS])
def test_post_refusals_store_nothing(client, world, plans, name, url, role, want, client_as):
    counts = (Plan.objects.count(), PlanTopic.objects.count(), RequiredReading.objects.count())
    data = {"title": "改", "level": "county", "year": 2025, "person": world.home.member.pk, "finished": "on"}
    response = client_as(role).post(url(world, plans), data)
    assert response.status_code == want, f"{role} POST {name}"
    assert (Plan.objects.count(), PlanTopic.objects.count(), RequiredReading.objects.count()) == counts
    assert not ReadingProgress.objects.exists()


# Plans


def test_staff_writes_a_county_plan_the_groups_see_but_cannot_change(client, world):
    client.force_login(world.users.staff)
    data = {
        "level": "county",
        "year": 2025,
        "title": "2025年县委中心组学习计划",
        "document_number": "甲宣发〔2025〕1号",
    }
    response = client.post(reverse("studygroups:plan_create"), data)
    assert response.status_code == 302
    plan = Plan.objects.get(title="2025年县委中心组学习计划")
    assert (plan.unit, plan.study_group, plan.quarter, plan.created_by) == (
        world.home.county,
        None,
        None,
        world.users.staff,
    )
    client.force_login(world.users.secretary)
    assert client.get(reverse("studygroups:plan_detail", args=[plan.pk])).status_code == 200
    response = client.post(reverse("studygroups:plan_update", args=[plan.pk]), data | {"title": "改"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.title == "2025年县委中心组学习计划"


def test_secretary_writes_their_group_plan_only(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:plan_create")
    ok = client.post(
        url, {"level": "annual", "study_group": world.home.dept_group.pk, "year": 2025, "title": "年度计划"}
    )
    assert ok.status_code == 302
    plan = Plan.objects.get(title="年度计划")
    assert (plan.unit, plan.study_group) == (world.home.dept, world.home.dept_group)
    # Another group of the county, a county-level plan: refused, nothing stored.
    town = client.post(url, {"level": "annual", "study_group": world.home.town_group.pk, "year": 2025, "title": "越权"})
    assert town.status_code == 200 and town.context["form"].errors.as_data()["study_group"][0].code == "invalid_choice"
    county = client.post(url, {"level": "county", "year": 2025, "title": "越权"})
    assert county.status_code == 200 and county.context["form"].errors.as_data()["level"][0].code == "invalid_choice"
    assert not Plan.objects.filter(title="越权").exists()


def test_plan_levels_need_their_group_and_quarter(client, world, plans):
    client.force_login(world.users.staff)
    url = reverse("studygroups:plan_create")
    group = world.home.dept_group.pk
    no_group = client.post(url, {"level": "annual", "year": 2026, "title": "缺组"})
    assert no_group.context["form"].errors.as_data()["study_group"][0].code == "required"
    no_quarter = client.post(url, {"level": "quarterly", "study_group": group, "year": 2026, "title": "缺季度"})
    assert no_quarter.context["form"].errors.as_data()["quarter"][0].code == "required"
    county_with_group = client.post(url, {"level": "county", "study_group": group, "year": 2026, "title": "错"})
    assert county_with_group.context["form"].errors.as_data()["study_group"][0].code == "not_allowed"
    # plans.group is dept_group's 2025 annual plan: a second one is refused by the form, not the database.
    second = client.post(url, {"level": "annual", "study_group": group, "year": 2025, "title": "重复"})
    assert second.status_code == 200 and second.context["form"].errors
    quarterly = client.post(
        url, {"level": "quarterly", "study_group": group, "year": 2025, "quarter": 2, "title": "二季度"}
    )
    assert quarterly.status_code == 302
    assert Plan.objects.get(title="二季度").quarter == 2
    assert not Plan.objects.filter(title__in=["缺组", "缺季度", "错", "重复"]).exists()


def test_topics_are_added_and_edited_inline(client, world, plans):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:plantopic_create", args=[plans.group.pk])
    data = {
        "order": 2,
        "title": "学习党的二十届四中全会精神",
        "planned_month": 11,
        "place": "三楼会议室",
        "participants": "全体成员",
    }
    assert client.post(url, data).status_code == 302
    topic = PlanTopic.objects.get(title=data["title"])
    assert (topic.plan, topic.planned_month, topic.created_by) == (plans.group, 11, world.users.secretary)
    bad = client.post(url, data | {"title": "错月", "planned_month": 13})
    assert "planned_month" in bad.context["form"].errors
    edit = reverse("studygroups:plantopic_update", args=[topic.pk])
    assert client.post(edit, data | {"planned_month": 12}).status_code == 302
    topic.refresh_from_db()
    assert topic.planned_month == 12
    detail = client.get(reverse("studygroups:plan_detail", args=[plans.group.pk]))
    assert [t.title for t in detail.context["topics"]] == [plans.topic.title, data["title"]]


def test_plan_list_filters_and_scoping(client, world, plans):
    PlanFactory(study_group=world.home.dept_group, year=2024, title="2024年计划")
    client.force_login(world.users.staff)
    url = reverse("studygroups:plan_list")

    def titles(**params):
        response = client.get(url, params)
        return sorted(row.record.title for row in response.context["table"].page.object_list)

    assert titles() == sorted(["县委年度计划", "教育局年度计划", "红旗镇年度计划", "2024年计划"])
    assert titles(year=2024) == ["2024年计划"]
    assert titles(level="county") == ["县委年度计划"]
    assert titles(study_group=world.home.town_group.pk) == ["红旗镇年度计划"]
    assert titles(q=plans.topic.title) == ["教育局年度计划"]
    client.force_login(world.users.member)
    assert titles() == sorted(["县委年度计划", "教育局年度计划", "2024年计划"])


def _grow_plans(world, groups: int):
    start = OrgUnit.objects.count()
    for i in range(start, start + groups):
        unit = OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.DEPARTMENT, name=f"扩展局{i}")
        group = StudyGroupFactory(unit=unit)
        member = MembershipFactory(study_group=group).person
        plan = PlanFactory(study_group=group, year=2025)
        topics = [PlanTopicFactory(plan=plan, planned_month=m) for m in (2, 5, 9)]
        StudySessionFactory(study_group=group, starts_at=local(2025, 2, 20), topics=topics[:1])
        for reading in RequiredReading.objects.filter(unit=world.home.county):
            ReadingProgressFactory(person=member, reading=reading)


@pytest.mark.parametrize(
    "name,params",
    [
        ("studygroups:plan_list", {}),
        ("studygroups:plan_coverage", {"year": 2025}),
        ("studygroups:reading_list", {"year": 2025}),
        ("studygroups:reading_progress", {"year": 2025}),
    ],
)
@pytest.mark.parametrize("role", ["staff", "secretary"])
def test_list_query_count_does_not_grow_with_rows(client, world, plans, name, params, role, client_as, page_queries):
    RequiredReadingFactory(unit=world.home.county)
    client_as(role)
    url = reverse(name)
    _grow_plans(world, 2)
    small = page_queries(client, url, params)
    _grow_plans(world, 8)
    assert page_queries(client, url, params) == small


def test_member_reading_list_query_count_does_not_grow(client, world, plans, page_queries):
    client.force_login(world.users.member)
    url = reverse("studygroups:reading_list")
    small = page_queries(client, url, {"year": 2025})
    for _ in range(10):
        reading = RequiredReadingFactory(unit=world.home.county)
        ReadingProgressFactory(person=world.home.member, reading=reading)
    assert page_queries(client, url, {"year": 2025}) == small


# Coverage


def test_coverage_of_a_hand_built_plan(world):
    """4 topics (March, April, May, September); sessions before 15 June 2025 cover March and May.

    April's topic is only listed by another group's session and September's by a session still to
    come: 2 uncovered, April overdue, September upcoming.
    """
    group = world.home.dept_group
    plan = PlanFactory(study_group=group, year=2025)
    march, april, may, september = (
        PlanTopicFactory(plan=plan, planned_month=m, title=f"专题{m}月") for m in (3, 4, 5, 9)
    )
    StudySessionFactory(study_group=group, starts_at=local(2025, 3, 12), topics=[march])
    StudySessionFactory(study_group=group, starts_at=local(2025, 5, 20), topics=[may, march])
    StudySessionFactory(study_group=world.home.town_group, starts_at=local(2025, 4, 2), topics=[april])
    StudySessionFactory(study_group=group, starts_at=local(2025, 9, 3), topics=[september])
    now = local(2025, 6, 15, 10)

    row = topic_coverage([group], Period.year(2025), now=now)[group.pk]

    assert (row.planned, row.covered, row.uncovered) == (4, 2, 2)
    assert [t.title for t in row.overdue] == ["专题4月"]
    assert [t.title for t in row.upcoming] == ["专题9月"]
    # On 3 September the September session has started: only April is left.
    later = topic_coverage([group], Period.year(2025), now=local(2025, 9, 3, 12))[group.pk]
    assert (later.covered, [t.title for t in later.overdue], later.upcoming) == (3, ["专题4月"], [])


def test_coverage_counts_a_title_repeated_in_the_quarterly_plan_once(world):
    group = world.home.dept_group
    annual = PlanFactory(study_group=group, year=2025)
    quarterly = PlanFactory(study_group=group, year=2025, level=Plan.Level.QUARTERLY, quarter=2)
    PlanTopicFactory(plan=annual, title="学习新思想", planned_month=4)
    repeated = PlanTopicFactory(plan=quarterly, title="学习新思想 ", planned_month=None)
    PlanTopicFactory(plan=quarterly, title="学习条例", planned_month=None)  # due at the quarter's end: June
    StudySessionFactory(study_group=group, starts_at=local(2025, 4, 8), topics=[repeated])

    row = topic_coverage([group], Period.year(2025), now=local(2025, 6, 20))[group.pk]
    assert (row.planned, row.covered) == (2, 1)
    assert [t.title for t in row.upcoming] == ["学习条例"]
    july = topic_coverage([group], Period.year(2025), now=local(2025, 7, 1))[group.pk]
    assert [t.title for t in july.overdue] == ["学习条例"]


def test_coverage_page_for_staff_and_secretary(client, world):
    year = timezone.localdate().year - 1  # a past year: every uncovered topic is overdue
    group = world.home.dept_group
    plan = PlanFactory(study_group=group, year=year)
    topics = [PlanTopicFactory(plan=plan, planned_month=m) for m in (1, 2, 3)] + [PlanTopicFactory(plan=plan)]
    StudySessionFactory(study_group=group, starts_at=local(year, 1, 15), topics=topics[:2])
    PlanTopicFactory(plan=PlanFactory(study_group=world.other.dept_group, year=year))

    client.force_login(world.users.staff)
    response = client.get(reverse("studygroups:plan_coverage"), {"year": year})
    rows = {row.group: row for row in response.context["rows"]}
    assert set(rows) == {world.home.dept_group, world.home.town_group}
    dept = rows[world.home.dept_group]
    assert (dept.planned, dept.covered, len(dept.overdue), len(dept.upcoming)) == (4, 2, 2, 0)
    assert sorted(t.topic_ids[0] for t in dept.overdue) == sorted([topics[2].pk, topics[3].pk])
    assert not rows[world.home.town_group].has_plan
    assert response.context["totals"] == {"groups": 2, "without_plan": 1, "overdue": 2}
    html = response.content.decode()
    assert f'data-group-id="{group.pk}" data-planned="4" data-covered="2" data-overdue="2"' in html

    by_overdue = client.get(reverse("studygroups:plan_coverage"), {"year": year, "sort": "-overdue"})
    assert [r.group for r in by_overdue.context["rows"]] == [world.home.dept_group, world.home.town_group]

    client.force_login(world.users.secretary)
    mine = client.get(reverse("studygroups:plan_coverage"), {"year": year})
    assert [r.group for r in mine.context["rows"]] == [world.home.dept_group]


def test_coverage_paginates_by_25(client, world):
    for i in range(30):
        StudyGroupFactory(unit=OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"镇{i}"))
    client.force_login(world.users.staff)
    response = client.get(reverse("studygroups:plan_coverage"), {"year": 2025})
    assert len(response.context["rows"]) == 25
    assert response.context["totals"]["groups"] == StudyGroup.objects.visible_to(world.users.staff).count() == 32


# Required reading


def test_everyone_in_the_county_sees_its_reading_list(world, plans):
    for role in ("staff", "inspector", "secretary", "member", "auditor"):
        visible = set(RequiredReading.objects.visible_to(getattr(world.users, role)))
        assert visible == {plans.reading}, role


def test_staff_mark_a_reading_for_a_person_searched_not_listed(client, world, plans):
    """The county's people are searched as staff type (the page held every one of them), and the chosen one
    is saved as before."""
    client.force_login(world.users.staff)
    url = reverse("studygroups:reading_mark", args=[plans.reading.pk])
    html = client.get(url).content.decode()
    assert f'data-autocomplete="{reverse("autocomplete", args=["people"])}"' in html
    assert world.home.member.name not in html
    assert client.post(url, {"person": world.home.member.pk, "finished": "on"}).status_code == 302
    assert ReadingProgress.objects.get().person == world.home.member


def test_member_marks_a_reading_finished_for_themselves_only(client, world, plans):
    client.force_login(world.users.member)
    url = reverse("studygroups:reading_mark", args=[plans.reading.pk])
    assert client.post(url, {"person": world.home.member.pk, "finished": "on"}).status_code == 302
    progress = ReadingProgress.objects.get()
    assert (progress.person, progress.finished_on, progress.created_by) == (
        world.home.member,
        timezone.localdate(),
        world.users.member,
    )
    listing = client.get(reverse("studygroups:reading_list"), {"year": 2025})
    [row] = listing.context["table"].page.object_list
    assert row.record.my_finished_on == timezone.localdate()

    colleague = client.post(url, {"person": world.home.leader.pk, "finished": "on"})
    assert colleague.status_code == 200
    assert colleague.context["form"].errors.as_data()["person"][0].code == "invalid_choice"
    assert not ReadingProgress.objects.filter(person=world.home.leader).exists()

    future = timezone.localdate() + datetime.timedelta(days=3)
    refused = client.post(url, {"person": world.home.member.pk, "finished": "on", "finished_on": future})
    assert refused.context["form"].errors.as_data()["finished_on"][0].code == "future"
    # Not finished after all: the row stays (history) with no date.
    assert client.post(url, {"person": world.home.member.pk}).status_code == 302
    progress.refresh_from_db()
    assert progress.finished_on is None
    assert ReadingProgress.objects.count() == 1


def test_member_cannot_mark_another_county_reading(client, world, plans):
    client.force_login(world.users.member)
    response = client.post(
        reverse("studygroups:reading_mark", args=[plans.other_reading.pk]), {"person": world.home.member.pk}
    )
    assert response.status_code == 404
    assert not ReadingProgress.objects.exists()


def test_reading_progress_counts_per_member(client, world, plans):
    second = RequiredReadingFactory(unit=world.home.county, title="第二本")
    RequiredReadingFactory(unit=world.home.county, title="第三本")
    old = RequiredReadingFactory(unit=world.home.county, title="去年的书", year=2024)
    home = world.home
    ReadingProgressFactory(person=home.member, reading=plans.reading)
    ReadingProgressFactory(person=home.member, reading=second)
    ReadingProgressFactory(person=home.member, reading=old)  # another year: not counted
    ReadingProgressFactory(person=home.leader, reading=plans.reading)
    ReadingProgressFactory(person=home.leader, reading=second, finished_on=None)  # started, not finished
    ReadingProgressFactory(person=home.town_member, reading=second)

    client.force_login(world.users.staff)
    response = client.get(reverse("studygroups:reading_progress"), {"year": 2025})
    counts = {row.record: row.record.finished for row in response.context["table"].page.object_list}
    # home.left left the group in June 2024: not a member in 2025.
    assert counts == {home.member: 2, home.leader: 1, home.town_member: 1}
    assert response.context["reading_total"] == 3

    readings = client.get(reverse("studygroups:reading_list"), {"year": 2025})
    finished = {row.record.title: row.record.finished_count for row in readings.context["table"].page.object_list}
    assert finished == {"习近平谈治国理政": 2, "第二本": 2, "第三本": 0}

    client.force_login(world.users.secretary)
    mine = client.get(reverse("studygroups:reading_progress"), {"year": 2025})
    assert {row.record: row.record.finished for row in mine.context["table"].page.object_list} == {
        home.member: 2,
        home.leader: 1,
    }
    in_2024 = client.get(reverse("studygroups:reading_progress"), {"year": 2024})
    assert {row.record: row.record.finished for row in in_2024.context["table"].page.object_list} == {
        home.member: 1,
        home.leader: 0,
        home.left: 0,
    }


def test_secretary_marks_for_a_group_member_not_for_another_group(client, world, plans):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:reading_mark", args=[plans.reading.pk])
    assert (
        client.post(url, {"person": world.home.leader.pk, "finished": "on", "finished_on": "2025-04-01"}).status_code
        == 302
    )
    assert ReadingProgress.objects.get().finished_on == datetime.date(2025, 4, 1)
    town = client.post(url, {"person": world.home.town_member.pk, "finished": "on"})
    assert town.context["form"].errors.as_data()["person"][0].code == "invalid_choice"
    assert ReadingProgress.objects.count() == 1


def test_staff_adds_readings_to_their_county_list(client, world, plans):
    client.force_login(world.users.staff)
    url = reverse("studygroups:reading_create")
    assert client.post(url, {"year": 2026, "order": 1, "title": "新书", "author": "作者"}).status_code == 302
    reading = RequiredReading.objects.get(title="新书")
    assert (reading.unit, reading.year, reading.created_by) == (world.home.county, 2026, world.users.staff)
    duplicate = client.post(url, {"year": 2025, "order": 1, "title": plans.reading.title})
    assert duplicate.context["form"].errors.as_data()["title"][0].code == "unique"
    assert RequiredReading.objects.filter(title=plans.reading.title).count() == 1


def test_outsider_sees_none_of_the_home_county(client, world, plans, client_as):
    client_as("outsider")
    plan_titles = {r.record.title for r in client.get(reverse("studygroups:plan_list")).context["table"].page}
    assert plan_titles == {"乙旗教育局计划"}
    readings = client.get(reverse("studygroups:reading_list"), {"year": 2025}).context["table"].page
    assert {r.record.title for r in readings} == {"乙旗书目"}
    coverage = client.get(reverse("studygroups:plan_coverage"), {"year": 2025}).context["rows"]
    assert {r.group for r in coverage} == {world.other.dept_group, world.other.town_group}
