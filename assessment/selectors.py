"""Reads of the assessment for pages, exports and later reports (the year-end pack, dashboards).

Rows come from the stored results (the snapshot), never from the records again. Pass ``results`` a scoped
queryset (``Result.objects.visible_to(user)``) where a user reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Avg, Case, Count, F, JSONField, Max, Min, Q, QuerySet, When

from assessment.models import Result, Run, SchemeIndicator
from core.models import OrgUnit
from core.registry import AssessmentPeriod


@dataclass(frozen=True)
class Cell:
    indicator: SchemeIndicator
    value: Decimal | None
    score: Decimal | None  # None: left out of the total (does not apply, or no value and skipped)
    _link: tuple = field(default=(), repr=False, compare=False)  # (measure, group, period, params) for ``url``

    @cached_property
    def url(self) -> str:
        """The filtered list of the records behind the number ("" when the measure is gone); built when a
        page shows it, never for an export."""
        if not self._link or self._link[0] is None:
            return ""
        source, group, period, params = self._link
        return source.records_url(group, period, params)


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


def ordered_results(run: Run, results=None) -> QuerySet[Result]:
    """The run's results in rank order (the table's order, whole run), with their groups and units."""
    results = Result.objects.all() if results is None else results
    return (
        results.filter(run=run)
        .select_related("study_group__unit")
        .order_by("rank", "study_group__unit__path", "study_group__unit__sort_order", "pk")
    )


def result_rows(run: Run, results=None, indicators: list[SchemeIndicator] | None = None) -> list[ResultRow]:
    """The run's rows in rank order, each with its per-indicator cells (two queries whatever the size)."""
    indicators = run_indicators(run) if indicators is None else indicators
    return rows_of(run, ordered_results(run, results), indicators)


def rows_of(run: Run, results: Iterable[Result], indicators: list[SchemeIndicator]) -> list[ResultRow]:
    """Rows of the given results of the run (a page of ``ordered_results``, say), in their order."""
    period = AssessmentPeriod(year=run.year, cutoff=run.cutoff)
    kinds = dict(OrgUnit.Kind.choices)
    measures = [(str(i.pk), i, i.registered, i.full_params()) for i in indicators]
    rows = []
    for result in results:
        cells = []
        for key, indicator, source, params in measures:
            line = result.lines.get(key, {})
            link = (source, result.study_group, period, params)
            cells.append(Cell(indicator, _decimal(line.get("value")), _decimal(line.get("score")), link))
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


@dataclass(frozen=True)
class RunSummary:
    """The numbers of a whole run as the user may see it, whichever page of its table is shown."""

    groups: int
    passed: int
    mean_total: Decimal | None
    best_total: Decimal | None
    weakest_total: Decimal | None

    @property
    def failed(self) -> int:
        return self.groups - self.passed


def run_summary(run: Run, results=None) -> RunSummary:
    """Groups, how many passed, and the mean, best and weakest total of the run (one query)."""
    results = Result.objects.all() if results is None else results
    numbers = results.filter(run=run).aggregate(
        groups=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
        mean=Avg("total"),
        best=Max("total"),
        weakest=Min("total"),
    )
    mean = numbers["mean"]
    return RunSummary(
        groups=numbers["groups"],
        passed=numbers["passed"],
        mean_total=None if mean is None else Decimal(mean).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        best_total=numbers["best"],
        weakest_total=numbers["weakest"],
    )


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


# ---- charts (the dashboards' assessment page) ---------------------------------------------------------


@dataclass(frozen=True)
class ChartData:
    """What the charts page draws for a county and year, read in a fixed number of queries."""

    county: OrgUnit
    year: int
    run: Run | None  # the year's published run, else its newest computed one
    sessions_by_month: list[int]  # held sessions of the county's active groups, January to December
    attendance: list[tuple[str, Decimal | None]]  # (group, attendance rate of the year), weakest first
    ranking: list[tuple[str, Decimal]]  # (group, total) of ``run``, best first
    indicator_labels: list[str]  # the indicators of ``run``'s scheme
    by_kind: dict[str, list[float | None]]  # unit kind label: mean score of each indicator, % of its weight
    previous_year: dict[str, list[float | None]]  # {year: mean % of weight per indicator}, this and last year
    spread: list[tuple[int, Decimal, Decimal, Decimal]]  # (year, best, median, weakest total) of each year


def _runs_by_year(county: OrgUnit, runs) -> dict[int, Run]:
    """The run that stands for each year: its published one, else the newest computed (one query)."""
    chosen: dict[int, Run] = {}
    for run in runs.filter(county=county).select_related("scheme").order_by("year", "created_at", "pk"):
        current = chosen.get(run.year)
        if current is None or not current.is_published:
            chosen[run.year] = run
    return chosen


def _percent_of_weight(results, indicators) -> list[float | None]:
    """Mean score of each indicator as a share of its weight (%), over the results that score it."""
    means = []
    for indicator in indicators:
        key = str(indicator.pk)
        shares = [
            Decimal(line["score"]) * 100 / indicator.weight
            for result in results
            if (line := result.lines.get(key, {})).get("score") is not None
        ]
        means.append(round(float(sum(shares) / len(shares)), 1) if shares else None)
    return means


ATTENDANCE_MEASURE = "studygroups.attendance_rate"


def _stored_attendance(run, rows_by_run, indicators_by_scheme) -> list[tuple[str, Decimal | None]] | None:
    """(group, attendance rate) from the run's stored results, when its scheme scores attendance: the
    snapshot the ranking beside it shows, without reading a year of attendance again (None otherwise)."""
    if run is None:
        return None
    indicator = next((i for i in indicators_by_scheme.get(run.scheme_id, []) if i.source == ATTENDANCE_MEASURE), None)
    if indicator is None:
        return None
    return [
        (r.study_group.name, _decimal(r.lines.get(str(indicator.pk), {}).get("value"))) for r in rows_by_run[run.pk]
    ]


def chart_data(county: OrgUnit, year: int, runs, results=None) -> ChartData:
    """The charts of the county's year. ``runs`` and ``results`` are the user's scoped querysets. Queries:
    the runs, their results and their indicators (one each) and the sessions by month (one), whatever the
    county's size. Attendance comes from the run's stored results when its scheme scores it; otherwise from
    the records (studygroups.selectors.stats.group_stats, eight queries more)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from core.models import StudyGroup
    from studygroups.models import StudySession
    from studygroups.selectors.stats import Period, group_stats

    results = Result.objects.all() if results is None else results
    by_year = _runs_by_year(county, runs)
    run = by_year.get(year)
    wanted = [r for y, r in by_year.items() if r.is_published or y in (year, year - 1)]
    rows_by_run: dict[int, list[Result]] = {r.pk: [] for r in wanted}
    # The lines (per-indicator scores, JSON) only of this year's run and last year's: the other years give
    # the spread their totals alone, so the JSON read stays two years' worth however many years are published.
    scored = [r.pk for r in (run, by_year.get(year - 1)) if r is not None]
    rows = (
        results.filter(run__in=[r.pk for r in wanted])
        .select_related("study_group")
        .defer("lines", "adjustments")
        .annotate(scored_lines=Case(When(run__in=scored, then=F("lines")), default=None, output_field=JSONField()))
        .order_by("rank", "pk")
    )
    for result in rows:
        result.lines = result.scored_lines or {}
        rows_by_run[result.run_id].append(result)
    indicators_by_scheme: dict[int, list[SchemeIndicator]] = {}
    for indicator in SchemeIndicator.objects.filter(scheme__in={r.scheme_id for r in wanted}).order_by("order", "pk"):
        indicators_by_scheme.setdefault(indicator.scheme_id, []).append(indicator)

    period = Period.year(year)
    groups = StudyGroup.objects.under(county).filter(is_active=True)
    months = [0] * 12
    held = (
        StudySession.objects.filter(
            study_group__in=groups, starts_at__gte=period.start, starts_at__lt=period.end, starts_at__lte=timezone.now()
        )
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in held:
        months[timezone.localtime(row["month"]).month - 1] += row["n"]
    stored = _stored_attendance(run, rows_by_run, indicators_by_scheme)
    if stored is None:
        # No run, or its scheme does not score attendance: the year's rates as the records stand now.
        names = dict(groups.values_list("pk", "name"))
        stats = group_stats(groups, period)
        stored = [(names[pk], row.attendance_rate) for pk, row in stats.items() if pk in names]
    attendance = sorted(stored, key=lambda item: (item[1] is not None, item[1] or 0, item[0]))

    ranking, labels, by_kind, previous = [], [], {}, {}
    if run is not None:
        current_rows = rows_by_run[run.pk]
        ranking = [(str(r.study_group), r.total) for r in current_rows]
        indicators = indicators_by_scheme.get(run.scheme_id, [])
        labels = [str(i.label) for i in indicators]
        kinds = dict(OrgUnit.Kind.choices)
        of_kind: dict[str, list[Result]] = {}
        for result in current_rows:
            of_kind.setdefault(result.unit_kind, []).append(result)
        for kind in sorted(of_kind):
            by_kind[str(kinds.get(kind, kind))] = _percent_of_weight(of_kind[kind], indicators)
        previous[str(year)] = _percent_of_weight(current_rows, indicators)
        last = by_year.get(year - 1)
        if last is not None:
            # Last year's indicators matched by measure: a scheme's version may order or weigh them otherwise.
            last_by_source = {i.source: i for i in indicators_by_scheme.get(last.scheme_id, [])}
            matched = [last_by_source.get(i.source) for i in indicators]
            last_rows = rows_by_run.get(last.pk, [])
            previous[str(year - 1)] = [None if m is None else _percent_of_weight(last_rows, [m])[0] for m in matched]
    spread = []
    for y, r in sorted(by_year.items()):
        totals = sorted(result.total for result in rows_by_run.get(r.pk, []))
        if r.is_published and totals:
            spread.append((y, totals[-1], _median(totals), totals[0]))
    return ChartData(county, year, run, months, attendance, ranking, labels, by_kind, previous, spread)


def _median(values: list[Decimal]) -> Decimal:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def dashboard_panel(user, today) -> dict:
    """Links to the results and the charts: no query, so the busiest dashboards stay within their budget."""
    return {}
