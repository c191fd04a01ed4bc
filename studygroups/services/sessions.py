"""Study sessions: scheduling, the written record, speeches, speaker rotation, notices and reminders.

Writes go through these functions; views parse, authorise, call and redirect. Celery tasks call the
``*_send_*`` functions with ids, and every one of them is safe to run twice.
"""

from __future__ import annotations

import datetime
import logging
import operator
import uuid
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    F,
    Max,
    Q,
    QuerySet,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import policy
from core.attachments import attachment_create
from core.concurrency import lock_current
from core.models import Attachment, Membership, Person, StudyGroup, User
from core.notifications import notify
from studygroups.models import Plan, PlanTopic, Speech, StudySession

logger = logging.getLogger(__name__)

# Notification kinds of this app (labels registered in StudygroupsConfig.ready()).
NOTICE = "studygroups.notice"
RECORD_REMINDER = "studygroups.record_reminder"

# Fields a user edits on a session (the rest are kept by the system: version, notice and record stamps).
SESSION_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "materials",
    "record",
    "work_problems",
    "outcomes",
    "notice_days",
)
# Changing these after the notice went out sends the notice again.
NOTICE_FIELDS = ("starts_at", "ends_at", "place", "title")


# ---------------------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------------------


def active_member_ids(*, study_group: StudyGroup, day: datetime.date) -> QuerySet:
    """Person ids of the group's members on ``day`` (a subquery)."""
    return Membership.objects.filter(study_group=study_group).active_on(day).values("person")


def speaker_choices(*, user: User, session: StudySession) -> QuerySet[Person]:
    """People who may speak at (or host) a session: members of its group on the session's day."""
    return roster_on(user=user, study_group=session.study_group, day=session.day)


def roster_on(*, user: User, study_group: StudyGroup, day: datetime.date) -> QuerySet[Person]:
    """The group's members on ``day``: whom a session of that day may have as host or speaker."""
    return (
        Person.objects.visible_to(user)
        .filter(pk__in=active_member_ids(study_group=study_group, day=day))
        .order_by("name")
    )


def group_people(*, user: User, study_group: StudyGroup) -> QuerySet[Person]:
    """Everyone who ever sat in the group; the form then checks membership on the session's day."""
    return (
        Person.objects.visible_to(user)
        .filter(pk__in=Membership.objects.filter(study_group=study_group).values("person"))
        .order_by("name")
    )


def topic_choices(*, user: User, study_group: StudyGroup, year: int) -> QuerySet[PlanTopic]:
    """Topics of the plans a session of this group may cover: the group's annual and quarterly plans and
    the county's annual plan of that year, as far as the user may see them."""
    unit = study_group.unit
    plans = (
        Plan.objects.visible_to(user)
        .filter(year=year)
        .filter(
            Q(study_group=study_group, level__in=Plan.GROUP_LEVELS)
            | Q(level=Plan.Level.COUNTY, unit_id__in=[*unit.ancestor_ids, unit.pk])
        )
    )
    return (
        PlanTopic.objects.visible_to(user)
        .filter(plan__in=plans.values("pk"))
        .select_related("plan")
        .order_by("plan__level", "plan__quarter", "order", "planned_month", "pk")
    )


def propose_speakers(*, user: User, session: StudySession, count: int = 3) -> list[Person]:
    """Who should speak next (成员轮流制): members on the session's day who have not yet spoken at this
    session, fewest speeches in the group first, then the longest since they last spoke (never first),
    then by name. One query."""
    in_group = Q(speeches__session__study_group_id=session.study_group_id)
    return list(
        speaker_choices(user=user, session=session)
        .exclude(pk__in=Speech.objects.filter(session=session).values("person"))
        .annotate(
            speech_count=Count("speeches", filter=in_group),
            last_spoke_at=Max("speeches__session__starts_at", filter=in_group),
        )
        .order_by("speech_count", F("last_spoke_at").asc(nulls_first=True), "name", "pk")[:count]
    )


def session_by_submission(*, user: User, submission_id: uuid.UUID | None) -> StudySession | None:
    """The session already stored from this form (a double click or a resubmission), if any."""
    if not submission_id:
        return None
    return StudySession.objects.visible_to(user).filter(submission_id=submission_id).first()


# ---------------------------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------------------------


def _stamp_record(session: StudySession, user: User | None) -> None:
    """The first time the written record has content, remember when and by whom it was entered."""
    if session.record_entered_at is None and session.record.strip():
        session.record_entered_at = timezone.now()
        session.record_entered_by = user


def _stamp_materials(session: StudySession, *, had_materials: bool) -> None:
    """The first time the materials get content, remember when (never moved afterwards: materials cleared
    and entered again keep the first time). A session stored with materials before the stamp existed
    (``had_materials``) is not stamped on its next edit, which would date them wrongly."""
    if session.materials_entered_at is None and not had_materials and session.materials.strip():
        session.materials_entered_at = timezone.now()


def _set_topics(session: StudySession, topics) -> None:
    """Link ``topics`` without a history row of their own: the save that follows records them together
    with the other fields, one row per edit (simple-history would add one per added and removed batch)."""
    session.skip_history_when_saving = True
    try:
        session.topics.set(topics)
    finally:
        del session.skip_history_when_saving


def session_create(
    *,
    user: User,
    study_group: StudyGroup,
    data: dict[str, Any],
    topics=(),
    submission_id: uuid.UUID | None = None,
) -> tuple[StudySession, bool]:
    """Store a new session; a second call with the same ``submission_id`` returns the first session.

    Returns (session, created)."""
    existing = session_by_submission(user=user, submission_id=submission_id)
    if existing is not None:
        return existing, False
    session = StudySession(study_group=study_group, created_by=user, submission_id=submission_id or uuid.uuid4())
    for name in SESSION_FIELDS:
        if name in data:
            setattr(session, name, data[name])
    _stamp_record(session, user)
    _stamp_materials(session, had_materials=False)
    session._history_user = user
    try:
        with transaction.atomic():
            session.save()
            # Tracked by the history: with topics, a "~" row by the same user follows the "+" row.
            session.topics.set(topics)
    except IntegrityError:
        # The same form arrived twice at once: the other request stored it first.
        existing = session_by_submission(user=user, submission_id=submission_id)
        if existing is None:
            raise
        return existing, False
    return session, True


@transaction.atomic
def session_update(
    *,
    user: User,
    session_id: int,
    version: int,
    data: dict[str, Any],
    topics=None,
) -> StudySession:
    """Save the fields in ``data`` if nobody saved the session since ``version`` was read.

    Raises StaleVersion (writing nothing) otherwise; the row is locked while compared and saved."""
    session = lock_current(StudySession.objects.editable_by(user), pk=session_id, version=version)
    notice_changed = any(name in data and getattr(session, name) != data[name] for name in NOTICE_FIELDS)
    had_materials = bool(session.materials.strip())
    for name in SESSION_FIELDS:
        if name in data:
            setattr(session, name, data[name])
    if notice_changed and session.notice_sent_at and session.is_future:
        # Rescheduled after the notice went out: the next run of the notice task tells everyone again.
        session.notice_sent_at = None
    _stamp_record(session, user)
    _stamp_materials(session, had_materials=had_materials)
    session.version += 1  # the row is locked: no one else can be between the comparison and this save
    session._history_user = user
    if topics is not None:
        _set_topics(session, topics)
    session.save()  # one history row: the fields and the topics as they are now
    return session


def speech_create(
    *, user: User, session: StudySession, person: Person, topic: str, gist: str = "", is_lead: bool = False
) -> Speech:
    speech = Speech(session=session, person=person, topic=topic, gist=gist, is_lead=is_lead, created_by=user)
    speech._history_user = user
    speech.save()
    return speech


# ---------------------------------------------------------------------------------------------------------------
# Advance notices and record reminders (run by Celery beat through studygroups.tasks)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Message:
    subject: str
    body: str


def sessions_due_notice(*, now: datetime.datetime | None = None) -> QuerySet[StudySession]:
    """Sessions not yet started whose notice is due and not yet sent.

    A notice is due from the start of the local calendar day ``notice_days`` days before the session's
    day: with 3 days, a session on the 10th is announced from the 7th at 00:00."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    tomorrow_start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    pending = StudySession.objects.filter(notice_sent_at__isnull=True, starts_at__gt=now)
    # One window per notice period in use (a handful of values), as plain datetimes: SQLite, the embedded
    # database, cannot multiply a duration by a column.
    periods = pending.order_by().values_list("notice_days", flat=True).distinct()
    windows = [Q(notice_days=days, starts_at__lt=tomorrow_start + datetime.timedelta(days=days)) for days in periods]
    if not windows:
        return pending.none()
    return pending.filter(reduce(operator.or_, windows)).order_by("starts_at", "pk")


def sessions_due_record_reminder(*, now: datetime.datetime | None = None) -> QuerySet[StudySession]:
    """Sessions that ended more than RECORD_REMINDER_DAYS days ago and still have no written record."""
    now = now or timezone.now()
    ended_before = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    return (
        StudySession.objects.filter(record_reminder_sent_at__isnull=True, ends_at__lt=ended_before)
        # Blank, or only spaces and line breaks.
        .filter(Q(record="") | Q(record__regex=r"^\s*$"))
        .order_by("starts_at", "pk")
    )


def _secretary_accounts(study_group_id: int) -> QuerySet[User]:
    """The accounts scoped to the group: its secretaries, who keep its records."""
    return User.objects.filter(role__in=policy.GROUP_ROLES, study_group_id=study_group_id, is_active=True)


def notice_recipients(session: StudySession) -> list[User]:
    """Accounts of the group's members on the session's day, and the group's secretary accounts."""
    members = User.objects.filter(
        is_active=True, person_id__in=active_member_ids(study_group=session.study_group, day=session.day)
    )
    secretaries = _secretary_accounts(session.study_group_id)
    return list((members | secretaries).distinct().order_by("pk"))


def _when(session: StudySession) -> str:
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    end_format = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M}–{end.strftime(end_format)}"


def _notice_message(session: StudySession) -> _Message:
    topics = "、".join(topic.title for topic in session.topics.all())
    lines = [
        _("Study group: %(group)s") % {"group": session.study_group.name},
        _("Subject: %(title)s") % {"title": session.title},
        _("Kind: %(kind)s") % {"kind": session.get_kind_display()},
        _("Time: %(when)s") % {"when": _when(session)},
        _("Place: %(place)s") % {"place": session.place},
    ]
    if session.host_id:
        lines.append(_("Host: %(host)s") % {"host": session.host.name})
    if topics:
        lines.append(_("Topics: %(topics)s") % {"topics": topics})
    if session.materials.strip():
        lines.append(_("Please read beforehand: %(materials)s") % {"materials": session.materials.strip()})
    subject = _("Study session notice: %(title)s on %(day)s") % {
        "title": session.title,
        "day": f"{session.day:%Y-%m-%d}",
    }
    return _Message(subject=subject, body="\n".join(lines))


def _reminder_message(session: StudySession) -> _Message:
    subject = _("The record of the session %(title)s of %(day)s is still missing") % {
        "title": session.title,
        "day": f"{session.day:%Y-%m-%d}",
    }
    body = _(
        "The session %(title)s of %(group)s took place on %(when)s at %(place)s and has no written record yet. "
        "Please enter the record now: records entered more than %(days)s days after a session are marked late."
    ) % {
        "title": session.title,
        "group": session.study_group.name,
        "when": _when(session),
        "place": session.place,
        "days": settings.LATE_ENTRY_DAYS,
    }
    return _Message(subject=subject, body=body)


def _notify(*, users: list[User], session: StudySession, kind: str, message: _Message) -> None:
    """One notification per (user, session, kind), re-opened when sent again; mail after commit."""
    notify(
        users=users,
        kind=kind,
        subject=message.subject,
        message=message.body,
        target=session,
        dedup_key=f"session:{session.pk}:{kind}",
    )


def session_send_notice(*, session_id: int, now: datetime.datetime | None = None) -> bool:
    """Send the advance notice of one session if it is still due. Returns whether it was sent now."""
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        # Locked, and skipped when another worker holds it: the same notice never goes out twice.
        session = (
            sessions_due_notice(now=now).filter(pk=session_id).select_for_update(skip_locked=True, of=("self",)).first()
        )
        if session is None:
            return False
        session = StudySession.objects.select_related("study_group", "host").get(pk=session.pk)
        _notify(
            users=notice_recipients(session),
            session=session,
            kind=NOTICE,
            message=_notice_message(session),
        )
        session.notice_sent_at = now
        session.save(update_fields=["notice_sent_at", "updated_at"])
    return True


def session_send_record_reminder(*, session_id: int, now: datetime.datetime | None = None) -> bool:
    """Remind the group's secretaries of a missing record, once. Returns whether it was sent now."""
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        session = (
            sessions_due_record_reminder(now=now)
            .filter(pk=session_id)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if session is None:
            return False
        session = StudySession.objects.select_related("study_group").get(pk=session.pk)
        _notify(
            users=list(_secretary_accounts(session.study_group_id).order_by("pk")),
            session=session,
            kind=RECORD_REMINDER,
            message=_reminder_message(session),
        )
        session.record_reminder_sent_at = now
        session.save(update_fields=["record_reminder_sent_at", "updated_at"])
    return True


def send_due_notices(*, now: datetime.datetime | None = None) -> int:
    """Send every advance notice that is due. Returns how many sessions were announced."""
    now = now or timezone.now()
    ids = list(sessions_due_notice(now=now).values_list("pk", flat=True))
    return sum(session_send_notice(session_id=pk, now=now) for pk in ids)


def send_due_record_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind secretaries of every missing record that is due. Returns how many sessions were reminded."""
    now = now or timezone.now()
    ids = list(sessions_due_record_reminder(now=now).values_list("pk", flat=True))
    return sum(session_send_record_reminder(session_id=pk, now=now) for pk in ids)


# ---------------------------------------------------------------------------------------------------------------
# Sessions kept by a record of another app (an exchange visit holds one session of each of its two groups):
# that app's service has checked the user may write its record, so these do not scope the sessions to the user.
# ---------------------------------------------------------------------------------------------------------------


@transaction.atomic
def linked_session_update(*, user: User, session_id: int, data: dict[str, Any]) -> StudySession:
    """Save ``data`` on a session kept by another record, as session_update does (notice re-sent when
    rescheduled, record stamped, version raised)."""
    session = StudySession.objects.select_for_update().get(pk=session_id)
    notice_changed = any(name in data and getattr(session, name) != data[name] for name in NOTICE_FIELDS)
    had_materials = bool(session.materials.strip())
    for name in SESSION_FIELDS:
        if name in data:
            setattr(session, name, data[name])
    if notice_changed and session.notice_sent_at and session.is_future:
        session.notice_sent_at = None
    _stamp_record(session, user)
    _stamp_materials(session, had_materials=had_materials)
    session.version += 1
    session._history_user = user
    session.save()
    return session


@transaction.atomic
def linked_session_delete(*, user: User, session_id: int) -> None:
    """Remove a session kept by another record, with its attendance (each deletion in the history)."""
    session = StudySession.objects.select_for_update().get(pk=session_id)
    for attendance in session.attendances.all():
        attendance._history_user = user
        attendance.delete()
    session._history_user = user
    session.delete()


# ---------------------------------------------------------------------------------------------
# Files of a session (sign-in sheet, photos, slides, materials) and of its record


@transaction.atomic
def session_attachments_add(*, session: StudySession, uploads, user: User) -> list[Attachment]:
    """Store the uploaded files as the session's; all or none (each is checked by its content)."""
    return [attachment_create(upload=upload, owner=session, user=user) for upload in uploads]


@transaction.atomic
def session_attachment_remove(*, session: StudySession, attachment: Attachment, user: User) -> None:
    """Remove one file of the session; the audit trail keeps who removed it and when."""
    if attachment.owner_type.model_class() is not StudySession or attachment.owner_id != session.pk:
        raise ValueError("The attachment does not belong to this session.")
    stored = attachment.file
    attachment._history_user = user
    attachment.delete()
    # The file goes once the row's removal is committed; a rollback keeps both.
    transaction.on_commit(lambda: stored.delete(save=False))
