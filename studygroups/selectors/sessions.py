"""What one session's page shows besides the session itself: attendance, reflections, make-ups owed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from core.models import Membership
from studygroups.models import Attendance, Reflection, StudySession


@dataclass
class AttendanceSummary:
    """Counts of the rows the user may see, with the names behind leave and absence (four queries)."""

    counts: list[tuple[str, str, int]]
    recorded: int
    roster: int
    on_leave: list[Attendance] = field(default_factory=list)
    absent: list[Attendance] = field(default_factory=list)
    makeups_owed: list[Attendance] = field(default_factory=list)

    @property
    def unrecorded(self) -> int:
        return max(self.roster - self.recorded, 0)


def attendance_summary(*, user, session: StudySession) -> AttendanceSummary:
    rows = Attendance.objects.visible_to(user).filter(session=session)
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts = [(status, label, by_status.get(status, 0)) for status, label in Attendance.Status.choices]
    exceptions = list(
        rows.filter(status__in=(Attendance.Status.LEAVE, Attendance.Status.ABSENT))
        .select_related("person")
        .order_by("person__name", "pk")
    )
    for row in exceptions:
        row.session = session  # owes_makeup and the late flag without a query per row
    roster = (
        Membership.objects.filter(study_group_id=session.study_group_id)
        .active_on(session.day)
        .values("person")
        .distinct()
        .count()
    )
    return AttendanceSummary(
        counts=counts,
        recorded=sum(by_status.values()),
        roster=roster,
        on_leave=[row for row in exceptions if row.status == Attendance.Status.LEAVE],
        absent=[row for row in exceptions if row.status == Attendance.Status.ABSENT],
        makeups_owed=[row for row in exceptions if row.owes_makeup],
    )


def session_reflections(*, user, session: StudySession):
    """The reflections handed in on the session that the user may see, with their number of files."""
    return (
        Reflection.objects.visible_to(user)
        .filter(session=session)
        .select_related("person")
        .annotate(attachment_count=Count("attachments"))
        .order_by("created_at", "pk")
    )
