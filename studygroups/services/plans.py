"""Plans and their topics and the required reading list (coverage is read in ``selectors.stats``)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.models import Person, StudyGroup
from studygroups.models import Plan, ReadingProgress, RequiredReading
from studygroups.services.records import record_people


def plan_unit(*, user, level: str, study_group: StudyGroup | None, unit=None):
    """The unit a plan belongs to: its group's unit for group levels, else the staff member's county."""
    if level in Plan.GROUP_LEVELS:
        return study_group.unit if study_group else None
    if user.is_superuser:
        return unit
    return user.scope_unit if policy.can(user, policy.Action.PUBLISH, Plan) else None


def can_mark_readings(user) -> bool:
    """Members mark their own reading, secretaries and staff their members' (record_people says whose)."""
    return policy.can(user, policy.Action.MARK_READING)


@transaction.atomic
def reading_progress_set(
    *, user, reading: RequiredReading, person: Person, finished_on: datetime.date | None, notes: str = ""
) -> ReadingProgress:
    """Record (or clear, with ``finished_on=None``) that ``person`` finished ``reading``."""
    if not can_mark_readings(user):
        raise PermissionDenied
    if not RequiredReading.objects.visible_to(user).filter(pk=reading.pk).exists():
        raise PermissionDenied
    if not record_people(user).filter(pk=person.pk).exists():
        raise PermissionDenied
    if finished_on is not None and finished_on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")
    progress = ReadingProgress.objects.select_for_update().filter(person=person, reading=reading).first()
    if progress is None:
        progress = ReadingProgress(person=person, reading=reading, created_by=user)
    progress.finished_on = finished_on
    progress.notes = notes
    progress._history_user = user
    progress.save()
    return progress
