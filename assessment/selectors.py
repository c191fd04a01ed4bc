"""Reads of the assessment for pages, exports and later reports (the year-end pack, dashboards).

Rows come from the stored results (the snapshot), never from the records again. Pass ``results`` a scoped
queryset (``Result.objects.visible_to(user)``) where a user reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assessment.models import Result, Run, SchemeIndicator
from core.models import OrgUnit
from core.registry import AssessmentPeriod


@dataclass(frozen=True)
class Cell:
    indicator: SchemeIndicator
    value: Decimal | None
    score: Decimal | None  # None: left out of the total (does not apply, or no value and skipped)
    url: str  # the filtered list of the records behind the number ("" when the measure is gone)


@dataclass(frozen=True)
class ResultRow:
    result: Result
    study_group: object
    unit: OrgUnit
    unit_kind: str
    unit_kind_label: str
    cells: list[Cell]
    score: Decimal
    adjustment: Decimal
    total: Decimal
    rank: int
    kind_rank: int
    passed: bool


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def run_indicators(run: Run) -> list[SchemeIndicator]:
    return list(run.scheme.indicators.order_by("order", "pk"))


def result_rows(run: Run, results=None, indicators: list[SchemeIndicator] | None = None) -> list[ResultRow]:
    """The run's rows in rank order, each with its per-indicator cells (two queries whatever the size)."""
    indicators = run_indicators(run) if indicators is None else indicators
    results = Result.objects.all() if results is None else results
    results = (
        results.filter(run=run)
        .select_related("study_group__unit")
        .order_by("rank", "study_group__unit__path", "study_group__unit__sort_order", "pk")
    )
    period = AssessmentPeriod(year=run.year, cutoff=run.cutoff)
    kinds = dict(OrgUnit.Kind.choices)
    rows = []
    for result in results:
        cells = []
        for indicator in indicators:
            line = result.lines.get(str(indicator.pk), {})
            source = indicator.registered
            url = source.records_url(result.study_group, period, indicator.full_params()) if source else ""
            cells.append(Cell(indicator, _decimal(line.get("value")), _decimal(line.get("score")), url))
        rows.append(
            ResultRow(
                result=result,
                study_group=result.study_group,
                unit=result.study_group.unit,
                unit_kind=result.unit_kind,
                unit_kind_label=str(kinds.get(result.unit_kind, result.unit_kind)),
                cells=cells,
                score=result.score,
                adjustment=result.adjustment,
                total=result.total,
                rank=result.rank,
                kind_rank=result.kind_rank,
                passed=result.passed,
            )
        )
    return rows


def published_run(county: OrgUnit, year: int) -> Run | None:
    return Run.objects.filter(county=county, year=year, published_at__isnull=False).select_related("scheme").first()


def published_results(county: OrgUnit, year: int, results=None) -> list[ResultRow]:
    """The county's published results of ``year`` (empty before publication), in rank order."""
    run = published_run(county, year)
    return result_rows(run, results) if run else []


def results_across_years(county: OrgUnit, years=None, results=None) -> dict[int, list[ResultRow]]:
    """{year: published rows} for the county's published years (``years`` to limit them), oldest first."""
    runs = Run.objects.filter(county=county, published_at__isnull=False).select_related("scheme").order_by("year")
    if years is not None:
        runs = runs.filter(year__in=list(years))
    return {run.year: result_rows(run, results) for run in runs}
