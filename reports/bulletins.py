"""Inspection bulletins: draft, approve (a second person, never the author), publish with the next number of
the county's yearly sequence, and the red-head PDF (GB/T 9704).

The bulletin's data (praised and criticised groups, the rows behind them, charts) come from a pluggable
function: by default the inspections app's bulletin numbers (``inspection_bulletin_data``); a site may name
another by ``REPORT_BULLETIN_DATA`` (dotted path, called as ``fn(org=..., first_day=..., last_day=...)`` and
returning a :class:`BulletinData`). Staff edit the lists of the draft afterwards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core import policy
from core.models import OrgUnit
from reports import pdf
from reports.models import Bulletin


@dataclass
class BulletinData:
    praised: list[str] = field(default_factory=list)
    criticised: list[str] = field(default_factory=list)
    # Each row: {"group": name, "score": average percent or None, "visits": number}; a table in the bulletin.
    rows: list[dict] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # SVG from core.charts, embedded as data: URIs


def inspection_bulletin_data(*, org: OrgUnit, first_day: datetime.date, last_day: datetime.date) -> BulletinData:
    """The default: the inspections app's bulletin numbers for the node and period (a fixed number of queries)."""
    from core.charts import bar_chart
    from inspections.selectors.bulletin import bulletin_data as inspection_numbers
    from studygroups.selectors.stats import Period

    numbers = inspection_numbers(node=org, period=Period(first_day, last_day))
    scored = [g for g in numbers.by_group if g.average_percent is not None]
    charts = []
    if scored:
        with translation.override(settings.LANGUAGE_CODE):
            title, series = _("Average score of the visits (%)"), _("Score")
        charts.append(
            bar_chart(
                title, [g.name for g in scored], {series: [float(g.average_percent) for g in scored]}, horizontal=True
            )
        )
    return BulletinData(
        praised=[g.name for g in numbers.praised],
        criticised=[g.name for g in numbers.criticised],
        rows=[{"group": g.name, "score": g.average_percent, "visits": g.visits} for g in numbers.by_group],
        charts=charts,
    )


def bulletin_data(*, org: OrgUnit, first_day: datetime.date, last_day: datetime.date) -> BulletinData:
    """From the function ``REPORT_BULLETIN_DATA`` names, when a site sets one; else from the inspections."""
    path = getattr(settings, "REPORT_BULLETIN_DATA", "")
    fetch = import_string(path) if path else inspection_bulletin_data
    return fetch(org=org, first_day=first_day, last_day=last_day)


def _ensure_staff(user) -> None:
    if not policy.can(user, policy.Action.PUBLISH, Bulletin):
        raise PermissionDenied(_("Only the propaganda department issues bulletins."))


def bulletin_create(
    *, user, org: OrgUnit, year: int, title: str, period_start: datetime.date, period_end: datetime.date, body: str = ""
) -> Bulletin:
    """A draft, its lists filled from the bulletin data of the period (staff edit them afterwards)."""
    _ensure_staff(user)
    data = bulletin_data(org=org, first_day=period_start, last_day=period_end)
    return Bulletin.objects.create(
        org=org,
        year=year,
        title=title,
        period_start=period_start,
        period_end=period_end,
        body=body,
        praised="\n".join(data.praised),
        criticised="\n".join(data.criticised),
        created_by=user,
    )


@transaction.atomic
def bulletin_approve(*, user, bulletin_id: int) -> Bulletin:
    _ensure_staff(user)
    bulletin = Bulletin.objects.editable_by(user).select_for_update().get(pk=bulletin_id)
    if bulletin.status != Bulletin.Status.DRAFT:
        raise ValidationError(_("Only a draft can be approved."))
    if bulletin.created_by_id == user.pk:
        raise PermissionDenied(_("A bulletin is approved by a second person, never by its author."))
    bulletin.status = Bulletin.Status.APPROVED
    bulletin.approved_by = user
    bulletin.approved_at = timezone.now()
    bulletin._history_user = user
    bulletin.save()
    return bulletin


@transaction.atomic
def bulletin_publish(*, user, bulletin_id: int) -> Bulletin:
    """Give the approved bulletin the next number of its county's sequence for the year, and release it.

    The county's row is locked while the number is taken, so concurrent publications queue up: the
    numbers have no gap and no duplicate (and a unique constraint backs it)."""
    _ensure_staff(user)
    bulletin = Bulletin.objects.editable_by(user).select_for_update().get(pk=bulletin_id)
    if bulletin.status != Bulletin.Status.APPROVED:
        raise ValidationError(_("Only an approved bulletin can be published."))
    county = OrgUnit.objects.select_for_update().get(pk=bulletin.org_id)
    last = Bulletin.objects.filter(org=county, year=bulletin.year).aggregate(n=Max("number"))["n"] or 0
    bulletin.number = last + 1
    with translation.override(settings.LANGUAGE_CODE):
        bulletin.document_number = _("%(short)s propaganda [%(year)s] no. %(number)s") % {
            "short": county.short_name or county.name[:1],
            "year": bulletin.year,
            "number": bulletin.number,
        }
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at = timezone.now()
    bulletin._history_user = user
    bulletin.save()
    return bulletin


def bulletin_html(bulletin: Bulletin) -> str:
    data = bulletin_data(org=bulletin.org, first_day=bulletin.period_start, last_day=bulletin.period_end)
    with translation.override(settings.LANGUAGE_CODE):
        issuer = _("Propaganda Department of the %(county)s Party Committee") % {"county": bulletin.org.name}
        return render_to_string(
            "reports/pdf/bulletin.html",
            {
                "bulletin": bulletin,
                "issuer": issuer,
                "doc_number": bulletin.document_number,
                "praised": bulletin.lines("praised"),
                "criticised": bulletin.lines("criticised"),
                "data": data,
                "issued_on": timezone.localdate(bulletin.published_at or timezone.now()),
            },
        )


def bulletin_pdf(bulletin: Bulletin) -> bytes:
    return pdf.render_pdf(bulletin_html(bulletin), css=pdf.stylesheet("document.css"))
