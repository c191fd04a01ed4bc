"""Celery tasks of the reports: thin wrappers around reports.services (see its docstring for the guarantees)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from reports import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
)
def render_report(self, job_id: int) -> str:
    """Render one report job; a transient error is retried (back-off 10 s, 20 s, 40 s), then the job fails."""
    try:
        job = services.job_run(job_id=job_id, task_id=self.request.id or "")
    except services.transient_errors() as exc:
        if self.request.retries >= self.max_retries:
            with translation.override(settings.LANGUAGE_CODE):
                message = _("The report could not be made: the database or the queue stayed unreachable.")
            services.job_fail_from_task(job_id=job_id, message=message)
            return "failed"
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    return job.status if job else "missing"


@shared_task
def sweep_report_jobs() -> dict:
    """Send the jobs the broker missed, and end those whose worker died."""
    return services.jobs_sweep()


@shared_task
def purge_report_files() -> int:
    """Remove report files past the retention (frozen packs kept)."""
    return services.files_purge()
