"""Bulletin data (定期通报) for an org node and a period: visits done against plan, scores by group and by
kind of unit, the most frequent problems, groups praised and criticised, rectification, late materials and
late summaries. The page shows it; the reports app renders it as the bulletin PDF.

Definitions:

- A visit belongs to the period when its session started inside it. **Done**: scored. **Planned**: the
  planned visits of the targets (not withdrawn) of the plans of the period's year under the node.
- Scores are compared as a share of the full score (total ÷ full score × 100, one decimal, half up), so
  scorecard versions with different maxima compare; a group's average is the mean of its visits' shares.
- **Praised**: average at least ``INSPECTION_PRAISE_PERCENT``; **criticised**: below
  ``INSPECTION_CRITICISE_PERCENT``.
- Problems and rectification count the findings of the period's visits; **overdue**: still owed (open or
  sent back) after the deadline, on ``today``.
- Late materials and summaries: see ``inspections.selectors.visits.with_flags``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from core.models import OrgUnit
from inspections.models import Finding, PlanTarget, Visit
from inspections.selectors.visits import with_flags
from studygroups.selectors.stats import Period

ONE_PLACE = Decimal("0.1")


def _one_place(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupScore:
    group_id: int
    name: str
    unit_kind: str
    visits: int
    average_percent: Decimal | None


@dataclass(frozen=True)
class KindScore:
    unit_kind: str
    label: str
    visits: int
    average_percent: Decimal | None


@dataclass(frozen=True)
class LateVisit:
    visit_id: int
    group: str
    session_day: datetime.date
    due: datetime.date
    done_at: datetime.datetime | None


@dataclass
class Bulletin:
    node: OrgUnit
    period: Period
    visits_planned: int = 0
    visits_assigned: int = 0
    visits_done: int = 0
    visits_published: int = 0
    by_group: list[GroupScore] = field(default_factory=list)
    by_unit_kind: list[KindScore] = field(default_factory=list)
    top_problems: list[tuple[str, str, int]] = field(default_factory=list)  # (category, label, count)
    praised: list[GroupScore] = field(default_factory=list)
    criticised: list[GroupScore] = field(default_factory=list)
    rectification: dict[str, int] = field(default_factory=dict)  # by Finding.Status value
    rectification_overdue: int = 0
    late_materials: list[LateVisit] = field(default_factory=list)
    late_summaries: list[LateVisit] = field(default_factory=list)

    @property
    def done_percent(self) -> Decimal | None:
        if not self.visits_planned:
            return None
        return _one_place(Decimal(self.visits_done * 100) / self.visits_planned)

    @property
    def findings(self) -> int:
        return sum(self.rectification.values())


def bulletin_data(*, node: OrgUnit, period: Period, today: datetime.date | None = None, top: int = 5) -> Bulletin:
    """The bulletin's numbers for everything under ``node`` in ``period`` (a fixed number of queries)."""
    today = today or timezone.localdate()
    data = Bulletin(node=node, period=period)
    visits = Visit.objects.under(node).filter(session_starts_at__gte=period.start, session_starts_at__lt=period.end)
    targets = PlanTarget.objects.under(node).filter(plan__year=period.calendar_year, withdrawn_at__isnull=True)
    data.visits_planned = targets.aggregate(n=Sum("planned_visits"))["n"] or 0
    counts = visits.aggregate(
        assigned=Count("pk"),
        done=Count("pk", filter=Q(scored_at__isnull=False)),
        published=Count("pk", filter=Q(published_at__isnull=False)),
    )
    data.visits_assigned, data.visits_done, data.visits_published = (
        counts["assigned"],
        counts["done"],
        counts["published"],
    )

    share = ExpressionWrapper(
        F("total") * 100 / F("max_total"), output_field=DecimalField(max_digits=9, decimal_places=4)
    )
    scored = visits.filter(scored_at__isnull=False)
    rows = (
        scored.values("session__study_group_id", "session__study_group__name", "session__study_group__unit__kind")
        .annotate(n=Count("pk"), avg=Avg(share))
        .order_by("-avg", "session__study_group__name")
    )
    data.by_group = [
        GroupScore(
            r["session__study_group_id"],
            r["session__study_group__name"],
            r["session__study_group__unit__kind"],
            r["n"],
            _one_place(r["avg"]),
        )
        for r in rows
    ]
    labels = dict(OrgUnit.Kind.choices)
    kinds = scored.values("session__study_group__unit__kind").annotate(n=Count("pk"), avg=Avg(share)).order_by("-avg")
    data.by_unit_kind = [
        KindScore(
            r["session__study_group__unit__kind"],
            str(labels.get(r["session__study_group__unit__kind"], "")),
            r["n"],
            _one_place(r["avg"]),
        )
        for r in kinds
    ]
    data.praised = [g for g in data.by_group if g.average_percent >= settings.INSPECTION_PRAISE_PERCENT]
    data.criticised = [g for g in data.by_group if g.average_percent < settings.INSPECTION_CRITICISE_PERCENT]

    findings = Finding.objects.filter(visit__in=visits.values("pk"))
    categories = dict(Finding.Category.choices)
    problems = findings.values("category").annotate(n=Count("pk")).order_by("-n", "category")[:top]
    data.top_problems = [(r["category"], str(categories[r["category"]]), r["n"]) for r in problems]
    states = findings.aggregate(
        overdue=Count("pk", filter=Q(status__in=Finding.OWED, deadline__lt=today)),
        **{status: Count("pk", filter=Q(status=status)) for status in Finding.Status.values},
    )
    data.rectification_overdue = states.pop("overdue")
    data.rectification = states

    # The columns the lists show, not whole visits and sessions (a session's texts are most of its row).
    flagged = (
        with_flags(visits, today)
        .filter(Q(materials_late=True) | Q(summary_late=True))
        .order_by("session_starts_at", "pk")
        .values_list(
            "pk",
            "session__study_group__name",
            "session_starts_at",
            "materials_late",
            "materials_due",
            "materials_at",
            "summary_late",
            "summary_due",
            "summary_at",
        )
    )
    for (
        pk,
        group,
        starts_at,
        materials_late,
        materials_due,
        materials_at,
        summary_late,
        summary_due,
        summary_at,
    ) in flagged:
        day = timezone.localdate(starts_at)
        if materials_late:
            data.late_materials.append(LateVisit(pk, group, day, materials_due, materials_at))
        if summary_late:
            data.late_summaries.append(LateVisit(pk, group, day, summary_due, summary_at))
    return data
