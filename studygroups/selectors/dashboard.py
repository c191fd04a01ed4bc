"""What the dashboards show of the study records (registered as panels in StudygroupsConfig.ready())."""

import datetime

from django.utils import timezone

from core.models import StudyGroup
from studygroups.selectors.stats import Period, total_stats


def year_state(user, today: datetime.date) -> dict:
    """This year's state of the visible groups: what is held, what is missing, what came late, what is owed
    (the definitions of ``selectors.stats``)."""
    stats = total_stats(StudyGroup.objects.visible_to(user), Period.year(today.year), now=timezone.now())
    return {
        "year": today.year,
        "held": stats.sessions_held,
        "scheduled": stats.sessions_scheduled,
        "missing_record": stats.records_missing,
        "late_record": stats.records_late,
        "open_makeups": stats.makeups_owed,
    }
