"""Celery tasks: thin, idempotent wrappers around services (run by Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from inspections.services import findings, visits


@shared_task(ignore_result=False)
def send_inspection_reminders() -> dict[str, int]:
    """Remind inspectors of late observer summaries and secretaries of overdue rectifications, once a day."""
    return {
        "summaries": visits.remind_late_summaries(),
        "rectifications": findings.remind_overdue_findings(),
    }
