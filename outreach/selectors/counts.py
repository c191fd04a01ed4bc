"""The outreach numbers of a set of groups for a period, with one definition each, read by the pages, the
assessment and the half-year summary. Constant queries whatever the number of groups (aggregates grouped in
SQL). Scoping is the caller's: pass the groups the user may see.

Definitions (Period as in studygroups.selectors.stats; ``now`` defaults to the current time):

- **Exchange visits**: visits not cancelled that started in the period and not after ``now``, where the
  group hosted or visited.
- **Party days**: themed party days held in the period (not after today) by the branches under the group's
  unit (a township's villages and communities, a department's branches).
- **Households visited**: the households those party days reached (work team + first secretary + members).
- **Households**: the households of those branches in the period's year (BranchHouseholds); only branches
  with a number entered count. **Coverage** = the sum over those branches of min(visited, households)
  divided by their households, in per cent rounded half up to one decimal (None without households): a
  branch cannot cover more than all its households, and visits to a branch without a number are not counted.
- **Needs raised**: needs of those branches raised in the period. **Done** / **done on time**: of them, those
  done (on or before their date to be done by). **Overdue**: of them, still open or in progress past their date.
- **Posts studied**: posts marked studied in the period by people who sat in the group at any time in it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from core.models import StudyGroup
from outreach.models import BranchHouseholds, ExchangeVisit, Need, PartyDay, PostStudy
from studygroups.selectors.stats import Groups, Period, _resolve


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class OutreachCounts:
    group_id: int
    exchange_visits: int = 0
    party_days: int = 0
    households_visited: int = 0
    households: int = 0
    households_covered: int = 0
    needs_raised: int = 0
    needs_done: int = 0
    needs_done_on_time: int = 0
    needs_overdue: int = 0
    posts_studied: int = 0
    # Per branch id: (visited, households or None), for the coverage page.
    branches: dict[int, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.households_covered, self.households)


# The parts of the counts, each read by its own queries: a page asks only for those it shows.
VISITS, BRANCHES, NEEDS, STUDIES = "visits", "branches", "needs", "studies"
PARTS = frozenset({VISITS, BRANCHES, NEEDS, STUDIES})


def outreach_counts(
    groups: Groups,
    period: Period,
    *,
    now: datetime.datetime | None = None,
    parts: Collection[str] = PARTS,
) -> dict[int, OutreachCounts]:
    """{group id: OutreachCounts} for every given group (zeros included). Eight queries (six for a list of
    groups or a queryset already read); fewer with ``parts``: exchange visits (two queries), party days and
    households with the coverage (two), needs (one), posts studied (one). The parts left out stay zero."""
    if not set(parts) <= PARTS:
        raise ValueError(f"unknown parts: {set(parts) - PARTS}")
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids, known = _resolve(groups)
    result = {pk: OutreachCounts(group_id=pk) for pk in ids}
    if not ids:
        return result
    last_day = min(period.last_day, today)

    if VISITS in parts:
        visits = ExchangeVisit.objects.filter(
            cancelled_at__isnull=True, starts_at__gte=period.start, starts_at__lt=period.end, starts_at__lte=now
        )
        for side in ("host_group", "guest_group"):
            rows = visits.filter(**{f"{side}__in": ids}).values(side).annotate(n=Count("pk")).order_by()
            for row in rows:
                result[row[side]].exchange_visits += row["n"]

    # The group of a branch is the group of the unit it stands under.
    if not {BRANCHES, NEEDS} & set(parts):
        unit_group = {}
    elif known:
        unit_group = {group.unit_id: pk for pk, group in known.items()}
    else:
        unit_group = dict(StudyGroup.objects.filter(pk__in=ids).values_list("unit_id", "pk"))
    if BRANCHES in parts:
        days = (
            PartyDay.objects.filter(
                branch__parent__in=list(unit_group), held_on__gte=period.first_day, held_on__lte=last_day
            )
            .values("branch", "branch__parent")
            .annotate(
                n=Count("pk"),
                visited=Sum(
                    F("households_by_work_team") + F("households_by_first_secretary") + F("households_by_members")
                ),
            )
            .order_by()
        )
        visited_by_branch: dict[int, tuple[int, int]] = {}
        for row in days:
            counts = result[unit_group[row["branch__parent"]]]
            counts.party_days += row["n"]
            counts.households_visited += row["visited"] or 0
            visited_by_branch[row["branch"]] = (unit_group[row["branch__parent"]], row["visited"] or 0)
        households = BranchHouseholds.objects.filter(
            branch__parent__in=list(unit_group), year=period.calendar_year
        ).values_list("branch", "branch__parent", "households")
        seen = set()
        for branch, parent, number in households:
            counts = result[unit_group[parent]]
            visited = visited_by_branch.get(branch, (None, 0))[1]
            counts.households += number
            counts.households_covered += min(visited, number)
            counts.branches[branch] = (visited, number)
            seen.add(branch)
        for branch, (group_id, visited) in visited_by_branch.items():
            if branch not in seen:
                result[group_id].branches[branch] = (visited, None)

    if NEEDS in parts:
        needs = (
            Need.objects.filter(
                branch__parent__in=list(unit_group), raised_on__gte=period.first_day, raised_on__lte=last_day
            )
            .values("branch__parent")
            .annotate(
                raised=Count("pk"),
                done=Count("pk", filter=Q(status=Need.Status.DONE)),
                on_time=Count("pk", filter=Q(status=Need.Status.DONE, done_on__lte=F("due_on"))),
                overdue=Count("pk", filter=Q(status__in=Need.PENDING, due_on__lt=today)),
            )
            .order_by()
        )
        for row in needs:
            counts = result[unit_group[row["branch__parent"]]]
            counts.needs_raised, counts.needs_done = row["raised"], row["done"]
            counts.needs_done_on_time, counts.needs_overdue = row["on_time"], row["overdue"]

    if STUDIES in parts:
        # One filter() call: the three conditions on memberships apply to the same membership row.
        seat = Q(person__memberships__study_group__in=ids, person__memberships__start_date__lte=period.last_day) & (
            Q(person__memberships__end_date__isnull=True) | Q(person__memberships__end_date__gte=period.first_day)
        )
        studies = (
            PostStudy.objects.filter(seat, studied_at__gte=period.start, studied_at__lt=period.end)
            .values("person__memberships__study_group")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for row in studies:
            result[row["person__memberships__study_group"]].posts_studied += row["n"]
    return result


def total_counts(counts: dict[int, OutreachCounts]) -> OutreachCounts:
    """The sum of several groups' counts (coverage recomputed from the sums)."""
    total = OutreachCounts(group_id=0)
    for row in counts.values():
        for name in (
            "exchange_visits",
            "party_days",
            "households_visited",
            "households",
            "households_covered",
            "needs_raised",
            "needs_done",
            "needs_done_on_time",
            "needs_overdue",
            "posts_studied",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.branches.update(row.branches)
    return total


def by_category(needs) -> dict[str, dict[str, int]]:
    """{category: {"raised", "done", "overdue"}} of a queryset of needs, one query."""
    today = timezone.localdate()
    rows = (
        needs.values("category")
        .annotate(
            raised=Count("pk"),
            done=Count("pk", filter=Q(status=Need.Status.DONE)),
            overdue=Count("pk", filter=Q(status__in=Need.PENDING, due_on__lt=today)),
        )
        .order_by("category")
    )
    out = defaultdict(dict)
    for row in rows:
        out[row["category"]] = {k: row[k] for k in ("raised", "done", "overdue")}
    return dict(out)


__all__ = ["PARTS", "OutreachCounts", "Period", "by_category", "outreach_counts", "percent", "total_counts"]
