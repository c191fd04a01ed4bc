"""Computing a county's year from stub measures whose values the tests set, every number worked out by hand."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment import services
from assessment.models import Adjustment, Result, Run, Scheme
from core.models import OrgUnit
from core.versioning import TemplateLocked
from inspections.models import InspectionPlan
from inspections.services.plans import propose_key_targets
from tests.assessment.conftest import CUTOFF, HAND_LINES, YEAR, hand_values, make_scheme
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import StudySessionFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _rows(run):
    return {r.study_group_id: r for r in Result.objects.filter(run=run)}


@pytest.fixture
def computed(world, county, stubs):
    hand_values(stubs, county)
    scheme = make_scheme(county.county, HAND_LINES)
    return scheme, services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)


def test_scores_totals_ranks_and_pass_as_worked_out_by_hand(computed, county):
    scheme, run = computed
    rows = _rows(run)
    sessions, rate, outreach = (str(i.pk) for i in scheme.indicators.order_by("order"))
    a, b, c, d = (rows[g.pk] for g in (county.a, county.b, county.c, county.d))
    # A: 12/12 sessions → 40; 90/90 % → 30; outreach does not apply to a department: 70 of 70 → 100.
    assert (a.lines[sessions]["score"], a.lines[rate]["score"], a.lines[outreach]["score"]) == ("40.00", "30.00", None)
    assert a.score == D("100.00")
    # B: 6/12 → 20; no rate (scores nothing) → 0; 20 of 70 weight → 20 × 100 / 70 = 28.571… → 28.57.
    assert (b.lines[sessions]["score"], b.lines[rate]["value"], b.lines[rate]["score"]) == ("20.00", None, "0.00")
    assert b.score == D("28.57")
    # C: 15 sessions capped at 40; 45/90 → 15; 1 of 2 exchange visits, all or nothing → 0: 55.
    assert (c.lines[sessions]["score"], c.lines[rate]["score"], c.lines[outreach]["score"]) == (
        "40.00",
        "15.00",
        "0.00",
    )
    assert c.score == D("55.00")
    # D: 0 sessions → 0; 100 % capped at 30; 2 of 2 → 30: 60, exactly the pass threshold.
    assert d.score == D("60.00") and d.total == D("60.00")
    assert [a.passed, b.passed, c.passed, d.passed] == [True, False, False, True]
    assert [a.rank, d.rank, c.rank, b.rank] == [1, 2, 3, 4]
    assert [a.kind_rank, b.kind_rank, d.kind_rank, c.kind_rank] == [1, 2, 1, 2]
    assert (a.unit_kind, c.unit_kind) == (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.TOWNSHIP)


def test_a_total_just_below_the_threshold_fails(world, county, stubs):
    hand_values(stubs, county)
    scheme = make_scheme(county.county, HAND_LINES, threshold="60.01")
    run = services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)
    assert _rows(run)[county.d.pk].passed is False  # 60.00 < 60.01


def test_computing_twice_gives_the_same_numbers(computed, world):
    scheme, first = computed
    second = services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)
    fields = ("study_group_id", "lines", "score", "total", "rank", "kind_rank", "passed")
    rows = [list(Result.objects.filter(run=run).order_by("study_group").values(*fields)) for run in (first, second)]
    assert len(rows[0]) == 4 and rows[0] == rows[1]


def test_equal_totals_share_a_rank_and_the_next_is_skipped(computed, world, county):
    _, run = computed
    adjustment, run = services.adjust(
        run=run, study_group=county.c, points=D(5), reason="承办全旗现场会", user=world.users.staff
    )
    rows = _rows(run)
    # C: 55 + 5 = 60, level with D: A 1, C and D 2, B 4 (not 3); among townships both 1.
    assert rows[county.c.pk].total == D("60.00") and rows[county.c.pk].adjustment == D("5.00")
    assert [rows[g.pk].rank for g in (county.a, county.c, county.d, county.b)] == [1, 2, 2, 4]
    assert (rows[county.c.pk].kind_rank, rows[county.d.pk].kind_rank) == (1, 1)
    assert rows[county.c.pk].passed is True
    assert rows[county.c.pk].adjustments[0]["reason"] == "承办全旗现场会"


def test_competition_ranks():
    assert services.competition_ranks({1: D(9), 2: D(7), 3: D(9), 4: D(5)}) == {1: 1, 3: 1, 2: 3, 4: 4}


def test_an_adjustment_needs_a_reason_and_is_audited(computed, world, county):
    _, run = computed
    with pytest.raises(ValidationError):
        services.adjust(run=run, study_group=county.b, points=D(-2), reason="  ", user=world.users.staff)
    assert not Adjustment.objects.exists()
    adjustment, _ = services.adjust(
        run=run, study_group=county.b, points=D(-2), reason="学习记录补录", user=world.users.staff
    )
    history = adjustment.history.get()
    assert (history.history_type, history.history_user, history.reason) == ("+", world.users.staff, "学习记录补录")
    with pytest.raises(PermissionDenied):
        services.adjust(run=run, study_group=county.b, points=D(1), reason="x", user=world.users.auditor)


def test_a_used_scheme_is_locked_and_a_new_version_copies_it(computed, world):
    scheme, _ = computed
    scheme.pass_threshold = D(70)
    with pytest.raises(TemplateLocked):
        scheme.save()
    copy = services.scheme_new_version(scheme=scheme, user=world.users.staff)
    assert (copy.version, copy.indicators.count(), copy.is_locked()) == (2, 3, False)


def test_the_default_scheme_takes_the_registered_measures(world, stubs, monkeypatch):
    monkeypatch.setattr(
        services,
        "DEFAULT_INDICATORS",
        (
            ("t.sessions", 60, 12, "proportional", "zero"),
            ("missing.one", 10, 1, "proportional", "zero"),
            ("t.rate", 40, 90, "proportional", "zero"),
        ),
    )
    scheme = services.scheme_create_default(county=world.home.county, year=YEAR, user=world.users.staff)
    rows = list(scheme.indicators.order_by("order").values_list("source", "weight", "target"))
    assert rows == [("t.sessions", D(60), D(12)), ("t.rate", D(40), D(90))]
    assert scheme.pass_threshold == D(60) and scheme.full_score == D(100)


def test_the_real_default_weights_total_100():
    assert sum(weight for _, weight, *_ in services.DEFAULT_INDICATORS) == 100


def _add_groups(county_unit, n):
    for i in range(n):
        unit = OrgUnitFactory(parent=county_unit, kind=OrgUnit.Kind.TOWNSHIP, name=f"加镇{county_unit.pk}-{i}")
        StudyGroupFactory(unit=unit)


def test_queries_do_not_grow_with_the_groups(world, county, stubs):
    scheme = make_scheme(county.county, HAND_LINES)
    counts = []
    for extra in (0, 8):
        _add_groups(county.county, extra)
        with CaptureQueriesContext(connection) as queries:
            services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)
        counts.append(len(queries))
    assert Result.objects.filter(run__scheme=scheme).count() == 4 + 12
    assert counts[0] == counts[1]


def test_published_snapshot_survives_record_edits_and_the_diff_names_them(world, county, stubs):
    staff = world.users.staff
    session = StudySessionFactory(study_group=county.a, title="原标题")
    scheme = make_scheme(county.county, (("t.real_sessions", 100, 2, "proportional", "zero"),))
    run = services.compute(scheme=scheme, cutoff=timezone.now(), user=staff)
    run = services.publish(run=run, user=staff)
    line = str(scheme.indicators.get().pk)
    session.title = "改过的标题"
    session._history_user = world.users.secretary
    session.save()
    StudySessionFactory(study_group=county.a, title="发布后补录")

    result = Result.objects.get(run=run, study_group=county.a)
    assert (result.lines[line]["value"], result.total) == ("1", D("50.00"))  # 1 of 2 sessions: unchanged
    diff = services.recompute_diff(run=run)
    changed = [(c.study_group, c.indicator, c.old_value, c.new_value) for c in diff.lines if c.indicator]
    assert changed == [(county.a, scheme.indicators.get(), "1", "2")]
    named = {(c.model_label, c.object_id, c.by, c.study_group) for c in diff.records}
    assert ("studygroups.StudySession", session.pk, str(world.users.secretary), county.a) in named
    assert len(diff.records) == 2  # the edit and the new session
    with pytest.raises(ValidationError):
        services.compute(scheme=scheme, cutoff=timezone.now(), user=staff)
    with pytest.raises(ValidationError):
        services.adjust(run=run, study_group=county.a, points=D(1), reason="迟到", user=staff)


def test_groups_see_their_own_row_only_once_published(computed, world, county):
    _, run = computed
    secretary, member = world.users.secretary, world.users.member
    assert not Result.objects.visible_to(secretary).exists()
    assert not Run.objects.visible_to(secretary).exists()
    services.publish(run=run, user=world.users.staff)
    assert list(Result.objects.visible_to(secretary).values_list("study_group", flat=True)) == [county.a.pk]
    assert list(Result.objects.visible_to(member).values_list("study_group", flat=True)) == [county.a.pk]
    assert Run.objects.visible_to(secretary).get() == run
    assert Result.objects.visible_to(world.users.auditor).count() == 4


def test_another_county_sees_nothing(computed, outsider):
    assert not Result.objects.visible_to(outsider).exists()
    assert not Run.objects.visible_to(outsider).exists()
    assert not Scheme.objects.visible_to(outsider).exists()


def test_only_the_newest_run_is_published(computed, world):
    scheme, old = computed
    services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)
    with pytest.raises(ValidationError):
        services.publish(run=old, user=world.users.staff)
    with pytest.raises(PermissionDenied):
        services.publish(run=old, user=world.users.auditor)


def test_failed_and_weakest_groups_become_key_targets(computed, world, county):
    _, run = computed
    services.publish(run=run, user=world.users.staff)
    plan = InspectionPlan.objects.create(county=county.county, year=YEAR + 1)
    groups = [county.a, county.b, county.c, county.d]
    reasons = propose_key_targets(plan=plan, groups=groups)
    # B (28.57) and C (55) failed; of A and D who passed, D (60) is the weakest tenth (at least one).
    assert "2025年度考核不合格：总分28.57分，低于合格线60.00分。" in reasons[county.b.pk]
    assert "2025年度考核不合格：总分55.00分，低于合格线60.00分。" in reasons[county.c.pk]
    assert "2025年度考核得分较低：总分60.00分，全县第2名（共4个）。" in reasons[county.d.pk]
    assert not any("考核" in reason for reason in reasons.get(county.a.pk, []))


def test_no_published_results_propose_nothing(computed, world, county):
    plan = InspectionPlan.objects.create(county=county.county, year=YEAR + 1)
    assert services.key_target_candidates(plan=plan, groups=[county.a, county.b]) == []


def test_a_measure_without_a_value_is_left_out_when_the_scheme_says_so(world, county, stubs):
    hand_values(stubs, county)
    lines = (HAND_LINES[0], ("t.rate", 30, 90, "proportional", "skip"), HAND_LINES[2])
    run = services.compute(scheme=make_scheme(county.county, lines), cutoff=CUTOFF, user=world.users.staff)
    # B: no rate, left out: 6/12 sessions → 20 of the 40 that count → 20 × 100 / 40 = 50.
    assert _rows(run)[county.b.pk].score == D("50.00")


def test_selectors_give_the_published_rows_and_the_years(computed, world, county):
    from assessment import selectors

    scheme, run = computed
    assert selectors.published_results(county.county, YEAR) == []
    services.publish(run=run, user=world.users.staff)
    rows = selectors.published_results(county.county, YEAR)
    assert [(r.study_group, r.total, r.rank, r.kind_rank) for r in rows] == [
        (county.a, D("100.00"), 1, 1),
        (county.d, D("60.00"), 2, 1),
        (county.c, D("55.00"), 3, 2),
        (county.b, D("28.57"), 4, 2),
    ]
    assert [cell.score for cell in rows[0].cells] == [D("40.00"), D("30.00"), None]
    assert rows[0].cells[0].url == f"/records/s/?group={county.a.pk}&year=2025"
    secretary_rows = selectors.published_results(county.county, YEAR, Result.objects.visible_to(world.users.secretary))
    assert [r.study_group for r in secretary_rows] == [county.a]
    assert list(selectors.results_across_years(county.county)) == [YEAR]
