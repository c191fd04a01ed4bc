"""Every page of the URL configuration has a query-count test, and its count does not grow with the data.

``test_every_page_is_covered`` walks the URL patterns: a page missing from ``PAGES`` here, from the list
tables of ``LIST_TABLES`` (lists, with their exact counts: ``LISTS`` in tests/studygroups/test_list_queries.py,
and an app's own table where its tests keep one) and from ``NOT_PAGES`` fails, naming what to add. ``test_page_query_count_is_constant`` asks each page in ``PAGES`` as every account that may open
it, at two data sizes (the rows of ``_fill`` twice, then five more times), and wants the same counts.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessment.models import Result, Run, Scheme
from core.models import Membership
from inspections.models import Finding, InspectionPlan, PlanTarget, ScoreTemplate, Visit
from outreach.models import ExchangeVisit, Need, Pairing, PartyDay, Post
from reports.models import Bulletin, ReportJob
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
from tests.assessment import test_pages as assessment_pages
from tests.inspections import test_pages as inspection_pages
from tests.studygroups import test_list_queries
from tests.studygroups.factories import StudySessionFactory, local
from tests.studygroups.test_list_queries import _fill

# The list tables: each module's ``LISTS`` are tested there with exact counts per role (its ``EXPECTED``).
LIST_TABLES = (test_list_queries, inspection_pages, assessment_pages)
LISTS = {name for table in LIST_TABLES for name in table.LISTS}
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
    "studygroups:membership_end": lambda w: {"pk": _newest(Membership, study_group=w.home.dept_group)},
    "inspections:plan_create": lambda w: {},
    "inspections:plan_detail": lambda w: {"pk": _newest(InspectionPlan, county=w.home.county)},
    "inspections:scorecard_detail": lambda w: {"pk": _newest(ScoreTemplate, county=w.home.county)},
    "inspections:target_update": lambda w: {"pk": _newest(PlanTarget, plan__county=w.home.county)},
    "inspections:target_withdraw": lambda w: {"pk": _newest(PlanTarget, plan__county=w.home.county)},
    "inspections:visit_create": lambda w: {"pk": _newest(PlanTarget, plan__county=w.home.county)},
    "inspections:flag_create": lambda w: {},
    "inspections:visit_detail": lambda w: {"pk": _newest(Visit, target__plan__county=w.home.county)},
    "inspections:finding_detail": lambda w: {"pk": _newest(Finding, visit__target__plan__county=w.home.county)},
    "outreach:pairing_create": lambda w: {},
    "outreach:pairing_detail": lambda w: {"pk": _newest(Pairing, group_a=w.home.dept_group)},
    "outreach:pairing_update": lambda w: {"pk": _newest(Pairing, group_a=w.home.dept_group)},
    "outreach:visit_create": lambda w: {},
    "outreach:visit_detail": lambda w: {"pk": _newest(ExchangeVisit, host_group=w.home.town_group)},
    "outreach:visit_update": lambda w: {"pk": _newest(ExchangeVisit, host_group=w.home.town_group)},
    "outreach:visit_cancel": lambda w: {"pk": _newest(ExchangeVisit, host_group=w.home.town_group)},
    "outreach:partyday_create": lambda w: {},
    "outreach:partyday_detail": lambda w: {"pk": _newest(PartyDay, branch=w.home.village)},
    "outreach:partyday_update": lambda w: {"pk": _newest(PartyDay, branch=w.home.village)},
    "outreach:households_create": lambda w: {},
    "outreach:need_create": lambda w: {},
    "outreach:need_detail": lambda w: {"pk": _newest(Need, branch=w.home.village)},
    "outreach:need_update": lambda w: {"pk": _newest(Need, branch=w.home.village)},
    "outreach:post_create": lambda w: {},
    "outreach:post_detail": lambda w: {"pk": _newest(Post, column__unit=w.home.county)},
    "outreach:post_update": lambda w: {"pk": _newest(Post, column__unit=w.home.county)},
    "outreach:column_create": lambda w: {},
    "outreach:feed_links": lambda w: {},
    "reports:job_detail": lambda w: {"pk": _newest(ReportJob, org=w.home.county)},
    "reports:pack_check": lambda w: {},
    "reports:narrative_group": lambda w: {"group_pk": w.home.dept_group.pk, "year": 2025, "half": 1},
    "reports:narrative_org": lambda w: {"org_pk": w.home.county.pk, "year": 2025, "half": 1},
    "reports:bulletin_create": lambda w: {},
    "reports:bulletin_detail": lambda w: {"pk": _newest(Bulletin, org=w.home.county)},
    "reports:bulletin_edit": lambda w: {"pk": _newest(Bulletin, org=w.home.county)},
    # The assessment's rows come from tests/assessment/fill.py (a run per fill, adjustments growing).
    "assessment:scheme_detail": lambda w: {"pk": _newest(Scheme, county=w.home.county)},
    "assessment:run_compute": lambda w: {"pk": _newest(Scheme, county=w.home.county)},
    "assessment:run_detail": lambda w: {"pk": _newest(Run, county=w.home.county)},
    "assessment:run_publish": lambda w: {"pk": _newest(Run, county=w.home.county)},
    "assessment:run_diff": lambda w: {"pk": _newest(Run, county=w.home.county)},  # the stored comparison
    "assessment:run_diff_status": lambda w: {"pk": _newest(Run, county=w.home.county)},
    "assessment:result_detail": lambda w: {"pk": _newest(Result, study_group=w.home.dept_group)},
    "assessment:charts": lambda w: {},
}
# URL names that are not pages to count, and why.
NOT_PAGES = {
    "login": "the sign-in form, before any account (a constant handful of queries by construction)",
    "logout": "POST only",
    "inspections:scorecard_create": "POST only (the form is on the scorecard list)",
    "inspections:scorecard_new_version": "POST only (a button on the scorecard page)",
    "assessment:scheme_create": "POST only (the form is on the scheme list)",
    "assessment:scheme_new_version": "POST only (a button on the scheme page)",
    "assessment:result_adjust": "POST only (the result page shows the form)",
    "attachment_download": "streams one file after one scoped lookup (tests/studygroups/test_attachments.py)",
    "studygroups:checkin": "an action: a GET checks the member in (tests/studygroups/test_checkin.py)",
    "studygroups:session_files_add": "POST only (the session page shows the form)",
    "studygroups:session_file_remove": "POST only",
    "studygroups:session_qr_json": "JSON polled by the check-in code page (one session, its code)",
    "autocomplete": "JSON for search-as-you-type, at most core.autocomplete.LIMIT rows in one query",
    "inspections:plan_propose": "POST only (the plan page shows the button)",
    "inspections:plan_approve": "POST only",
    "inspections:target_add": "POST only (the plan page shows the form)",
    "inspections:visit_score": "POST only (the visit page shows the scorecard)",
    "inspections:visit_summary": "POST only (the visit page shows the form)",
    "inspections:visit_publish": "POST only",
    "inspections:finding_create": "POST only (the visit page shows the form)",
    "inspections:finding_answer": "POST only (the rectification item's page shows the form)",
    "inspections:finding_close": "POST only",
    "inspections:finding_return": "POST only (the rectification item's page shows the form)",
    "outreach:need_action": "POST only (the need's page shows the forms)",
    "outreach:post_study": "POST only (the post's page shows the button)",
    "outreach:feed": "an Atom feed for feed readers, by secret token without sign-in, at most 50 posts",
    "reports:job_status": "JSON polled by the job's page (one job)",
    "reports:job_download": "streams one file after one scoped lookup (tests/reports/test_views.py)",
    "reports:bulletin_download": "streams the bulletin's PDF after one scoped lookup",
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
    missing = sorted(names - set(PAGES) - LISTS - set(NOT_PAGES))
    assert not missing, (
        "Pages without a query-count test: "
        + ", ".join(missing)
        + ". For each, add to PAGES in tests/test_page_coverage.py a line "
        + '"<url name>": lambda w: {"pk": <a row of the home county, e.g. _newest(Model, ...)>} '
        + "(lambda w: {} when the URL takes no argument), and make tests/studygroups/test_list_queries.py's "
        + "_fill() create more of the rows that page shows (an app's rows from its tests/<app>/fill.py); a list "
        + "page goes instead to LISTS and EXPECTED in tests/studygroups/test_list_queries.py (or in the table of "
        + "its app that LIST_TABLES names); only a URL that is no page to count (POST only, a file "
        + "download, an action) goes to NOT_PAGES here, with the reason."
    )
    stale = sorted((set(PAGES) | set(NOT_PAGES) | LISTS) - names)
    assert not stale, f"PAGES, NOT_PAGES or a list table name URLs that no longer exist: {', '.join(stale)}"
    twice = sorted((set(PAGES) & set(NOT_PAGES)) | (LISTS & (set(PAGES) | set(NOT_PAGES))))
    assert not twice, f"Named in more than one place: {', '.join(twice)}"


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
