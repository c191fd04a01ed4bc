"""The recompute diff end to end through a real Celery worker against Redis (on a queue of its own), with the
registered indicators (not the stubs: the worker is another process)."""

import datetime
import time

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import RunComparison, Scheme
from tests.studygroups.factories import StudySessionFactory
from tests.workers import celery_worker


@pytest.mark.slow
def test_a_comparison_is_computed_by_a_real_worker(transactional_db, county, world, settings):
    staff = world.users.staff
    held = timezone.now() - datetime.timedelta(hours=3)  # before the cut-off, entered after publishing
    year = timezone.localtime(held).year
    scheme = Scheme.objects.create(county=county.county, year=year, name=services.default_name(year))
    for indicator in services.default_indicators(scheme):
        indicator.save()
    run = services.publish(run=services.compute(scheme=scheme, cutoff=timezone.now(), user=staff), user=staff)
    added = StudySessionFactory(
        study_group=county.a, title="发布后补录的学习", starts_at=held, ends_at=held + datetime.timedelta(hours=2)
    )

    with celery_worker("assessment", queue_setting="REPORT_QUEUE") as (queue, worker, log):
        settings.REPORT_QUEUE = queue
        comparison, created = services.diff_request(run=run, user=world.users.auditor)  # sent at once (autocommit)
        assert created
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None:
            comparison.refresh_from_db()
            if comparison.status in (RunComparison.Status.DONE, RunComparison.Status.FAILED):
                break
            time.sleep(0.3)
        log.seek(0)
        output = log.read()[-4000:]
    assert comparison.status == RunComparison.Status.DONE, f"{comparison.status} {comparison.error}\n{output}"
    assert "assessment.tasks.compute_run_diff" in output and "succeeded" in output, output
    # What the worker stored is what the recompute gives here, record for record.
    expected = services.diff_data(services.recompute_diff(run=run))
    stored = comparison.data
    assert stored["lines"] == expected["lines"] and stored["lines"]
    assert [(r["model_name"], r["object_id"]) for r in stored["records"]] == [
        (r["model_name"], r["object_id"]) for r in expected["records"]
    ]
    assert f"/history/session/{added.pk}/" in [r["history_url"] for r in stored["records"]]
