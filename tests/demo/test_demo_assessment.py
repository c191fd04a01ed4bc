"""The assessment demo step: the finished years' published assessments, consistent with the demo records
(seed 7, reference day TODAY, as the other demo tests)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from assessment.models import Adjustment, Result, Run, Scheme, SchemeIndicator
from demo import seed
from demo.context import moment
from studygroups.models import StudySession

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)
NOW = moment(TODAY)
KINDS = ("concentrated", "seminar", "lecture")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed.build("demo", seed=7, today=TODAY)
        transaction.set_rollback(True)


def test_the_finished_years_are_published_and_this_year_has_its_scheme_only(demo):
    county = demo.counties[0].unit
    runs = list(Run.objects.filter(county=county).order_by("year"))
    assert [(r.year, r.is_published) for r in runs] == [(2023, True), (2024, True)]
    for run in runs:
        # Computed at the year-end cut-off (10 January, 09:00), published five days later, before today.
        assert run.cutoff == moment(datetime.date(run.year + 1, 1, 10), 9 * 60)
        assert run.cutoff < run.created_at < run.published_at < NOW
        assert run.published_at.date() == datetime.date(run.year + 1, 1, 15)
        assert run.published_by == demo.accounts["staff"]
        assert run.results.count() == sum(1 for g in demo.groups if g.is_active) == 30
        assert list(run.history.order_by("history_date").values_list("history_type", flat=True)) == ["+", "~"]
    schemes = Scheme.objects.filter(county=county).order_by("year")
    assert [(s.year, s.version, s.is_locked()) for s in schemes] == [(2023, 1, True), (2024, 1, True), (2025, 1, False)]
    # The default scheme: 15 indicators whose weights total 100.
    assert [s.full_score for s in schemes] == [Decimal(100)] * 3
    assert SchemeIndicator.objects.filter(scheme__county=county).count() == 45


def test_one_adjustment_a_year_with_its_reason_counted_in_the_total(demo):
    for year in (2023, 2024):
        (adjustment,) = Adjustment.objects.filter(year=year)
        assert adjustment.reason and adjustment.points != 0
        assert adjustment.created_at.date() == datetime.date(year + 1, 1, 8)
        result = Result.objects.get(run__year=year, study_group=adjustment.study_group)
        assert result.adjustment == adjustment.points
        assert result.total == result.score + adjustment.points
        assert result.adjustments[0]["reason"] == adjustment.reason
        others = Result.objects.filter(run__year=year).exclude(pk=result.pk)
        assert all(r.adjustment == 0 and r.total == r.score for r in others)


def test_ranks_follow_the_totals_and_pass_follows_the_threshold(demo):
    for run in Run.objects.all():
        results = list(run.results.all())
        for r in results:
            assert r.rank == 1 + sum(1 for o in results if o.total > r.total)
            assert r.passed == (r.total >= Decimal(60))
        # The demo's groups differ: not all share one total.
        assert len({r.total for r in results}) > 10


def test_the_numbers_are_those_of_the_records(demo):
    """Sessions held by each group worked out here from the demo's rows, against the stored values of the
    concentrated-sessions line."""
    run = Run.objects.get(year=2024)
    start = moment(datetime.date(2024, 1, 1))
    end = moment(datetime.date(2025, 1, 1))
    held = StudySession.objects.filter(starts_at__gte=start, starts_at__lt=end, starts_at__lte=run.cutoff)
    sessions_line = SchemeIndicator.objects.get(scheme=run.scheme, source="studygroups.concentrated_sessions")
    for result in run.results.select_related("study_group"):
        count = held.filter(study_group=result.study_group, kind__in=KINDS).count()
        assert Decimal(result.lines[str(sessions_line.pk)]["value"]) == count
    # Over the whole county: the groups' counts add up to the year's held sessions of those kinds.
    total = sum(Decimal(r.lines[str(sessions_line.pk)]["value"]) for r in run.results.all())
    assert total == held.filter(kind__in=KINDS, study_group__is_active=True).count() > 0
