"""Every page of the URL configuration has a query-count test, and its count does not grow with the data.

``test_every_page_is_covered`` walks the URL patterns: a page missing from ``PAGES`` here, from ``LISTS`` in
tests/studygroups/test_list_queries.py (lists, with their exact counts) and from ``NOT_PAGES`` fails, naming
what to add. ``test_page_query_count_is_constant`` asks each page in ``PAGES`` as every account that may open
it, at two data sizes (the rows of ``_fill`` twice, then five more times), and wants the same counts.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.models import Membership
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    StudySession,
    TheoryArticle,
)
from tests.studygroups.factories import StudySessionFactory, local
from tests.studygroups.test_list_queries import LISTS, _fill

ACCOUNTS = ("staff", "inspector", "auditor", "secretary", "member")


def _newest(model, **conditions) -> int:
    return model._default_manager.filter(**conditions).order_by("-pk").values_list("pk", flat=True).first()


def _session(w):
    return _newest(StudySession, study_group=w.home.dept_group)


def _attended(w):
    """A past session the member attended (a reflection needs one), with the member's reflection on it."""
    session = StudySessionFactory(study_group=w.home.dept_group, starts_at=local(2025, 1, 6, 9, 0))
    Attendance.objects.create(session=session, person=w.home.member, status="present")
    return session.pk


# {url name: world -> the URL's keyword arguments (rows of the home county, which the data sizes grow)}.
PAGES = {
    "dashboard": lambda w: {},
    "healthz": lambda w: {},
    "record_history": lambda w: {"model_name": "session", "pk": _session(w)},
    "studygroups:orgunit_create": lambda w: {},
    "studygroups:orgunit_detail": lambda w: {"pk": w.home.dept.pk},
    "studygroups:orgunit_update": lambda w: {"pk": w.home.dept.pk},
    "studygroups:studygroup_detail": lambda w: {"pk": w.home.dept_group.pk},
    "studygroups:studygroup_update": lambda w: {"pk": w.home.dept_group.pk},
    "studygroups:membership_create": lambda w: {"group_pk": w.home.dept_group.pk},
    "studygroups:membership_update": lambda w: {"pk": _newest(Membership, study_group=w.home.dept_group)},
    "studygroups:person_create": lambda w: {},
    "studygroups:person_detail": lambda w: {"pk": w.home.member.pk},
    "studygroups:person_update": lambda w: {"pk": w.home.member.pk},
    "studygroups:import_upload": lambda w: {},
    "studygroups:import_template": lambda w: {},
    "studygroups:session_create_pick": lambda w: {},
    "studygroups:session_create": lambda w: {"group_pk": w.home.dept_group.pk},
    "studygroups:session_detail": lambda w: {"pk": _session(w)},
    "studygroups:session_update": lambda w: {"pk": _session(w)},
    "studygroups:session_record": lambda w: {"pk": _session(w)},
    "studygroups:speech_create": lambda w: {"pk": _session(w)},
    "studygroups:attendance_edit": lambda w: {"pk": _session(w)},
    "studygroups:session_qr": lambda w: {"pk": _session(w)},
    "studygroups:session_qr_svg": lambda w: {"pk": _session(w)},
    "studygroups:reflection_submit": lambda w: {"pk": _attended(w)},
    "studygroups:makeup_record": lambda w: {"pk": _newest(Attendance, person=w.home.member, status="leave")},
    "studygroups:plan_create": lambda w: {},
    "studygroups:plan_detail": lambda w: {"pk": _newest(Plan, study_group=w.home.dept_group)},
    "studygroups:plan_update": lambda w: {"pk": _newest(Plan, study_group=w.home.dept_group)},
    "studygroups:plantopic_create": lambda w: {"plan_pk": _newest(Plan, study_group=w.home.dept_group)},
    "studygroups:plantopic_update": lambda w: {"pk": _newest(PlanTopic, plan__study_group=w.home.dept_group)},
    "studygroups:reading_create": lambda w: {},
    "studygroups:reading_progress": lambda w: {},
    "studygroups:reading_update": lambda w: {"pk": _newest(RequiredReading, unit=w.home.county)},
    "studygroups:reading_mark": lambda w: {"pk": _newest(RequiredReading, unit=w.home.county)},
    "studygroups:selfstudy_create": lambda w: {},
    "studygroups:selfstudy_update": lambda w: {"pk": _newest(SelfStudy, person=w.home.member)},
    "studygroups:research_create": lambda w: {},
    "studygroups:research_detail": lambda w: {"pk": _newest(ResearchTopic, study_group=w.home.dept_group)},
    "studygroups:research_update": lambda w: {"pk": _newest(ResearchTopic, study_group=w.home.dept_group)},
    "studygroups:article_create": lambda w: {},
    "studygroups:article_detail": lambda w: {"pk": _newest(TheoryArticle, person=w.home.member)},
    "studygroups:article_update": lambda w: {"pk": _newest(TheoryArticle, person=w.home.member)},
    "studygroups:exam_create": lambda w: {},
    "studygroups:exam_update": lambda w: {"pk": _newest(ExamScore, person=w.home.member)},
    "studygroups:member_archive": lambda w: {"pk": w.home.member.pk},
    "studygroups:group_archive": lambda w: {"pk": w.home.dept_group.pk},
}
# URL names that are not pages to count, and why.
NOT_PAGES = {
    "login": "the sign-in form, before any account (a constant handful of queries by construction)",
    "logout": "POST only",
    "attachment_download": "streams one file after one scoped lookup (tests/studygroups/test_attachments.py)",
    "studygroups:checkin": "an action: a GET checks the member in (tests/studygroups/test_checkin.py)",
}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # Django's admin, not the application's pages
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_page_is_covered():
    names = set(_names(get_resolver().url_patterns))
    missing = sorted(names - set(PAGES) - set(LISTS) - set(NOT_PAGES))
    assert not missing, (
        "Pages without a query-count test: "
        + ", ".join(missing)
        + ". For each, add to PAGES in tests/test_page_coverage.py a line "
        + '"<url name>": lambda w: {"pk": <a row of the home county, e.g. _newest(Model, ...)>} '
        + "(lambda w: {} when the URL takes no argument), and make tests/studygroups/test_list_queries.py's "
        + "_fill() create more of the rows that page shows; a list page goes instead to LISTS and EXPECTED in "
        + "tests/studygroups/test_list_queries.py; only a URL that is no page to count (POST only, a file "
        + "download, an action) goes to NOT_PAGES here, with the reason."
    )
    stale = sorted((set(PAGES) | set(NOT_PAGES)) - names)
    assert not stale, f"PAGES or NOT_PAGES name URLs that no longer exist: {', '.join(stale)}"


def _counts(world, client_as, page_queries, name, accounts) -> dict[str, int | None]:
    """{account: queries of one GET} for the accounts given, None where the account gets no 200."""
    url = reverse(name, kwargs=PAGES[name](world))
    counts = {}
    for account in accounts:
        client = client_as(account)
        counts[account] = page_queries(client, url) if client.get(url).status_code == 200 else None
    return counts


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_query_count_is_constant(client_as, page_queries, world, name):
    _fill(world, 2)
    small = _counts(world, client_as, page_queries, name, ACCOUNTS)
    assert any(count is not None for count in small.values()), f"{name}: no account may open it"
    _fill(world, 5)
    large = _counts(world, client_as, page_queries, name, [a for a, c in small.items() if c is not None])
    assert large == {account: count for account, count in small.items() if count is not None}, (
        f"{name}: the query count grows with the rows"
    )
