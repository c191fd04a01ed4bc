"""Report jobs without a worker (tasks run eagerly): sent after the commit, claimed once, one file for two
deliveries, failures with readable messages, retries, the broker down and the sweep, retention, frozen packs."""

import datetime
import hashlib
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from config.celery import app as celery_app
from core.models import Notification
from reports import services
from reports.models import JOB_DONE, JOB_FAILED, ReportJob, ReportKind
from reports.tasks import render_report, sweep_report_jobs

Status = ReportJob.Status


def ask(world, *, kind=ReportKind.YEAR_END, format="xlsx", user=None, **kwargs):
    kwargs.setdefault("org", world.home.county)
    return services.job_request(user=user or world.users.auditor, kind=kind, year=2025, format=format, **kwargs)


def files_of(job) -> list[Path]:
    folder = services.job_path(job).parent
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def test_a_job_is_sent_only_after_its_transaction_commits(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, created = ask(county.world)
    assert created and len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.dispatched_at is None and files_of(job) == []
    callbacks[0]()  # the commit: sent, and (eagerly) rendered
    job.refresh_from_db()
    assert job.status == Status.DONE and job.progress == 100
    assert job.dispatched_at is not None and job.started_at and job.finished_at
    path = services.stored_path(job)
    assert path.read_bytes()[:2] == b"PK"
    assert job.size == path.stat().st_size
    assert job.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert job.frozen and job.version == 1
    note = Notification.objects.get(user=county.world.users.auditor, kind=JOB_DONE)
    assert "年终资料包" in note.message and note.url == job.get_absolute_url()


def test_asking_again_while_it_runs_gives_the_running_job(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, created = ask(county.world)
        again, created_again = ask(county.world, user=county.world.users.staff)
        other_year, created_other = services.job_request(
            user=county.world.users.auditor, kind=ReportKind.YEAR_END, year=2024, format="xlsx", org=county.home.county
        )
    assert created and not created_again and again.pk == first.pk
    assert created_other and other_year.pk != first.pk
    services.job_run(job_id=first.pk)
    # Once done, asking again makes a new job (for a pack: the next version).
    with django_capture_on_commit_callbacks(execute=True):
        later, created_later = ask(county.world)
    assert created_later and later.pk != first.pk
    later.refresh_from_db()
    assert later.version == 2


def test_the_same_task_delivered_twice_makes_one_file(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = ask(county.world)
    render_report.apply(args=[job.pk], task_id="delivery-1")
    job.refresh_from_db()
    first = (job.sha256, job.finished_at, services.stored_path(job).stat().st_mtime_ns)
    history = job.history.count()
    render_report.apply(args=[job.pk], task_id="delivery-2")
    render_report.apply(args=[job.pk], task_id="delivery-1")
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.sha256, job.finished_at, services.stored_path(job).stat().st_mtime_ns) == first
    assert files_of(job) == [services.stored_path(job)]
    assert job.history.count() == history  # nothing was saved again
    assert Notification.objects.filter(kind=JOB_DONE).count() == 1


def test_a_hostile_record_ends_the_job_failed_with_a_readable_message(county, django_capture_on_commit_callbacks):
    reflection = county.reflection
    reflection.text = "长" * 40_000  # more than an Excel cell holds
    reflection.save()
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = ask(county.world)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "超过 Excel 单元格上限（32767 个字符）" in job.error
    assert files_of(job) == [] and not job.sha256
    note = Notification.objects.get(kind=JOB_FAILED)
    assert job.error in note.message


def test_an_unexpected_error_ends_failed_and_the_next_job_still_runs(
    county, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ValueError("版式错误")

    monkeypatch.setattr(services, "build", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = ask(county.world)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error == "报告生成失败：ValueError: 版式错误"
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again, created = ask(county.world)
    again.refresh_from_db()
    assert created and again.status == Status.DONE


def test_the_soft_time_limit_ends_the_job_failed(county, monkeypatch, django_capture_on_commit_callbacks):
    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "build", slow)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = ask(county.world)
    job.refresh_from_db()
    assert job.status == Status.FAILED and "超过允许时间" in job.error


@pytest.fixture
def eager_retries():
    """Let in-process retries run again instead of raising Retry (as a worker would redeliver them)."""
    before = celery_app.conf.task_eager_propagates
    yield
    celery_app.conf.task_eager_propagates = before


def test_a_transient_error_is_retried_and_then_succeeds(
    county, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    real, calls = services.build, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "build", flaky)
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = ask(county.world)
    # As a worker runs it: the retry is delivered again (here at once, in-process).
    celery_app.conf.task_eager_propagates = False  # restored by the fixture below
    render_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(calls) == 2 and job.status == Status.DONE and job.error == ""


def test_a_transient_error_that_persists_ends_failed(
    county, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    calls = []

    def down(*args, **kwargs):
        calls.append(1)
        raise OperationalError("could not connect")

    monkeypatch.setattr(services, "build", down)
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = ask(county.world)
    # In-process, each retry is delivered at once: three retries, then the job fails.
    celery_app.conf.task_eager_propagates = False  # restored by the fixture below
    assert render_report.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert len(calls) == 4 and job.status == Status.FAILED and "持续无法连接" in job.error


def test_a_redelivered_task_whose_worker_died_runs_again_once_then_ends_failed_instead_of_looping(
    county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = ask(county.world)
    # Its first rendering started, then the worker died.
    job.status, job.task_id, job.started_at, job.runs = Status.RUNNING, "killed-task", timezone.now(), 1
    job.save()
    services.job_run(job_id=job.pk, task_id="another-delivery")  # running elsewhere: left alone
    job.refresh_from_db()
    assert (job.status, job.runs) == (Status.RUNNING, 1)
    services.job_run(job_id=job.pk, task_id="killed-task")  # the same message again: rendered again
    job.refresh_from_db()
    assert (job.status, job.runs) == (Status.DONE, 2) and job.has_file
    # A job whose worker died twice is failed when its message comes a third time.
    job.status, job.task_id, job.file_path = Status.RUNNING, "killed-twice", ""
    job.save()
    services.job_run(job_id=job.pk, task_id="killed-twice")
    job.refresh_from_db()
    assert job.status == Status.FAILED and "内存" in job.error


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.slow
def test_broker_unreachable_keeps_the_job_and_the_sweep_sends_it_later(county, django_capture_on_commit_callbacks):
    real_broker, was_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    _use_broker("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job, created = ask(county.world)
        job.refresh_from_db()
        assert created and job.status == Status.QUEUED
        assert job.dispatched_at is None and job.dispatch_attempts == 1
        assert sweep_report_jobs.apply().get() == {"sent": 0, "stopped": 0}  # still down
        job.refresh_from_db()
        assert job.dispatched_at is None and job.dispatch_attempts == 2
    finally:
        _use_broker(real_broker)
        celery_app.conf.task_always_eager = was_eager
    # The broker is back: the sweep sends it (and the eager test worker renders it).
    assert services.jobs_sweep() == {"sent": 1, "stopped": 0}
    job.refresh_from_db()
    assert job.status == Status.DONE and job.dispatched_at is not None
    assert services.jobs_sweep() == {"sent": 0, "stopped": 0}


def test_the_sweep_ends_jobs_whose_worker_died_long_ago(county, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = ask(county.world)
    job.status, job.task_id = Status.RUNNING, "t"
    job.started_at = timezone.now() - datetime.timedelta(seconds=settings.REPORT_TIME_LIMIT * 2 + 60)
    job.dispatched_at = job.started_at
    job.save()
    assert services.jobs_sweep() == {"sent": 0, "stopped": 1}
    job.refresh_from_db()
    assert job.status == Status.FAILED and "中途停止" in job.error


def test_old_files_are_removed_but_frozen_packs_kept(county, settings, django_capture_on_commit_callbacks):
    settings.REPORT_RETENTION_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        pack, _ = ask(county.world)
        summary, _ = ask(county.world, kind=ReportKind.HALF_YEAR, format="xlsx", half=1)
        recent, _ = ask(county.world, kind=ReportKind.HALF_YEAR, format="xlsx", half=2)
    old = timezone.now() - datetime.timedelta(days=31)
    for job in (pack, summary):
        job.refresh_from_db()
        job.finished_at = old
        job.save()
    recent.refresh_from_db()
    assert services.files_purge() == 1
    for job in (pack, summary, recent):
        job.refresh_from_db()
    assert not summary.has_file and summary.file_removed_at and files_of(summary) == []
    assert pack.has_file and services.stored_path(pack).exists()
    assert recent.has_file and services.stored_path(recent).exists()
    assert services.files_purge() == 0


def test_a_frozen_pack_does_not_change_when_records_change_and_a_new_pack_is_a_new_version(
    county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = ask(county.world, format="zip")
    first.refresh_from_db()
    content = services.stored_path(first).read_bytes()
    reflection = county.reflection
    reflection.text = "改写后的体会"
    reflection.save()
    first.refresh_from_db()
    assert services.stored_path(first).read_bytes() == content
    assert hashlib.sha256(content).hexdigest() == first.sha256
    with django_capture_on_commit_callbacks(execute=True):
        second, created = ask(county.world, format="zip")
    second.refresh_from_db()
    assert created and (first.version, second.version) == (1, 2)
    assert second.sha256 != first.sha256
    assert services.pack_matching(first.sha256) == first
    assert services.pack_matching(second.sha256) == second
