"""Celery tasks of the assessment: thin wrappers around assessment.services (the recompute diff)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from assessment import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def compute_run_diff(self, comparison_id: int) -> str:
    """Compute one run comparison; a transient error is retried (back-off 10 s, 20 s, 40 s), then it fails."""
    try:
        comparison = services.diff_run(comparison_id=comparison_id)
    except services.transient_errors() as exc:
        if self.request.retries >= self.max_retries:
            with translation.override(settings.LANGUAGE_CODE):
                message = _("The comparison could not be computed: the database stayed unreachable.")
            services.diff_fail_from_task(comparison_id=comparison_id, message=message)
            return "failed"
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    return comparison.status if comparison else "missing"
