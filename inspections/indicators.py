"""The inspections' indicators for the annual assessment (core.registry.IndicatorSource), registered in
``InspectionsConfig.ready()``. A visit belongs to the year when its session started in it (as in the
bulletin, inspections.selectors.bulletin), and counts only when that session started by ``period.cutoff``;
scores count once published by the cut-off, rectification items once closed by it. Rows are read by those
dates, not by their entry time: an item entered after the cut-off for an earlier visit counts (the
assessment's recompute diff names it from its history).
Each ``compute`` takes two queries (the group ids, then one aggregate grouped by group), whatever the number
of groups.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.registry import IndicatorSource, indicator_sources
from inspections.models import Finding, Visit
from studygroups.indicators import group_ids, list_url, year_of
from studygroups.selectors.stats import attendance_rate

ONE_PLACE = Decimal("0.1")


def _visits_of(ids: list[int], period) -> dict:
    year = year_of(period)
    return {
        "session__study_group_id__in": ids,
        "session_starts_at__gte": year.start,
        "session_starts_at__lt": year.end,
        "session_starts_at__lte": period.cutoff,
    }


def visit_score(groups, period, params):
    """The mean of the group's published visits' scores of the year, each as a share of its scorecard's full
    score (total ÷ full score × 100, as the bulletin compares them), one decimal, half up. Visits published
    after the cut-off do not count. None without a published visit."""
    ids = group_ids(groups)
    share = ExpressionWrapper(
        F("total") * 100 / F("max_total"), output_field=DecimalField(max_digits=9, decimal_places=4)
    )
    rows = (
        Visit.objects.filter(
            published_at__lte=period.cutoff, total__isnull=False, max_total__gt=0, **_visits_of(ids, period)
        )
        .values_list("session__study_group_id")
        .annotate(avg=Avg(share))
        .order_by()
    )
    result = dict.fromkeys(ids)
    for pk, average in rows:
        result[pk] = Decimal(average).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    return result


def visit_score_url(group, period, params):
    return list_url("inspections:visit_list", study_group=group.pk, year=period.year, state="published")


def rectified_on_time(groups, period, params):
    """Of the rectification items of the year's visits that are due by the cut-off (the deadline passed
    before the cut-off's day, or closed by the cut-off), the share closed (verified) by the cut-off on or
    before its deadline, in per cent. An item still open whose deadline has not passed is not counted yet.
    None without such items. Items count by these dates, not by when the row was entered (``created_at``
    is the entry time, which for back-filled records comes long after the fact)."""
    ids = group_ids(groups)
    day = timezone.localdate(period.cutoff)
    closed = Q(status=Finding.Status.CLOSED, verified_at__lte=period.cutoff)
    rows = (
        Finding.objects.filter(**{f"visit__{k}": v for k, v in _visits_of(ids, period).items()})
        .alias(closed_day=TruncDate("verified_at"))
        .values_list("visit__session__study_group_id")
        .annotate(
            due=Count("pk", filter=closed | Q(deadline__lt=day)),
            on_time=Count("pk", filter=closed & Q(closed_day__lte=F("deadline"))),
        )
        .order_by()
    )
    result = dict.fromkeys(ids)
    for pk, due, on_time in rows:
        result[pk] = attendance_rate(on_time, due)
    return result


def findings_url(group, period, params):
    return list_url("inspections:finding_list", study_group=group.pk, year=period.year)


SOURCES = [
    IndicatorSource(
        name="inspections.visit_score",
        label=_("Sit-in inspection score"),
        unit="%",
        compute=visit_score,
        records_url=visit_score_url,
        records=(("inspections.Visit", "session__study_group"), ("inspections.Score", "visit__session__study_group")),
        default_target=Decimal(85),
        order=30,
    ),
    IndicatorSource(
        name="inspections.rectified_on_time",
        label=_("Rectification items closed on time"),
        unit="%",
        compute=rectified_on_time,
        records_url=findings_url,
        records=(("inspections.Finding", "visit__session__study_group"),),
        default_target=Decimal(100),
        order=31,
    ),
]


def register() -> None:
    for source in SOURCES:
        indicator_sources.register(source)
