"""Growing inspection rows for the query-count tests (this app's and tests/test_page_coverage.py's)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from inspections.models import Finding, InspectionPlan, PlanTarget, VisitKind
from tests.inspections.factories import make_plan, make_template, make_visit


def scored(visit, total, *, published_by=None, summary_at=None):
    visit.total, visit.max_total, visit.scored_at = Decimal(total), Decimal("50"), visit.session_starts_at
    visit.summary_at = summary_at
    if published_by:
        visit.published_at, visit.published_by = visit.session_starts_at + datetime.timedelta(days=20), published_by
    visit.save()
    return visit


def item(visit, category, status, deadline=datetime.date(2025, 5, 1)):
    answered = timezone.now() if status in ("answered", "closed") else None
    return Finding.objects.create(
        visit=visit,
        category=category,
        description="问题",
        advice="建议",
        deadline=deadline,
        status=status,
        answered_at=answered,
        verified_at=answered if status == "closed" else None,
        verified_by=visit.published_by if status == "closed" else None,
    )


_n = itertools.count()


def fill(world, times: int) -> None:
    """``times`` more plans, visits (scored and published) and rectification items in the home county."""
    home = world.home
    if not InspectionPlan.objects.exists():
        make_template(home.county, timezone.localdate().year)
    for _ in range(times):
        n = next(_n)
        # Years long past (1000-1899 whatever the counter reached in this process: it passed 1,026 in a whole
        # run), so that none is the current year of the template made above.
        year = 1000 + n % 900
        plan = make_plan(home.county, year)
        make_template(home.county, year)
        target = PlanTarget.objects.create(plan=plan, study_group=home.dept_group, kind=VisitKind.KEY, planned_visits=2)
        # Published 20 days after the session: at least 30 days ago, so every visit is published (secretaries see
        # it) whatever the counter reached in this process; within the last year.
        start = timezone.now() - datetime.timedelta(days=30 + n % 300)
        visit = make_visit(target, inspectors=[world.users.inspector], starts_at=start)
        scored(visit, "40", published_by=world.users.staff, summary_at=start)
        item(visit, "focus", "open")
        item(visit, "depth", "closed")
