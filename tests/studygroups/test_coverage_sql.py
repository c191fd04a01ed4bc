"""The plan coverage counted in SQL (``coverage_counts``, titles matched by the stored ``PlanTopic.title_key``)
gives exactly the numbers of the rule in Python (``topic_coverage``, titles matched by ``topic_key``), and the
coverage page (its rows, order, totals and export) shows them."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from core.models import OrgUnit, StudyGroup
from studygroups.models import CoverageKey, Plan, PlanTopic
from studygroups.models.plans import topic_key
from studygroups.selectors.stats import Period, coverage_counts, topic_coverage
from studygroups.services.coverage import coverage_rebuild_all
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import PlanFactory, PlanTopicFactory, StudySessionFactory, local

# One topic written six ways (full-width spaces, tabs, newlines, runs, ends), and titles that only look alike.
SAME = [
    "学习 新思想",
    "学习\u3000新思想",
    " 学习\t新思想\n",
    "学习  \u3000 新思想",
    "\u3000学习\r\n新思想\u3000",
    "学习\xa0新思想",
]
OTHERS = ["学习新思想", "Party Rules", "party rules", "Party  Rules ", "二十大\u2003精神", "二十大 精神", "条例"]


def test_topic_key_is_the_stored_title_key(world):
    plan = PlanFactory(study_group=world.home.dept_group, year=2025)
    topic = PlanTopicFactory(plan=plan, title=" 学习\u3000\t新思想 ")
    assert PlanTopic.objects.get(pk=topic.pk).title_key == "学习 新思想" == topic_key(topic.title)
    topic.title = "Party\u3000\u3000Rules\n"
    topic.save(update_fields=["title"])
    assert PlanTopic.objects.get(pk=topic.pk).title_key == "Party Rules"
    assert {topic_key(t) for t in SAME} == {"学习 新思想"}
    # "Party Rules" is "Party  Rules ", and U+2003 is whitespace; case and a missing space make other topics.
    assert len({topic_key(t) for t in OTHERS}) == len(OTHERS) - 2


@pytest.fixture
def tricky(world):
    """Two groups with plans of 2025 written with tricky titles, and sessions that list topics of the same
    titles written otherwise (another plan's, the county's), some too late, too early or another group's."""
    dept, town = world.home.dept_group, world.home.town_group
    county = PlanFactory(level=Plan.Level.COUNTY, study_group=None, unit=world.home.county, year=2025)
    county_topics = {title: PlanTopicFactory(plan=county, title=title) for title in (*SAME[1:3], *OTHERS[:4])}
    for group, shift in ((dept, 0), (town, 1)):
        annual = PlanFactory(study_group=group, year=2025)
        q1 = PlanFactory(study_group=group, year=2025, level=Plan.Level.QUARTERLY, quarter=1)
        q3 = PlanFactory(study_group=group, year=2025, level=Plan.Level.QUARTERLY, quarter=3)
        # The same title in the annual plan (September) and in two quarterly plans: one topic, due in March.
        PlanTopicFactory(plan=annual, title=SAME[0 + shift], planned_month=9)
        PlanTopicFactory(plan=q1, title=SAME[3], planned_month=None)
        PlanTopicFactory(plan=q3, title=SAME[4], planned_month=8)
        # Alike but other topics, one a month.
        for month, title in enumerate(OTHERS, start=2):
            PlanTopicFactory(plan=annual, title=title, planned_month=month)
        PlanTopicFactory(plan=q3, title="只在季度计划", planned_month=None)  # due at the quarter's end: September
        PlanTopicFactory(plan=PlanFactory(study_group=group, year=2024), title=OTHERS[-1], planned_month=1)
    # dept covers the six-ways topic through the county's writing of it, "party rules" through its own
    # "Party Rules" (the county's "Party  Rules " and "Party Rules" match each other, not the lower case).
    StudySessionFactory(study_group=dept, starts_at=local(2025, 2, 10), topics=[county_topics[SAME[1]]])
    StudySessionFactory(study_group=dept, starts_at=local(2025, 4, 10), topics=[county_topics[OTHERS[3]]])
    StudySessionFactory(study_group=dept, starts_at=local(2024, 12, 30), topics=[county_topics[OTHERS[2]]])  # too early
    StudySessionFactory(study_group=dept, starts_at=local(2025, 10, 8), topics=[county_topics[OTHERS[0]]])
    # town: one session listing two topics of one title (counted once), one of another group, one to come.
    StudySessionFactory(study_group=town, starts_at=local(2025, 5, 6), topics=list(county_topics.values())[:2])
    StudySessionFactory(
        study_group=world.other.dept_group, starts_at=local(2025, 3, 1), topics=[county_topics[OTHERS[1]]]
    )
    StudySessionFactory(study_group=town, starts_at=local(2025, 12, 20), topics=[county_topics[OTHERS[2]]])
    # A group without a plan, and one with a plan in another year only.
    StudyGroupFactory(unit=OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.TOWNSHIP, name="无计划镇"))
    return [dept, town, world.other.dept_group]


def _python(groups, period, now):
    return {
        pk: (c.topics_in_year, c.planned, c.covered, len(c.overdue))
        for pk, c in topic_coverage(groups, period, now=now).items()
    }


def _sql(groups, period, now):
    counts = coverage_counts(StudyGroup.objects.filter(pk__in=[g.pk for g in groups]), period, now=now)
    by_ids = coverage_counts([g.pk for g in groups], period, now=now)
    assert by_ids == counts
    return {
        g.pk: (c.topics_in_year, c.planned, c.covered, c.overdue) if (c := counts.get(g.pk)) else (0, 0, 0, 0)
        for g in groups
    }


@pytest.mark.parametrize(
    "now",
    [local(2025, 1, 5), local(2025, 5, 6, 12), local(2025, 7, 1), local(2025, 10, 8, 12), local(2026, 3, 1)],
)
@pytest.mark.parametrize("period", [Period.year(2025), Period.half(2025, 1), Period.half(2025, 2)])
def test_sql_counts_match_the_python_rule(tricky, world, period, now):
    groups = list(StudyGroup.objects.all())
    python = _python(groups, period, now)
    assert _sql(groups, period, now) == python
    assert python[world.home.dept_group.pk][0] == 7  # 12 rows: the six ways are one topic, and so on


def test_the_tricky_numbers_by_hand(tricky, world):
    dept, town = world.home.dept_group, world.home.town_group
    counts = _sql([dept, town], Period.year(2025), local(2025, 11, 1))
    # 7 topics a group: 学习 新思想 (due in March, its first quarter's copy), 学习新思想 (February), Party Rules
    # (March, twice written), party rules (April), 二十大 精神 (June, twice written), 条例 (August), 只在季度计划
    # (September). dept covers 学习 新思想 (the county's writing of it), Party Rules ("Party  Rules ") and, in
    # October, 学习新思想; town one topic, listed twice on 6 May (its December session is still to come).
    assert counts[dept.pk] == (7, 7, 3, 4)
    assert counts[town.pk] == (7, 7, 1, 6)
    # The second half: a topic counts in the half of its earliest due month (学习 新思想 and 二十大 精神 not).
    assert _sql([dept], Period.half(2025, 2), local(2025, 11, 1))[dept.pk] == (7, 2, 0, 2)


# The page's sorts as they were on the Python rows (GroupCoverage).
PYTHON_SORTS = {
    "group": lambda c: (c.group.unit.path, c.group.unit.sort_order, c.group.unit.name),
    "planned": lambda c: c.planned,
    "covered": lambda c: c.covered,
    "uncovered": lambda c: c.uncovered,
    "overdue": lambda c: len(c.overdue),
}


def _export_rows(response):
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    header_at = next(i for i, row in enumerate(rows) if sum(v is not None for v in row) > 1)
    return rows[header_at + 1 :]


@pytest.mark.parametrize("sort", ["", "group", "-group", "planned", "-covered", "uncovered", "-overdue", "overdue"])
def test_page_rows_order_totals_and_export_follow_the_python_rule(client_as, tricky, world, sort):
    """The page as it was computed before (every group's topic_coverage in Python, sorted by COVERAGE_SORTS
    on those rows): the same rows in the same order, the same totals, the same export."""
    for i in range(30):  # more than a page
        StudyGroupFactory(unit=OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"镇{i:02}"))
    client = client_as("staff")
    groups = list(
        StudyGroup.objects.visible_to(world.users.staff)
        .select_related("unit")
        .order_by("unit__path", "unit__sort_order", "unit__name")
    )
    python = list(topic_coverage(groups, Period.year(2025)).values())
    key = sort.lstrip("-")
    if key:
        python = sorted(python, key=PYTHON_SORTS[key], reverse=sort.startswith("-"))
    expected = [(c.group.pk, c.planned, c.covered, c.uncovered, len(c.overdue), len(c.upcoming)) for c in python]

    shown = []
    for page in (1, 2):
        response = client.get(reverse("studygroups:plan_coverage"), {"year": 2025, "sort": sort, "page": page})
        shown += [
            (r.group.pk, r.planned, r.covered, r.uncovered, len(r.overdue), len(r.upcoming))
            for r in response.context["rows"]
        ]
        assert response.context["totals"] == {
            "groups": len(python),
            "without_plan": sum(1 for c in python if not c.has_plan),
            "overdue": sum(len(c.overdue) for c in python),
        }
        for row in response.context["rows"]:
            detail = next(c for c in python if c.group_id == row.group_id)
            assert [(t.title, t.topic_ids) for t in row.overdue] == [(t.title, t.topic_ids) for t in detail.overdue]
    assert shown == expected

    export = client.get(reverse("studygroups:plan_coverage"), {"year": 2025, "sort": sort, "export": "xlsx"})
    rows = _export_rows(export)
    assert [(row[1], row[2], row[3]) for row in rows] == [(c.planned, c.covered, c.uncovered) for c in python]
    assert all(row[0].startswith(c.group.name) for row, c in zip(rows, python, strict=True))
    assert [row[4] for row in rows] == ["—" if not c.overdue else row[4] for row, c in zip(rows, python, strict=True)]


def test_behind_filter_matches_the_python_rule(client_as, tricky, world):
    client = client_as("staff")
    groups = list(StudyGroup.objects.visible_to(world.users.staff))
    python = topic_coverage(groups, Period.year(2025))
    for behind, value in ((True, "true"), (False, "false")):
        response = client.get(reverse("studygroups:plan_coverage"), {"year": 2025, "behind": value})
        assert {r.group_id for r in response.context["rows"]} == {
            pk for pk, c in python.items() if bool(c.overdue) == behind
        }


def test_overdue_and_upcoming_columns_list_their_topics(client_as, tricky, world):
    """The columns show each group's topics (they showed "—" for every row, on screen and in the export)."""
    client = client_as("staff")
    url = reverse("studygroups:plan_coverage")
    response = client.get(url, {"year": 2025, "sort": "-overdue"})
    row = response.context["rows"][0]
    assert row.overdue, "the tricky data has a group behind its plan"
    html = response.content.decode()
    for topic in row.overdue:
        assert f'data-topic-ids="{",".join(str(pk) for pk in topic.topic_ids)}"' in html
    exported = _export_rows(client.get(url, {"year": 2025, "sort": "-overdue", "export": "xlsx"}))
    assert " ".join(row.overdue[0].title.split()) in exported[0][4]


def _keys():
    return set(CoverageKey.objects.values_list("study_group_id", "year", "title_key", "due_month", "first_held_at"))


def _check_keys_and_counts(groups):
    """The kept keys are what a rebuild from scratch writes, and count the Python rule's numbers."""
    nows = (local(2025, 5, 6, 12), local(2025, 11, 1), local(2026, 3, 1))
    kept = _keys()
    coverage_rebuild_all()
    assert kept == _keys()
    for now in nows:
        for period in (Period.year(2025), Period.half(2025, 2)):
            assert _sql(groups, period, now) == _python(groups, period, now), (period, now)


def _move(session, starts_at):
    session.starts_at, session.ends_at = starts_at, starts_at + datetime.timedelta(hours=2)
    session.save()


def test_coverage_keys_follow_every_write(tricky, world):
    """Each write that changes a group's topics or the sessions listing them rebuilds its keys (signals): a
    topic renamed, moved to another month or plan, deleted; a plan moved to another year or group, deleted;
    a session moved to another day, year or group, its topics changed both ways, deleted."""
    dept, town, other = tricky
    groups = [dept, town, other]
    nov = local(2025, 11, 1)
    assert _sql([dept], Period.year(2025), nov)[dept.pk] == (7, 7, 3, 4)
    _check_keys_and_counts(groups)

    annual = Plan.objects.get(study_group=dept, year=2025, level=Plan.Level.ANNUAL)
    topic = annual.topics.get(title="条例")  # due in August, not covered
    session = StudySessionFactory(study_group=dept, starts_at=local(2025, 6, 1), topics=[topic])
    assert _sql([dept], Period.year(2025), nov)[dept.pk] == (7, 7, 4, 3)
    _check_keys_and_counts(groups)

    # The topic renamed: the session now covers "条例二" (a new topic), 条例 is gone; then renamed back.
    topic.title = "条例二"
    topic.save()
    assert _sql([dept], Period.year(2025), nov)[dept.pk] == (7, 7, 4, 3)
    assert CoverageKey.objects.filter(study_group=dept, year=2025, title_key="条例二").exists()
    assert not CoverageKey.objects.filter(study_group=dept, year=2025, title_key="条例").exists()
    _check_keys_and_counts(groups)
    topic.title = "条例"
    topic.planned_month = 12  # not due by November: neither overdue nor, once uncovered, counted as such
    topic.save()
    _check_keys_and_counts(groups)

    # The session moved to 2026, then to town, then back; its topics changed from both sides.
    _move(session, local(2026, 1, 10))
    assert _sql([dept], Period.year(2025), nov)[dept.pk] == (7, 7, 3, 3)
    _check_keys_and_counts(groups)
    session.study_group = town
    _move(session, local(2025, 6, 1))
    assert _sql([town], Period.year(2025), nov)[town.pk] == (7, 7, 2, 5)
    _check_keys_and_counts(groups)
    session.topics.clear()
    assert _sql([town], Period.year(2025), nov)[town.pk] == (7, 7, 1, 6)
    topic.sessions.add(session)
    assert _sql([town], Period.year(2025), nov)[town.pk] == (7, 7, 2, 5)
    topic.sessions.clear()
    assert _sql([town], Period.year(2025), nov)[town.pk] == (7, 7, 1, 6)
    session.topics.set([topic])
    _check_keys_and_counts(groups)
    session.delete()
    assert _sql([town], Period.year(2025), nov)[town.pk] == (7, 7, 1, 6)
    _check_keys_and_counts(groups)

    # The topic moved to another group's plan, then deleted.
    topic.plan = PlanFactory(study_group=other, year=2025)
    topic.save()
    assert _sql([dept], Period.year(2025), nov)[dept.pk][0] == 6
    _check_keys_and_counts(groups)
    topic.delete()
    _check_keys_and_counts(groups)

    # A plan moved to another year, to another group, deleted (with its topics).
    q3 = Plan.objects.get(study_group=dept, year=2025, quarter=3)
    q3.year = 2026
    q3.save()
    _check_keys_and_counts(groups)
    assert CoverageKey.objects.filter(study_group=dept, year=2026).count() == 2
    q3.study_group = town
    q3.save()
    assert not CoverageKey.objects.filter(study_group=dept, year=2026).exists()
    assert CoverageKey.objects.filter(study_group=town, year=2026).count() == 2
    annual.delete()
    _check_keys_and_counts(groups)
    assert _sql([dept], Period.year(2025), nov)[dept.pk][0] == 1  # q1's six-ways topic only
