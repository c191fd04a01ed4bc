"""Rows the demo does not hold but pages show, made by ``bench_rows(users)`` so that bench/pages.py measures
those pages with real ids. Each is made once per database (found again by its title on a run with --reuse);
Django is set up by the caller, ``users`` maps the demo usernames to their accounts.

- a finished report job: the auditor's study archive of a group, rendered here without the broker
  (the job list, status and download pages);
- a draft bulletin of the staff's county (the bulletin edit page) and a published one with its PDF rendered
  (the bulletin's download);
- a file attached to a session of the secretary's group (the attachment download);
- a session of the member's group in progress now (the check-in page; moved to now on every run, since the
  code is refused outside the session's hours);
- the auditor's feed secret (the Atom feed of a column).
"""

from __future__ import annotations

import datetime
import io

BENCH_BULLETIN_TITLE = "基准测试通报（草稿）"
BENCH_PUBLISHED_TITLE = "基准测试通报（已发布）"
BENCH_SESSION_TITLE = "基准测试：进行中的学习"
BENCH_FILE_NAME = "基准测试附件.png"


def data_year() -> int:
    """The last finished year of the seeded sessions (the demo holds three years up to today)."""
    from django.utils import timezone

    from studygroups.models import StudySession

    last = StudySession.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    return timezone.localtime(last).year - 1 if last else timezone.localdate().year


def bench_rows(users: dict) -> None:
    auditor, staff = users.get("auditor"), users.get("staff")
    secretary, member = users.get("secretary"), users.get("member")
    if auditor is not None:
        _report_job(auditor)
        _feed_token(auditor)
    if staff is not None and staff.scope_unit_id:
        _bulletins(staff, approver=auditor)
    if secretary is not None and secretary.study_group_id:
        _session_file(secretary)
    if member is not None and member.person_id:
        _session_in_progress(member, by=secretary or staff)


def _report_job(auditor) -> None:
    from core.models import StudyGroup
    from reports.models import ReportJob, ReportKind
    from reports.services import default_format, job_key, job_run

    if ReportJob.objects.filter(requested_by=auditor, status=ReportJob.Status.DONE, bulletin=None).exists():
        return
    group = StudyGroup.objects.visible_to(auditor).select_related("unit").order_by("pk").first()
    if group is None:
        return
    fields = {"kind": ReportKind.ARCHIVE, "format": default_format(ReportKind.ARCHIVE), "year": data_year()}
    org = group.unit  # as the request form sets it for an archive
    key = job_key(**fields, half=None, org_id=org.pk, study_group_id=group.pk, person_id=None)
    job = ReportJob.objects.create(
        **fields, org=org, study_group=group, key=key, requested_by=auditor, created_by=auditor
    )
    job_run(job_id=job.pk)


def _bulletins(staff, approver) -> None:
    from reports import bulletins
    from reports.models import Bulletin, ReportJob
    from reports.services import job_key, job_run

    year = data_year()
    period = {"period_start": datetime.date(year, 1, 1), "period_end": datetime.date(year, 12, 31)}
    if not Bulletin.objects.filter(title=BENCH_BULLETIN_TITLE).exists():
        bulletins.bulletin_create(user=staff, org=staff.scope_unit, year=year, title=BENCH_BULLETIN_TITLE, **period)
    bulletin = Bulletin.objects.filter(title=BENCH_PUBLISHED_TITLE).first() or bulletins.bulletin_create(
        user=staff, org=staff.scope_unit, year=year, title=BENCH_PUBLISHED_TITLE, **period
    )
    if bulletin.status == Bulletin.Status.DRAFT:
        # Approval is a second person's; the demo has no second staff account of the county, so it is set here.
        bulletin.status, bulletin.approved_by = Bulletin.Status.APPROVED, approver or staff
        bulletin._history_user = approver or staff
        bulletin.save()
    if bulletin.status == Bulletin.Status.APPROVED:
        bulletin = bulletins.bulletin_publish(user=staff, bulletin_id=bulletin.pk)
    if ReportJob.objects.filter(bulletin=bulletin, status=ReportJob.Status.DONE).exists():
        return
    fields = {"kind": "bulletin", "format": "pdf", "year": year}
    key = job_key(
        **fields, half=None, org_id=bulletin.org_id, study_group_id=None, person_id=None, bulletin_id=bulletin.pk
    )
    job = ReportJob.objects.create(
        **fields, org=bulletin.org, bulletin=bulletin, key=key, requested_by=staff, created_by=staff
    )
    job_run(job_id=job.pk)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _session_file(secretary) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from core.attachments import attachment_create
    from core.models import Attachment
    from studygroups.models import StudySession

    if Attachment.objects.filter(original_name=BENCH_FILE_NAME).exists():
        return
    session = (
        StudySession.objects.filter(study_group_id=secretary.study_group_id, starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .first()
    )
    if session is not None:
        upload = SimpleUploadedFile(BENCH_FILE_NAME, _png(), content_type="image/png")
        attachment_create(upload=upload, owner=session, user=secretary)


def _session_in_progress(member, by) -> None:
    from django.utils import timezone

    from core.models import Membership
    from studygroups.models import StudySession
    from studygroups.services.sessions import session_create

    now = timezone.now()
    hours = {"starts_at": now - datetime.timedelta(minutes=5), "ends_at": now + datetime.timedelta(hours=2)}
    session = StudySession.objects.filter(title=BENCH_SESSION_TITLE).first()
    if session is not None:
        session.starts_at, session.ends_at = hours["starts_at"], hours["ends_at"]
        session._history_user = by
        session.save()
        return
    membership = (
        Membership.objects.filter(person_id=member.person_id, end_date__isnull=True)
        .select_related("study_group")
        .first()
    )
    if membership is None or by is None:
        return
    data = {"title": BENCH_SESSION_TITLE, "place": "会议室", **hours}
    session_create(user=by, study_group=membership.study_group, data=data)


def _feed_token(user) -> None:
    from outreach.services import feed_token_for

    feed_token_for(user)
