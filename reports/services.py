"""Report jobs: asked for, sent to the worker after the commit, claimed, rendered, finished or failed, swept.

The life of a job:

- ``job_request`` saves the job (or returns the identical one still queued or running) and sends it to the
  broker only once the request's transaction commits. If the broker cannot be reached the job stays
  saved and unsent, and ``jobs_sweep`` (Celery beat) sends it later.
- ``job_run`` (the task) claims the job under a row lock: a job already done or failed is left alone, so a
  task delivered twice renders one file. It writes the file whole under MEDIA_ROOT/reports/<job id>/, then
  records size and SHA-256 and tells the person who asked.
- A transient error (database or broker connection) puts the job back in the queue for Celery's retry;
  anything else ends it failed with a message a person can read. A job whose worker was killed (hard time
  limit, memory limit) is redelivered with the same task id: it then ends failed, never loops.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import OrgUnit, Person, StudyGroup
from core.notifications import notify
from core.xlsx import CellTooLong
from reports.models import JOB_DONE, JOB_FAILED, ReportFormat, ReportJob, ReportKind
from reports.rendering import ReportRequest, ReportUnavailable, build, file_name

logger = logging.getLogger(__name__)

Status = ReportJob.Status


class TransientError(Exception):
    """Worth another try later (the database or the broker was unreachable for a moment)."""


def transient_errors() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis.exceptions
    from django.db import InterfaceError, OperationalError

    return (
        TransientError,
        OperationalError,
        InterfaceError,
        kombu.exceptions.OperationalError,
        redis.exceptions.ConnectionError,
        ConnectionError,
        TimeoutError,
    )


def job_key(
    *, kind: str, format: str, year: int, half, org_id: int, study_group_id, person_id, bulletin_id=None
) -> str:
    raw = f"{kind}|{format}|{year}|{half or ''}|{org_id}|{study_group_id or ''}|{person_id or ''}|{bulletin_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()


def default_format(kind: str) -> str:
    return ReportFormat.PDF if kind in (ReportKind.HALF_YEAR, ReportKind.BULLETIN) else ReportFormat.ZIP


def job_request(
    *,
    user,
    kind: str,
    year: int,
    org: OrgUnit,
    format: str | None = None,
    half: int | None = None,
    study_group: StudyGroup | None = None,
    person: Person | None = None,
    bulletin=None,
) -> tuple[ReportJob, bool]:
    """The job for this report: a new one (sent after the commit), or the identical one still running.

    Returns (job, created). The caller has checked the user may ask for it (views.py).
    """
    format = format or default_format(kind)
    key = job_key(
        kind=kind,
        format=format,
        year=year,
        half=half,
        org_id=org.pk,
        study_group_id=study_group.pk if study_group else None,
        person_id=person.pk if person else None,
        bulletin_id=bulletin.pk if bulletin else None,
    )
    running = ReportJob.objects.filter(key=key, status__in=ReportJob.ACTIVE).first()
    if running is not None:
        return running, False
    try:
        with transaction.atomic():  # a savepoint: losing the race to an identical request is not an error
            job = ReportJob.objects.create(
                kind=kind,
                format=format,
                year=year,
                half=half,
                org=org,
                study_group=study_group,
                person=person,
                bulletin=bulletin,
                key=key,
                requested_by=user,
                created_by=user,
            )
    except IntegrityError:
        return ReportJob.objects.get(key=key, status__in=ReportJob.ACTIVE), False
    transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    return job, True


def job_dispatch(*, job_id: int) -> bool:
    """Hand the job to the broker; False (and the job stays unsent) when the broker cannot be reached."""
    from reports.tasks import render_report

    job = ReportJob.objects.filter(pk=job_id, status=Status.QUEUED, dispatched_at__isnull=True).first()
    if job is None:
        return True
    try:
        options = {"queue": settings.REPORT_QUEUE} if settings.REPORT_QUEUE else {}
        render_report.apply_async(args=[job.pk], retry=False, **options)
    except Exception as exc:  # the broker is down: the sweep tries again
        if settings.CELERY_TASK_ALWAYS_EAGER and not isinstance(exc, transient_errors()):
            raise
        logger.warning("Report job %s not sent (%s); the sweep will send it", job.pk, exc)
        job.refresh_from_db()
        if job.status == Status.QUEUED:
            _save_quietly(job, dispatch_attempts=job.dispatch_attempts + 1)
        return False
    job.refresh_from_db()
    if job.dispatched_at is None:
        _save_quietly(job, dispatched_at=timezone.now())
    return True


def _save_quietly(job: ReportJob, **fields) -> None:
    """Bookkeeping fields (progress, dispatch times) saved without a history row for each step."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.skip_history_when_saving = True
    try:
        job.save(update_fields=[*fields, "updated_at"])
    finally:
        del job.skip_history_when_saving


def jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the jobs the broker missed; end the jobs whose worker died long ago. Run by Celery beat."""
    now = now or timezone.now()
    sent = 0
    for job_id in ReportJob.objects.filter(status=Status.QUEUED, dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        if job_dispatch(job_id=job_id):
            sent += 1
        else:
            break  # still down: the next sweep tries again
    stale_before = now - datetime.timedelta(seconds=settings.REPORT_TIME_LIMIT * 2)
    stopped = 0
    for job in ReportJob.objects.filter(status=Status.RUNNING, started_at__lt=stale_before):
        _fail(job, _("The rendering stopped without finishing (the worker was stopped). Please ask again."))
        stopped += 1
    return {"sent": sent, "stopped": stopped}


def job_path(job: ReportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / str(job.pk) / file_name(ReportRequest.of_job(job))


def stored_path(job: ReportJob) -> Path:
    """Where the finished job's file is (its name fixed when it was made, whatever was renamed since)."""
    return Path(settings.MEDIA_ROOT) / job.file_path


MAX_RUNS = 2  # a job whose worker dies twice under it is failed, not sent round again


def _claim(job_id: int, task_id: str) -> ReportJob | None:
    """Lock the job and mark it running; None when there is nothing to do (done, failed, or running elsewhere)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (Status.DONE, Status.FAILED):
            return None
        if job.status == Status.RUNNING:
            if not task_id or job.task_id != task_id:
                return None  # running elsewhere
            # The same delivery again: the worker died rendering it (killed, restarted, out of memory). Once
            # is an accident, rendered again from the start; a second time the job itself kills the worker.
            if job.runs >= MAX_RUNS:
                _fail(job, _("The rendering was stopped because it took too long or used too much memory."))
                return None
        job.runs += 1
        job.status = Status.RUNNING
        job.task_id = task_id
        job.started_at = timezone.now()
        job.progress = 0
        job.stage = ""
        job.error = ""
        if job.dispatched_at is None:
            job.dispatched_at = job.started_at
        job.save()
        return job


def job_run(*, job_id: int, task_id: str = "") -> ReportJob | None:
    """Render the job's file (the Celery task's body). Safe to run twice: a finished job is left alone."""
    from celery.exceptions import SoftTimeLimitExceeded

    job = _claim(job_id, task_id)
    if job is None:
        return ReportJob.objects.filter(pk=job_id).first()

    def progress(percent: int, stage: str) -> None:
        _save_quietly(job, progress=min(max(percent, 0), 99), stage=stage[:100])

    path = job_path(job)
    if job.runs > 1:
        # A worker killed mid-build left its scratch folder behind (rendering.py builds in ".build-*").
        for leftover in path.parent.glob(".build-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            build(ReportRequest.of_job(job), path, progress=progress)
    except transient_errors():
        job.status = Status.QUEUED  # the retry claims it again
        job.save()
        raise
    except SoftTimeLimitExceeded:
        _fail(job, _("The rendering took longer than allowed and was stopped. Ask for a smaller report or try later."))
    except MemoryError:
        _fail(job, _("The rendering needed more memory than allowed and was stopped."))
    except CellTooLong as exc:
        _fail(
            job,
            _("A record holds a text longer than an Excel cell can take (32,767 characters): %(detail)s")
            % {"detail": exc},
        )
    except ReportUnavailable as exc:
        _fail(job, str(exc))
    except Exception as exc:
        logger.exception("Report job %s failed", job.pk)
        _fail(job, _("The report could not be made: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:500]})
    else:
        _finish(job, path)
    return job


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _finish(job: ReportJob, path: Path) -> None:
    with transaction.atomic():
        if job.kind == ReportKind.YEAR_END:
            # One version after another per organization and year: the lock on the organization orders them.
            OrgUnit.objects.select_for_update().filter(pk=job.org_id).first()
            last = (
                ReportJob.objects.filter(kind=ReportKind.YEAR_END, org=job.org, year=job.year, version__isnull=False)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            job.version = (last or 0) + 1
            job.frozen = True
        job.status = Status.DONE
        job.progress = 100
        job.stage = ""
        job.file_path = path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
        job.file_name = path.name
        job.size = path.stat().st_size
        job.sha256 = _sha256(path)
        job.finished_at = timezone.now()
        job.save()
        _tell(job)


def _fail(job: ReportJob, message: str) -> None:
    job.status = Status.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save()
    shutil.rmtree(job_path(job).parent, ignore_errors=True)
    _tell(job)


def _tell(job: ReportJob) -> None:
    if job.requested_by is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if job.status == Status.DONE:
            kind, message = JOB_DONE, _("Your report is ready: %(report)s") % {"report": job}
        else:
            kind, message = (
                JOB_FAILED,
                _("Your report could not be made: %(report)s. %(error)s")
                % {
                    "report": job,
                    "error": job.error,
                },
            )
    notify(
        users=[job.requested_by], kind=kind, message=message, target=job, dedup_key=f"report-job-{job.pk}", email=False
    )


def job_fail_from_task(*, job_id: int, message: str) -> None:
    """End a job whose task gave up (retries used up)."""
    job = ReportJob.objects.filter(pk=job_id).exclude(status__in=(Status.DONE, Status.FAILED)).first()
    if job is not None:
        _fail(job, message)


def files_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of finished jobs older than REPORT_RETENTION_DAYS; frozen packs are kept."""
    now = now or timezone.now()
    before = now - datetime.timedelta(days=settings.REPORT_RETENTION_DAYS)
    removed = 0
    old = ReportJob.objects.filter(
        status=Status.DONE, frozen=False, finished_at__lt=before, file_removed_at__isnull=True
    ).exclude(file_path="")
    for job in old:
        shutil.rmtree((Path(settings.MEDIA_ROOT) / job.file_path).parent, ignore_errors=True)
        job.file_removed_at = now
        job.save()
        removed += 1
    return removed


def pack_matching(digest: str) -> ReportJob | None:
    """The frozen pack whose SHA-256 is ``digest`` (any county: holding the file is the proof)."""
    return (
        ReportJob.objects.filter(frozen=True, status=Status.DONE, sha256=digest.lower()).select_related("org").first()
    )
