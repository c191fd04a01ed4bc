"""Reads of visits: the flags lists and bulletins show, computed in SQL (no query per row)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from core.models import Attachment
from inspections.models import Visit
from studygroups.models import StudySession


def _local_day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def with_flags(visits: QuerySet[Visit], today: datetime.date | None = None) -> QuerySet[Visit]:
    """Annotate ``materials_at`` (materials first entered or attached), ``materials_late`` and ``summary_late``."""
    today = today or timezone.localdate()
    first_file = (
        Attachment.objects.filter(
            owner_type=ContentType.objects.get_for_model(StudySession), owner_id=OuterRef("session_id")
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    # The session's own time in a subquery too, not a join: a list's count then reads the visits alone (the
    # annotation is left out of it, a join would stay).
    entered = StudySession.objects.filter(pk=OuterRef("session_id")).order_by().values("materials_entered_at")
    # LEAST skips NULLs in PostgreSQL: the earlier of the two, or whichever exists.
    visits = visits.annotate(materials_at=Least(Subquery(entered), Subquery(first_file)))
    return visits.annotate(
        # Due before the day they came, or before today while they have not: one reading of materials_at (its
        # two subqueries), not one per test, when a list filters on the flag.
        materials_late=Case(
            When(materials_due__lt=Coalesce(_local_day("materials_at"), Value(today)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        summary_late=Case(
            When(Q(summary_at__isnull=True) & Q(summary_due__lt=today), then=Value(True)),
            When(Q(summary_at__isnull=False) & Q(summary_due__lt=_local_day("summary_at")), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
