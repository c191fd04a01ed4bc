"""Celery tasks: thin, idempotent wrappers around services (run by Celery beat, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from outreach import services


@shared_task(ignore_result=False)
def remind_overdue_needs() -> int:
    """Remind the secretaries of overdue practical things, once each. Returns how many were reminded."""
    return services.remind_overdue_needs()
