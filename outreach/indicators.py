"""The outreach indicators for the annual assessment (core.registry.IndicatorSource), registered in
``OutreachConfig.ready()``: thin readings of ``outreach.selectors.counts.outreach_counts`` for the calendar
year ``period.year`` with ``now=period.cutoff``: one reading (at most eight queries whatever the number of
groups) shared by the three measures.

**Cut-off.** Exchange visits count when they started by the cut-off; party days when held, and needs when
raised, by the cut-off's day. A need counts as done by its status as it stands (one marked done after the
cut-off counts; the assessment's recompute diff names it from its history), and so do party days and needs
entered after the cut-off with earlier dates.

**Where they apply** (``applies_to``, from the group's unit kind, so reading it needs ``unit`` loaded):
exchange visits to departments and townships, the kinds a pairing joins (outreach.services.PAIRABLE);
themed party days and practical things done to townships, whose village and community branches hold the
party days and collect the people's needs. The county committee's own group is scored on the other
indicators.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import OrgUnit
from core.registry import IndicatorSource, indicator_sources
from outreach.models import Need
from outreach.selectors.counts import outreach_counts
from studygroups.indicators import cutoff_day, list_url, until, year_of

PAIRED_KINDS = (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.TOWNSHIP)


def _counts(groups, period, attribute: str) -> dict:
    """One ``outreach_counts`` reading per queryset object and period, shared by the three measures (as
    studygroups.indicators.stats shares ``group_stats``): seven queries for all of them, not seven each."""
    cache = groups.__dict__.setdefault("_outreach_counts", {})
    if period not in cache:
        cache[period] = outreach_counts(groups, year_of(period), now=period.cutoff)
    return {pk: Decimal(getattr(row, attribute)) for pk, row in cache[period].items()}


def exchange_visits(groups, period, params):
    """Exchange visits not cancelled, started in the year by the cut-off, that the group hosted or made."""
    return _counts(groups, period, "exchange_visits")


def party_days(groups, period, params):
    """Themed party days held in the year (by the cut-off's day) by the branches under the group's unit."""
    return _counts(groups, period, "party_days")


def practical_things(groups, period, params):
    """Practical things done for the people (为民办实事): needs raised in the year (by the cut-off's day) at
    the branches under the group's unit and done."""
    return _counts(groups, period, "needs_done")


def _until_day(period) -> str:
    """The cut-off's day as a list's ``until``, when it cuts the year short."""
    day = cutoff_day(period)
    return "" if day == datetime.date(period.year, 12, 31) else day.isoformat()


def visits_url(group, period, params):
    return list_url("outreach:visit_list", group=group.pk, year=period.year, held="true", until=until(period))


def party_days_url(group, period, params):
    return list_url("outreach:partyday_list", group=group.pk, year=period.year, until=_until_day(period))


def practical_things_url(group, period, params):
    return list_url(
        "outreach:need_list", group=group.pk, year=period.year, status=Need.Status.DONE, until=_until_day(period)
    )


def is_paired_kind(group) -> bool:
    return group.unit.kind in PAIRED_KINDS


def is_township(group) -> bool:
    return group.unit.kind == OrgUnit.Kind.TOWNSHIP


SOURCES = [
    IndicatorSource(
        name="outreach.exchange_visits",
        label=_("Exchange visits"),
        unit=pgettext_lazy("indicator unit", "visits"),
        compute=exchange_visits,
        records_url=visits_url,
        records=(("outreach.ExchangeVisit", "host_group"), ("outreach.ExchangeVisit", "guest_group")),
        default_target=Decimal(2),
        applies_to=is_paired_kind,
        order=40,
    ),
    IndicatorSource(
        name="outreach.party_days",
        label=_("Themed party days held"),
        unit=pgettext_lazy("indicator unit", "days"),
        compute=party_days,
        records_url=party_days_url,
        records=(("outreach.PartyDay", "branch__parent__study_group"),),
        default_target=None,  # set on the scheme: it grows with the township's branches
        applies_to=is_township,
        order=41,
    ),
    IndicatorSource(
        name="outreach.practical_things",
        label=_("Practical things done for the people"),
        unit=pgettext_lazy("indicator unit", "items"),
        compute=practical_things,
        records_url=practical_things_url,
        records=(("outreach.Need", "branch__parent__study_group"),),
        default_target=None,  # set on the scheme, as for party days
        applies_to=is_township,
        order=42,
    ),
]


def register() -> None:
    for source in SOURCES:
        indicator_sources.register(source)
