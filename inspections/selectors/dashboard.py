"""The inspection panel of the staff and inspector dashboards: plan progress, scores, rectification."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.utils.translation import gettext as _

from core.aggregates import aggregate_together
from core.charts import bar_chart, svg_data_uri
from inspections.models import Finding, PlanTarget, Visit
from inspections.selectors.bulletin import _one_place


def dashboard_context(user, today: datetime.date) -> dict:
    """This year's figures over the rows the user sees (an inspector: their own visits), in one query."""
    year = today.year
    visits = Visit.objects.visible_to(user).filter(session_starts_at__year=year)
    share = ExpressionWrapper(
        F("total") * 100 / F("max_total"), output_field=DecimalField(max_digits=9, decimal_places=4)
    )
    scored = Q(scored_at__isnull=False)
    findings = Finding.objects.visible_to(user).filter(visit__session_starts_at__year=year)
    figures = aggregate_together(
        (
            PlanTarget.objects.visible_to(user).filter(plan__year=year, withdrawn_at__isnull=True),
            {"planned": Sum("planned_visits")},
        ),
        (
            visits,
            {
                "assigned": Count("pk"),
                "done": Count("pk", filter=scored),
                "average": Avg(share, filter=scored),
                "lowest": Min(share, filter=scored),
            },
        ),
        (
            findings,
            {
                "open": Count("pk", filter=Q(status__in=Finding.OWED)),
                "overdue": Count("pk", filter=Q(status__in=Finding.OWED, deadline__lt=today)),
                "answered": Count("pk", filter=Q(status=Finding.Status.ANSWERED)),
                "closed": Count("pk", filter=Q(status=Finding.Status.CLOSED)),
            },
        ),
    )
    planned = figures.pop("planned") or 0
    states = {key: figures[key] for key in ("open", "overdue", "answered", "closed")}
    chart = bar_chart(
        "",
        [str(year)],
        {
            str(_("Visits planned")): [planned],
            str(_("Visits assigned")): [figures["assigned"]],
            str(_("Visits scored")): [figures["done"]],
        },
        print_values=True,
        width=600,
        height=240,
    )
    return {
        "year": year,
        "planned": planned,
        "assigned": figures["assigned"],
        "done": figures["done"],
        "average": _one_place(figures["average"]),
        "lowest": _one_place(figures["lowest"]),
        **states,
        "chart": svg_data_uri(chart),
    }
