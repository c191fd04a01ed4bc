"""Every list page answers in an exact, known number of queries, whatever the number of rows.

The baseline below was measured once; a change that adds a query per row (a missing select_related) or a
query per page fails here, and a deliberate change updates the number.
"""

import datetime
import itertools

import pytest
from django.urls import reverse

from core.notifications import notify
from studygroups.models import Attendance, Reflection, Speech
from studygroups.services.sessions import NOTICE
from tests.assessment.fill import fill as assessment_fill
from tests.inspections.fill import fill as inspections_fill
from tests.outreach.fill import fill as outreach_fill
from tests.reports.fill import fill as reports_fill
from tests.studygroups.factories import (
    ExamScoreFactory,
    PlanFactory,
    PlanTopicFactory,
    ReadingProgressFactory,
    RequiredReadingFactory,
    ResearchTopicFactory,
    SelfStudyFactory,
    StudySessionFactory,
    TheoryArticleFactory,
    local,
)

_day = itertools.count()


def _fill(world, times: int) -> None:
    """``times`` more rows of every kind in the home department's group, for every list."""
    home = world.home
    people = (home.leader, home.member)
    for _ in range(times):
        n = next(_day)
        # Within 2025 whatever the counter reached in this process: sessions held, make-ups owed.
        start = local(2025, 3, 1, 9, 0) + datetime.timedelta(days=n % 300)
        plan = PlanFactory(study_group=home.dept_group, year=2000 + n, title=f"计划{n}")
        topic = PlanTopicFactory(plan=plan)
        session = StudySessionFactory(study_group=home.dept_group, starts_at=start, host=home.leader, record="记录")
        session.topics.add(topic)
        for person in people:
            Attendance.objects.create(session=session, person=person, status="leave", reason="出差")
            Reflection.objects.create(session=session, person=person, text="体会")
            Speech.objects.create(session=session, person=person, topic="发言")
            SelfStudyFactory(person=person, date=start.date())
            TheoryArticleFactory(person=person)
            ExamScoreFactory(person=person, year=2000 + n)
        reading = RequiredReadingFactory(unit=home.county, year=2025, title=f"书目{n}")
        ReadingProgressFactory(person=home.member, reading=reading)
        ResearchTopicFactory(study_group=home.dept_group)
        notify(users=world.users.__dict__.values(), kind=NOTICE, message=f"通知{n}", target=session, email=False)
    # The other apps' rows, from their own builders.
    inspections_fill(world, times)
    outreach_fill(world, times)
    reports_fill(world, times)
    assessment_fill(world, times)


LISTS = [
    "studygroups:orgunit_list",
    "studygroups:studygroup_list",
    "studygroups:person_list",
    "studygroups:session_list",
    "studygroups:plan_list",
    "studygroups:plan_coverage",
    "studygroups:reading_list",
    "studygroups:reflection_list",
    "studygroups:makeup_list",
    "studygroups:selfstudy_list",
    "studygroups:research_list",
    "studygroups:article_list",
    "studygroups:exam_list",
    "notification_list",
    "outreach:pairing_list",
    "outreach:visit_list",
    "outreach:partyday_list",
    "outreach:need_list",
    "outreach:post_list",
    "outreach:coverage",
    "outreach:post_reading",
    "reports:job_list",
    "reports:bulletin_list",
]
# Measured with rows on the page: {list: (staff, secretary, member)}; None where the role may not open it.
# One of them on every page counts the unread notifications for the navigation (the notification list
# counts them for its own heading and reuses the number); ListPage lists count their rows once.
# A year filter asks for the years that have rows (+1; +2 where the rows' year field is indexed: the table's first
# and last year, then one EXISTS a year, instead of a DISTINCT over the whole scope: core.aggregates.years_with_rows);
# a group filter searched as you type loads no groups (-1).
# Household coverage works its numbers out of seven aggregates (outreach.selectors.counts) and names the branches
# in one more; the secretary's department has no branches, so nothing to count. The posts' reading adds who has
# not studied the required posts (three queries).
EXPECTED = {
    "studygroups:orgunit_list": (8, 7, 8),
    "studygroups:studygroup_list": (8, 7, 8),
    "studygroups:person_list": (8, 7, 8),
    "studygroups:session_list": (10, 9, 10),
    "studygroups:plan_list": (10, 10, 11),
    # Plan coverage counts every group in one query and reads the shown groups and their topics (three more).
    "studygroups:plan_coverage": (12, 11, None),
    "studygroups:reading_list": (8, 8, 9),
    "studygroups:reflection_list": (8, 7, 8),
    "studygroups:makeup_list": (10, 9, 10),
    "studygroups:selfstudy_list": (8, 7, 8),  # the rows counted with their hours, in one aggregate
    "studygroups:research_list": (10, 9, 10),
    "studygroups:article_list": (10, 9, 10),
    "studygroups:exam_list": (10, 9, 10),
    "notification_list": (8, 8, 8),
    "outreach:pairing_list": (9, 8, 9),
    "outreach:visit_list": (9, 8, 9),
    "outreach:partyday_list": (9, 7, None),
    "outreach:need_list": (10, 8, None),
    "outreach:post_list": (9, 9, 10),
    # outreach_counts takes the units from the listed groups, and reads only the parts the page shows (no
    # exchange visits, no posts studied); the years come by EXISTS per year (+1).
    "outreach:coverage": (13, 8, None),
    "outreach:post_reading": (13, None, None),
    # The report form's group and member are searched as you type: neither list is loaded (-2).
    "reports:job_list": (9, 8, 9),
    "reports:bulletin_list": (7, 7, 8),
}


@pytest.mark.parametrize("name", LISTS)
def test_list_page_query_count_is_exact_and_constant(client_as, page_queries, world, name):
    _fill(world, 2)
    measured = []
    for account in ("staff", "secretary", "member"):
        client = client_as(account)
        if client.get(reverse(name)).status_code != 200:
            measured.append(None)
            continue
        measured.append(page_queries(client, reverse(name)))
    _fill(world, 5)
    again = []
    for account in ("staff", "secretary", "member"):
        client = client_as(account)
        again.append(None if measured[len(again)] is None else page_queries(client, reverse(name)))
    assert again == measured, "the query count grows with the rows"
    assert tuple(measured) == EXPECTED[name]


def test_search_picks_the_newest_matches_without_counting_them_all(client_as, world):
    """A search (two Chinese characters match most rows) reads a page and one row more, never a COUNT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(world, 2)
    client = client_as("staff")
    with CaptureQueriesContext(connection) as plain:
        client.get(reverse("studygroups:session_list"))
    with CaptureQueriesContext(connection) as searched:
        response = client.get(reverse("studygroups:session_list"), {"q": "学习"})
    assert response.status_code == 200
    # The navigation's unread notifications are counted on every page: only the sessions' counts matter here.
    sessions = [q["sql"] for q in plain.captured_queries if '"studygroups_studysession"' in q["sql"]]
    assert sum("__count" in sql for sql in sessions) == 1
    searched_sessions = [q["sql"] for q in searched.captured_queries if '"studygroups_studysession"' in q["sql"]]
    assert not any("__count" in sql for sql in searched_sessions)
    # No count; the ids of the groups and hosts whose names match are read first (core.search).
    assert len(searched.captured_queries) == len(plain.captured_queries) - 1 + 2
