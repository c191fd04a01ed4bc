"""What the dashboards show of the study records (registered as panels in StudygroupsConfig.ready())."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from studygroups.models import Attendance, StudySession
from studygroups.services.attendance import open_makeups
from studygroups.services.sessions import with_record_flags


def year_state(user, today: datetime.date) -> dict:
    """This year's state of the visible groups: what is held, what is missing, what came late."""
    now = timezone.now()
    overdue = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    sessions = with_record_flags(StudySession.objects.visible_to(user).filter(starts_at__year=today.year))
    counts = sessions.aggregate(
        held=Count("pk", filter=Q(starts_at__lte=now)),
        scheduled=Count("pk", filter=Q(starts_at__gt=now)),
        missing_record=Count("pk", filter=Q(ends_at__lte=overdue, has_record=False)),
        late_record=Count("pk", filter=Q(record_late=True)),
    )
    counts["open_makeups"] = open_makeups(Attendance.objects.visible_to(user)).count()
    counts["year"] = today.year
    return counts
