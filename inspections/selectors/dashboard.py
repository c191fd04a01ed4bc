"""The inspection panel of the staff and inspector dashboards: plan progress, scores, rectification."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.utils.translation import gettext as _

from core.charts import bar_chart, svg_data_uri
from inspections.models import Finding, PlanTarget, Visit
from inspections.selectors.bulletin import _one_place


def dashboard_context(user, today: datetime.date) -> dict:
    """This year's figures over the rows the user sees (an inspector: their own visits); five queries."""
    year = today.year
    visits = Visit.objects.visible_to(user).filter(session_starts_at__year=year)
    planned = (
        PlanTarget.objects.visible_to(user)
        .filter(plan__year=year, withdrawn_at__isnull=True)
        .aggregate(n=Sum("planned_visits"))["n"]
        or 0
    )
    share = ExpressionWrapper(
        F("total") * 100 / F("max_total"), output_field=DecimalField(max_digits=9, decimal_places=4)
    )
    figures = visits.aggregate(
        assigned=Count("pk"),
        done=Count("pk", filter=Q(scored_at__isnull=False)),
        average=Avg(share, filter=Q(scored_at__isnull=False)),
        lowest=Min(share, filter=Q(scored_at__isnull=False)),
    )
    findings = Finding.objects.visible_to(user).filter(visit__session_starts_at__year=year)
    states = findings.aggregate(
        open=Count("pk", filter=Q(status__in=Finding.OWED)),
        overdue=Count("pk", filter=Q(status__in=Finding.OWED, deadline__lt=today)),
        answered=Count("pk", filter=Q(status=Finding.Status.ANSWERED)),
        closed=Count("pk", filter=Q(status=Finding.Status.CLOSED)),
    )
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
