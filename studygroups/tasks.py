"""Celery tasks: thin, idempotent wrappers around services (run by Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from studygroups.services import sessions


@shared_task(ignore_result=False)
def send_session_notices() -> int:
    """Advance notices of the sessions whose notice is due. Returns how many sessions were announced."""
    return sessions.send_due_notices()


@shared_task(ignore_result=False)
def remind_missing_records() -> int:
    """Remind secretaries of sessions still without a written record. Returns how many were reminded."""
    return sessions.send_due_record_reminders()
