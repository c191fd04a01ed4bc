"""A group's roster: a seat ends on a date (kept in the history), never deleted."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import Membership


@transaction.atomic
def membership_end(*, membership: Membership, end_date: datetime.date, user) -> Membership:
    """End ``membership`` on ``end_date`` (its last day in the group); the change is audited with ``user``."""
    if end_date < membership.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    if membership.end_date is not None and membership.end_date < end_date:
        raise ValidationError({"end_date": _("This membership already ended earlier.")})
    membership.end_date = end_date
    membership._history_user = user
    membership.save()
    return membership
