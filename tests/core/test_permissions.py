"""Every role against every page, the expected status worked out from core.policy and the scoping.

Each page declares what its view asks: an action of the policy (about a kind of record), and the record its
URL names. The expected answer follows from them, not from a table written by hand:

- anonymous: sent to the login page;
- a role the policy refuses: 403;
- a record outside the user's scope (``visible_to``; ``editable_by`` for a write page, which finds its
  record among the rows the user may change): 404;
- otherwise 200.

Changing a rule in core.policy changes what this test expects, so it checks that the views ask the policy
the question they declare. Pages outside the policy (health check, Django's admin, an unknown kind of
record) keep their expectations written out. The outsider is staff of the other county.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from core import policy
from core.models import Role
from core.policy import Action

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "region_auditor", "superuser", "outsider"]


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Any], str]
    action: Action
    # The kind of record the action is about ("app.Model"); by default the record's own model.
    model: str | None = None
    # The record the URL names, which the user must reach (else 404).
    record: Callable[[Any], Any] | None = None
    # A write page finds its record among the rows the user may change.
    writes: bool = False


def _url(name: str, *objects: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda w: reverse(name, args=[get(w).pk for get in objects])


def _dept(w):
    return w.home.dept


def _town(w):
    return w.home.town


def _dept_group(w):
    return w.home.dept_group


def _town_group(w):
    return w.home.town_group


def _member(w):
    return w.home.member


def _town_member(w):
    return w.home.town_member


def _membership(w):
    return w.home.member.memberships.get()


def _visit(w):
    """A visit in the home department's group, assigned to the home inspector, unpublished (made once)."""
    if not hasattr(w, "visit"):
        from tests.inspections.factories import make_plan, make_target, make_template, make_visit

        make_template(w.home.county)
        target = make_target(make_plan(w.home.county), w.home.dept_group)
        w.visit = make_visit(target, inspectors=[w.users.inspector])
    return w.visit


def _finding(w):
    if not hasattr(w, "finding"):
        from inspections.models import Finding

        w.finding = Finding.objects.create(
            visit=_visit(w), category="focus", description="研讨不聚焦", advice="聚焦主题", deadline="2030-01-01"
        )
    return w.finding


PAGES = [
    Page("dashboard", _url("dashboard"), Action.VIEW),
    Page("orgunit_list", _url("studygroups:orgunit_list"), Action.VIEW, "core.OrgUnit"),
    Page("orgunit_detail", _url("studygroups:orgunit_detail", _dept), Action.VIEW, record=_dept),
    Page("orgunit_detail_town", _url("studygroups:orgunit_detail", _town), Action.VIEW, record=_town),
    Page("orgunit_create", _url("studygroups:orgunit_create"), Action.CHANGE, "core.OrgUnit"),
    Page("orgunit_update", _url("studygroups:orgunit_update", _dept), Action.CHANGE, record=_dept, writes=True),
    Page("studygroup_list", _url("studygroups:studygroup_list"), Action.VIEW, "core.StudyGroup"),
    Page("studygroup_detail", _url("studygroups:studygroup_detail", _dept_group), Action.VIEW, record=_dept_group),
    Page(
        "studygroup_detail_town",
        _url("studygroups:studygroup_detail", _town_group),
        Action.VIEW,
        record=_town_group,
    ),
    Page(
        "studygroup_update",
        _url("studygroups:studygroup_update", _dept_group),
        Action.CHANGE,
        record=_dept_group,
        writes=True,
    ),
    Page(
        "membership_create",
        _url("studygroups:membership_create", _dept_group),
        Action.CHANGE,
        "core.Membership",
        record=_dept_group,
    ),
    Page(
        "membership_update",
        _url("studygroups:membership_update", _membership),
        Action.CHANGE,
        record=_membership,
        writes=True,
    ),
    Page("person_list", _url("studygroups:person_list"), Action.VIEW, "core.Person"),
    Page("person_create", _url("studygroups:person_create"), Action.CHANGE, "core.Person"),
    Page("person_detail", _url("studygroups:person_detail", _member), Action.VIEW, record=_member),
    Page("person_detail_town", _url("studygroups:person_detail", _town_member), Action.VIEW, record=_town_member),
    Page("person_update", _url("studygroups:person_update", _member), Action.CHANGE, record=_member, writes=True),
    Page(
        "history_person",
        lambda w: reverse("record_history", args=["person", w.home.member.pk]),
        Action.HISTORY,
        record=_member,
    ),
    Page("import_upload", _url("studygroups:import_upload"), Action.IMPORT),
    Page("import_template", _url("studygroups:import_template"), Action.IMPORT),
    Page("plan_coverage", _url("studygroups:plan_coverage"), Action.BROWSE),
    Page("reading_progress", _url("studygroups:reading_progress"), Action.BROWSE),
    Page("group_archive", _url("studygroups:group_archive", _dept_group), Action.BROWSE, record=_dept_group),
    Page("member_archive_own", _url("studygroups:member_archive", _member), Action.VIEW, record=_member),
    Page("plan_create", _url("studygroups:plan_create"), Action.CHANGE, "studygroups.Plan"),
    Page("reading_create", _url("studygroups:reading_create"), Action.CHANGE, "studygroups.RequiredReading"),
    Page("selfstudy_create", _url("studygroups:selfstudy_create"), Action.CHANGE, "studygroups.SelfStudy"),
    Page("exam_create", _url("studygroups:exam_create"), Action.CHANGE, "studygroups.ExamScore"),
    Page(
        "session_create",
        _url("studygroups:session_create", _dept_group),
        Action.CHANGE,
        "studygroups.StudySession",
        record=_dept_group,
    ),
]
PAGES += [
    Page("inspection_plan_list", _url("inspections:plan_list"), Action.SUPERVISE),
    Page("inspection_plan_create", _url("inspections:plan_create"), Action.CHANGE, "inspections.InspectionPlan"),
    Page("inspection_flag_create", _url("inspections:flag_create"), Action.CHANGE, "inspections.PlanTarget"),
    Page("inspection_bulletin", _url("inspections:bulletin"), Action.SUPERVISE),
    Page("inspection_visit_list", _url("inspections:visit_list"), Action.VIEW, "inspections.Visit"),
    Page("inspection_visit_detail", _url("inspections:visit_detail", _visit), Action.VIEW, record=_visit),
    Page("inspection_finding_list", _url("inspections:finding_list"), Action.VIEW, "inspections.Finding"),
    Page("inspection_finding_detail", _url("inspections:finding_detail", _finding), Action.VIEW, record=_finding),
]


def _outreach(w):
    """The home county's outreach records, made once: a pair of the home department and township with a visit
    the township hosts, a party day and a need at the township's village, a post of the county's column."""
    if not hasattr(w, "outreach"):
        import datetime

        from outreach.models import ExchangeVisit, Pairing
        from tests.outreach.factories import need, party_day, post
        from tests.studygroups.factories import local

        a, b = sorted((w.home.dept_group, w.home.town_group), key=lambda g: g.pk)
        pairing = Pairing.objects.create(year=2025, group_a=a, group_b=b)
        visit = ExchangeVisit.objects.create(
            pairing=pairing,
            host_group=w.home.town_group,
            guest_group=w.home.dept_group,
            title="三看一听一分享",
            starts_at=local(2025, 4, 10, 9),
            ends_at=local(2025, 4, 10, 12),
            place="镇政府",
        )
        day = party_day(w.home.village, datetime.date(2025, 4, 1), members=3)
        w.outreach = {
            "pairing": pairing,
            "visit": visit,
            "party_day": day,
            "need": need(w.home.village, day.held_on, datetime.date(2025, 5, 1), party_day=day),
            "post": post(w.home.county),
        }
    return w.outreach


def _pairing(w):
    return _outreach(w)["pairing"]


def _exchange(w):
    return _outreach(w)["visit"]


def _party_day(w):
    return _outreach(w)["party_day"]


def _need(w):
    return _outreach(w)["need"]


def _post(w):
    return _outreach(w)["post"]


PAGES += [
    Page("outreach_pairing_list", _url("outreach:pairing_list"), Action.VIEW, "outreach.Pairing"),
    Page("outreach_pairing_create", _url("outreach:pairing_create"), Action.CHANGE, "outreach.Pairing"),
    Page("outreach_pairing_detail", _url("outreach:pairing_detail", _pairing), Action.VIEW, record=_pairing),
    Page(
        "outreach_pairing_update",
        _url("outreach:pairing_update", _pairing),
        Action.CHANGE,
        record=_pairing,
        writes=True,
    ),
    Page("outreach_visit_list", _url("outreach:visit_list"), Action.VIEW, "outreach.ExchangeVisit"),
    Page("outreach_visit_create", _url("outreach:visit_create"), Action.CHANGE, "outreach.ExchangeVisit"),
    Page("outreach_visit_detail", _url("outreach:visit_detail", _exchange), Action.VIEW, record=_exchange),
    Page(
        "outreach_visit_update", _url("outreach:visit_update", _exchange), Action.CHANGE, record=_exchange, writes=True
    ),
    Page(
        "outreach_visit_cancel", _url("outreach:visit_cancel", _exchange), Action.CHANGE, record=_exchange, writes=True
    ),
    Page("outreach_partyday_list", _url("outreach:partyday_list"), Action.BROWSE),
    Page("outreach_partyday_create", _url("outreach:partyday_create"), Action.CHANGE, "outreach.PartyDay"),
    Page("outreach_partyday_detail", _url("outreach:partyday_detail", _party_day), Action.VIEW, record=_party_day),
    Page(
        "outreach_partyday_update",
        _url("outreach:partyday_update", _party_day),
        Action.CHANGE,
        record=_party_day,
        writes=True,
    ),
    Page("outreach_households_create", _url("outreach:households_create"), Action.CHANGE, "outreach.BranchHouseholds"),
    Page("outreach_coverage", _url("outreach:coverage"), Action.BROWSE),
    Page("outreach_need_list", _url("outreach:need_list"), Action.BROWSE),
    Page("outreach_need_create", _url("outreach:need_create"), Action.CHANGE, "outreach.Need"),
    Page("outreach_need_detail", _url("outreach:need_detail", _need), Action.VIEW, record=_need),
    Page("outreach_need_update", _url("outreach:need_update", _need), Action.CHANGE, record=_need, writes=True),
    Page("outreach_post_list", _url("outreach:post_list"), Action.VIEW, "outreach.Post"),
    Page("outreach_post_create", _url("outreach:post_create"), Action.CHANGE, "outreach.Post"),
    Page("outreach_post_detail", _url("outreach:post_detail", _post), Action.VIEW, record=_post),
    Page("outreach_post_update", _url("outreach:post_update", _post), Action.CHANGE, record=_post, writes=True),
    Page("outreach_post_reading", _url("outreach:post_reading"), Action.SUPERVISE),
    Page("outreach_column_create", _url("outreach:column_create"), Action.CHANGE, "outreach.Column"),
]


def _assessment_run(w):
    """A published assessment run of the home county (an empty scheme: no measure needed), made once."""
    if not hasattr(w, "assessment_run"):
        from assessment import services
        from assessment.models import Scheme

        scheme = Scheme.objects.create(county=w.home.county, year=2025, name="考核")
        run = services.compute(scheme=scheme, cutoff=timezone.now(), user=w.users.staff)
        w.assessment_run = services.publish(run=run, user=w.users.staff)
    return w.assessment_run


def _assessment_result(w):
    return _assessment_run(w).results.get(study_group=w.home.dept_group)


PAGES += [
    Page("assessment_scheme_list", _url("assessment:scheme_list"), Action.SUPERVISE),
    Page("assessment_charts", _url("assessment:charts"), Action.SUPERVISE),
    Page("assessment_run_list", _url("assessment:run_list"), Action.VIEW, "assessment.Run"),
    Page("assessment_run_detail", _url("assessment:run_detail", _assessment_run), Action.VIEW, record=_assessment_run),
    Page(
        "assessment_run_publish",
        _url("assessment:run_publish", _assessment_run),
        Action.PUBLISH,
        record=_assessment_run,
        writes=True,
    ),
    Page("assessment_run_diff", _url("assessment:run_diff", _assessment_run), Action.SUPERVISE, record=_assessment_run),
    Page(
        "assessment_result_detail",
        _url("assessment:result_detail", _assessment_result),
        Action.VIEW,
        record=_assessment_result,
    ),
]
PAGES_BY_NAME = {page.name: page for page in PAGES}

# Pages the policy does not decide: (name, url, expected status for an account, or None for anonymous).
OUTSIDE_POLICY = [
    ("healthz", _url("healthz"), lambda user: 200),  # public: the load balancer's probe
    ("admin", _url("admin:index"), lambda user: 200 if user is not None and user.is_staff else 302),  # Django's
    (
        "history_unknown_model",
        lambda w: reverse("record_history", args=["user", 1]),
        lambda user: 302 if user is None else 404,  # no such kind of record, whoever asks
    ),
    # Every account's own feed links (the feeds show what the account may see).
    ("outreach_feed_links", _url("outreach:feed_links"), lambda user: 302 if user is None else 200),
]

# Writes: the refusals are checked here, the allowed writes by the feature tests.
POST_PAGES = [
    "orgunit_update",
    "person_update",
    "person_create",
    "membership_create",
    "import_upload",
    "outreach_pairing_update",
    "outreach_visit_cancel",
    "outreach_need_update",
    "outreach_post_update",
]


def _user(request, world, role):
    if role == "anon":
        return None
    if role == "outsider":
        return request.getfixturevalue("outsider")
    return getattr(world.users, role)


def _reaches(user, obj, *, writes: bool) -> bool:
    rows = type(obj).objects.editable_by(user) if writes else type(obj).objects.visible_to(user)
    return rows.filter(pk=obj.pk).exists()


def expected_status(page: Page, world, user) -> int:
    """What the policy and the scoping say ``user`` gets from ``page``."""
    if user is None:
        return 302
    record = page.record(world) if page.record else None
    refused = not policy.can(user, page.action, page.model or record)
    out_of_scope = record is not None and not _reaches(user, record, writes=False)
    if refused and out_of_scope and not page.writes:
        # Views differ in which of the two they check first; a page here must not depend on it. Write pages all
        # ask the role first (core.access.ScopedWriteMixin, ensure_can_write), before looking for the record.
        pytest.fail(f"{page.name}: {user} is both refused and out of scope; name another record")
    if refused:
        return 403
    if out_of_scope or (page.writes and not _reaches(user, record, writes=True)):
        return 404
    return 200


def _assert_answer(response, want: int, what: str):
    assert response.status_code == want, what
    if want == 302:
        assert response.url.startswith(resolve_url("login")), f"{what}: not sent to the login page"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_get_follows_the_policy(client, world, role, page, request, client_as):
    user = _user(request, world, role)
    want = expected_status(page, world, user)
    if role == "outsider" and page.record:
        # Whatever the rules say, another county's account never reaches the home county's records.
        assert want == 404
    _assert_answer(client_as(role).get(page.url(world)), want, f"{role} GET {page.name}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,want", OUTSIDE_POLICY, ids=[row[0] for row in OUTSIDE_POLICY])
def test_get_outside_the_policy(client, world, role, name, url, want, request, client_as):
    user = _user(request, world, role)
    # (The admin sends to its own login page.)
    assert client_as(role).get(url(world)).status_code == want(user), f"{role} GET {name}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", POST_PAGES)
def test_post_refusals_follow_the_policy(client, world, role, name, request, client_as):
    page = PAGES_BY_NAME[name]
    user = _user(request, world, role)
    want = expected_status(page, world, user)
    response = client_as(role).post(page.url(world), {"name": "改名"})
    if want == 200:
        assert response.status_code not in (403, 404), f"{role} POST {name} refused"
    else:
        _assert_answer(response, want, f"{role} POST {name}")


def test_every_page_names_a_real_model():
    for page in PAGES:
        if page.model:
            apps.get_model(page.model)


def test_a_rule_changed_in_the_policy_changes_what_the_views_answer(client, world, monkeypatch, client_as):
    page = PAGES_BY_NAME["plan_coverage"]
    secretary = world.users.secretary
    assert client_as("secretary").get(page.url(world)).status_code == 200
    without_secretaries = tuple(r for r in policy.RULES[Action.BROWSE] if r != Role.SECRETARY)
    monkeypatch.setitem(policy.RULES, Action.BROWSE, without_secretaries)
    assert expected_status(page, world, secretary) == 403
    assert client.get(page.url(world)).status_code == 403
