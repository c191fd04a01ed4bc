"""Attendance (考勤) on one screen, make-up study (补学) and reflections (心得体会).

The rules live here; views only parse, authorise and call:
- only people who were active members of the group on the session's day have attendance rows;
- nobody can be marked present or late for a session that has not started (leave may be known
  in advance); a check-in by QR code before the start stands (see services.checkin);
- leave needs a reason and owes a make-up study until it is recorded;
- a reflection is written by someone who attended (present or late) a session that has started.

Every write saves row by row (the audit trail sees each change) and only rows whose values change,
so a double-submitted screen stores one set of records and no spurious history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import attachment_create
from core.models import Membership, Person
from studygroups.models import Attendance, Reflection, StudySession

ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


class AttendanceError(ValidationError):
    """A refused attendance, make-up or reflection write; ``code`` says which rule."""


# ---------------------------------------------------------------------------------------------
# The roster and the attendance screen


@dataclass
class RosterEntry:
    person: Person
    membership: Membership
    attendance: Attendance | None = None


def lock_session(session: StudySession) -> None:
    """Serialise writes about one session (two submits of the same screen, two scans at once)."""
    list(StudySession.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True))


def roster_person_ids(session: StudySession) -> set[int]:
    """Ids of the people who were active members of the session's group on its day."""
    memberships = Membership.objects.filter(study_group_id=session.study_group_id).active_on(session.day)
    return set(memberships.values_list("person_id", flat=True))


def is_member_on_day(*, session: StudySession, person_id: int | None) -> bool:
    if not person_id:
        return False
    memberships = Membership.objects.filter(study_group_id=session.study_group_id, person_id=person_id)
    return memberships.active_on(session.day).exists()


def attendance_roster(session: StudySession) -> list[RosterEntry]:
    """Everyone active on the session's day, leader first, with their attendance row if any (two queries)."""
    memberships = (
        Membership.objects.filter(study_group_id=session.study_group_id)
        .active_on(session.day)
        .select_related("person")
        .order_by("role_order", "person__name", "start_date")
    )
    rows = {a.person_id: a for a in Attendance.objects.filter(session=session)}
    entries: dict[int, RosterEntry] = {}
    for membership in memberships:
        if membership.person_id not in entries:
            entries[membership.person_id] = RosterEntry(
                person=membership.person, membership=membership, attendance=rows.get(membership.person_id)
            )
    for entry in entries.values():
        if entry.attendance is not None:
            entry.attendance.session = session  # is_late_entry without a query per row
    return list(entries.values())


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the screen: a person and a status ("" = nothing to record yet, future sessions only)."""

    person_id: int
    status: str
    reason: str = ""


@dataclass
class AttendanceSaveResult:
    created: list[Attendance] = field(default_factory=list)
    changed: list[Attendance] = field(default_factory=list)
    deleted: int = 0
    unchanged: int = 0


def _check_rows(
    *, session: StudySession, rows: list[AttendanceRow], existing: dict[int, Attendance], now: datetime.datetime
) -> None:
    ids = [row.person_id for row in rows]
    if len(set(ids)) != len(ids):
        raise AttendanceError(_("A person appears twice on the attendance list."), code="duplicate")
    strangers = set(ids) - roster_person_ids(session)
    if strangers:
        names = ", ".join(Person.objects.filter(pk__in=strangers).order_by("name").values_list("name", flat=True))
        raise AttendanceError(
            _("Not a member of this group on the session's day: %(names)s. Nothing was saved."),
            params={"names": names or ", ".join(map(str, sorted(strangers)))},
            code="not_member",
        )
    future = session.starts_at > now
    for row in rows:
        current = existing.get(row.person_id)
        if row.status not in Attendance.Status.values and not (future and row.status == ""):
            raise AttendanceError(_("Choose an attendance status for everyone."), code="status_required")
        if future and row.status in ATTENDED and not (current and current.status == row.status):
            raise AttendanceError(
                _("The session has not started yet: nobody can be marked present or late."), code="future_present"
            )
        if row.status == Attendance.Status.LEAVE and not row.reason.strip():
            raise AttendanceError(_("Leave needs a reason."), code="leave_needs_reason")


@transaction.atomic
def attendance_save(*, session: StudySession, rows, user, now: datetime.datetime | None = None) -> AttendanceSaveResult:
    """Store the attendance screen of a session in one go; all or nothing.

    Rows update the person's existing record or create it; a row left empty on a future session
    removes a leave recorded in advance. Rows whose values do not change are not saved again.
    """
    now = now or timezone.now()
    rows = list(rows)
    lock_session(session)
    existing = {a.person_id: a for a in Attendance.objects.select_for_update().filter(session=session)}
    _check_rows(session=session, rows=rows, existing=existing, now=now)
    result = AttendanceSaveResult()
    for row in rows:
        reason = row.reason.strip()
        current = existing.get(row.person_id)
        if row.status == "":
            if current is not None:
                current._history_user = user
                current.delete()
                result.deleted += 1
            continue
        if current is None:
            created = Attendance(
                session=session, person_id=row.person_id, status=row.status, reason=reason, created_by=user
            )
            created._history_user = user
            created.save()
            result.created.append(created)
        elif (current.status, current.reason) != (row.status, reason):
            if current.status != row.status:
                current.method = Attendance.Method.MANUAL
            current.status, current.reason = row.status, reason
            current._history_user = user
            current.save()
            result.changed.append(current)
        else:
            result.unchanged += 1
    return result


# ---------------------------------------------------------------------------------------------
# Make-up study (补学)


@transaction.atomic
def makeup_record(
    *, attendance: Attendance, done_on: datetime.date, notes: str, user, today: datetime.date | None = None
) -> Attendance:
    """Record that the make-up study of a leave was done; it then leaves the open lists."""
    today = today or timezone.localdate()
    row = Attendance.objects.select_for_update().select_related("session").get(pk=attendance.pk)
    if row.status != Attendance.Status.LEAVE:
        raise AttendanceError(_("Only leave owes a make-up study."), code="not_on_leave")
    if done_on < row.session.day:
        raise AttendanceError(_("The make-up study cannot be before the session."), code="before_session")
    if done_on > today:
        raise AttendanceError(_("The make-up study cannot be in the future."), code="in_future")
    notes = notes.strip()
    if (row.makeup_done_on, row.makeup_notes) != (done_on, notes):
        row.makeup_done_on, row.makeup_notes = done_on, notes
        row._history_user = user
        row.save()
    return row


# ---------------------------------------------------------------------------------------------
# Reflections (心得体会)


def reflection_check(
    *, session: StudySession, person_id: int | None, now: datetime.datetime | None = None
) -> Attendance:
    """The attendance that entitles a person to a reflection on a session, or AttendanceError."""
    now = now or timezone.now()
    if not person_id:
        raise AttendanceError(_("Your account is not linked to a member."), code="no_person")
    if session.starts_at > now:
        raise AttendanceError(_("The session has not taken place yet."), code="future")
    attendance = Attendance.objects.filter(session=session, person_id=person_id, status__in=ATTENDED).first()
    if attendance is None:
        raise AttendanceError(
            _("Only members who attended the session (present or late) write a reflection on it."),
            code="not_attended",
        )
    return attendance


@transaction.atomic
def reflection_submit(
    *, session: StudySession, person: Person, text: str, user, upload: UploadedFile | None = None
) -> Reflection:
    """Create or update the person's one reflection on the session, with an optional file."""
    reflection_check(session=session, person_id=person.pk)
    lock_session(session)
    reflection = Reflection.objects.select_for_update().filter(session=session, person=person).first()
    if reflection is None:
        reflection = Reflection(session=session, person=person, text=text, created_by=user)
        reflection._history_user = user
        reflection.save()
    elif reflection.text != text:
        reflection.text = text
        reflection._history_user = user
        reflection.save()
    if upload:
        attachment_create(upload=upload, owner=reflection, user=user)
    return reflection
