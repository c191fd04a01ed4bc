"""What the dashboards show of the study records (registered as panels in StudygroupsConfig.ready()).

Every figure on a dashboard is a link to the list behind it, and that list shows exactly the rows counted:
the figure and the list filter (studygroups.filters) read the same definitions here (``session_state``,
``makeups_owed``). A panel's queries do not depend on the number of rows.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.aggregates import aggregate_together
from core.models import Membership, OrgUnit, Person, StudyGroup
from studygroups.models import Attendance, ReadingProgress, Reflection, RequiredReading, StudySession
from studygroups.selectors.stats import ATTENDED, Period, topic_coverage, with_record_flags

UPCOMING_SHOWN = 8  # sessions listed on a dashboard; the figure links to all of them


class SessionState:
    """The states a session list can be filtered by (the ``state`` filter), each a dashboard figure."""

    UPCOMING = "upcoming"
    HELD = "held"
    NO_RECORD = "no_record"  # held, the written record not entered yet
    RECORD_OVERDUE = "record_overdue"  # the record is due (selectors.stats: records missing)
    LATE = "late"  # held, the record entered late
    NO_ATTENDANCE = "no_attendance"  # held, not one attendance row
    TO_REFLECT = "to_reflect"  # held, attended by the user's person, who has not written a reflection

    choices = [
        (UPCOMING, _("Not held yet")),
        (HELD, _("Held")),
        (NO_RECORD, _("Held, no written record yet")),
        (RECORD_OVERDUE, _("Written record overdue")),
        (LATE, _("Record entered late")),
        (NO_ATTENDANCE, _("Held, attendance not taken")),
        (TO_REFLECT, _("My reflection to write")),
    ]


def session_state(state: str, *, now: datetime.datetime, person_id: int | None = None) -> Q:
    """Sessions in ``state`` at ``now``, for a queryset annotated by ``stats.with_record_flags``."""
    held = Q(starts_at__lte=now)
    if state == SessionState.UPCOMING:
        return Q(starts_at__gt=now)
    if state == SessionState.HELD:
        return held
    if state == SessionState.NO_RECORD:
        return held & Q(has_record=False)
    if state == SessionState.RECORD_OVERDUE:
        # The definition of stats.group_stats' records_missing.
        return Q(has_record=False, ends_at__lte=now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS))
    if state == SessionState.LATE:
        return held & Q(record_late=True)
    if state == SessionState.NO_ATTENDANCE:
        return held & ~Q(Exists(Attendance.objects.filter(session=OuterRef("pk"))))
    if state == SessionState.TO_REFLECT:
        if person_id is None:
            return Q(pk__in=[])
        attended = Attendance.objects.filter(session=OuterRef("pk"), person_id=person_id, status__in=ATTENDED)
        written = Reflection.objects.filter(session=OuterRef("pk"), person_id=person_id)
        return held & Q(Exists(attended)) & ~Q(Exists(written))
    raise ValueError(f"Unknown session state {state!r}")


def makeups_owed(attendance: QuerySet[Attendance], *, now: datetime.datetime) -> QuerySet[Attendance]:
    """The make-ups owed among ``attendance``: leave not yet made up, at a held session, of a member seated
    that day (the definition of stats.group_stats' makeups_owed)."""
    seated = Membership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("_session_day")),
        study_group_id=OuterRef("session__study_group_id"),
        person_id=OuterRef("person_id"),
        start_date__lte=OuterRef("_session_day"),
    )
    return (
        attendance.filter(status=Attendance.Status.LEAVE, makeup_done_on__isnull=True, session__starts_at__lte=now)
        .alias(_session_day=TruncDate("session__starts_at"))
        .filter(Exists(seated))
    )


def visible_sessions(user) -> QuerySet[StudySession]:
    """The sessions a user sees, flagged as the session list flags them."""
    return with_record_flags(StudySession.objects.visible_to(user))


def owed_makeups_of(user, now: datetime.datetime) -> QuerySet[Attendance]:
    """Make-ups owed that a user's list shows: a member's own, the others' for those who may see them."""
    rows = makeups_owed(Attendance.objects.visible_to(user), now=now)
    if not policy.can(user, policy.Action.OTHERS_RECORDS):
        rows = rows.filter(person_id=user.person_id)
    return rows


def _upcoming(user, now: datetime.datetime) -> dict:
    sessions = visible_sessions(user).filter(session_state(SessionState.UPCOMING, now=now))
    # The count of them all rides on the rows shown (a window over the whole filtered set): one query.
    shown = list(
        sessions.select_related("study_group")
        .annotate(total=Window(Count("pk")))
        .order_by("starts_at", "pk")[:UPCOMING_SHOWN]
    )
    return {"upcoming_count": shown[0].total if shown else 0, "upcoming": shown}


# --- panels: each takes (user, today) ------------------------------------------------------------


def county_state(user, today: datetime.date) -> dict:
    """What a county (or region) has: departments, townships, study groups and people, as their lists show them
    (one query)."""
    units = OrgUnit.objects.visible_to(user)
    return aggregate_together(
        (
            units,
            {
                "departments": Count("pk", filter=Q(kind=OrgUnit.Kind.DEPARTMENT)),
                "townships": Count("pk", filter=Q(kind=OrgUnit.Kind.TOWNSHIP)),
            },
        ),
        (StudyGroup.objects.visible_to(user), {"groups": Count("pk")}),
        (Person.objects.visible_to(user), {"people": Count("pk")}),
    )


def year_state(user, today: datetime.date) -> dict:
    """This year's state of the visible groups: what is held, what is missing, what came late, what is owed,
    in one query (the definitions of ``selectors.stats.group_stats`` and of the session list's states)."""
    now = timezone.now()
    period = Period.year(today.year)
    # The lists' own scopes (the rows the figures link to); for an auditor of the whole region, no join to
    # the groups at all.
    sessions = with_record_flags(
        StudySession.objects.visible_to(user).filter(starts_at__gte=period.start, starts_at__lt=period.end)
    )
    # The same rows as ``session__in=sessions``, in one join: the planner then starts from the few open
    # leaves (a partial index) instead of hashing the year's sessions twice.
    attendance = Attendance.objects.visible_to(user).filter(
        session__starts_at__gte=period.start, session__starts_at__lt=period.end
    )
    # The record overdue is counted apart, over the sessions with no record: a small partial index holds them
    # (``session_no_record_idx``), and the other figures read only columns of ``session_start_group_idx``,
    # so neither part reads the table's rows (the written records make them wide).
    figures = aggregate_together(
        (
            sessions,
            {
                "held": Count("pk", filter=session_state(SessionState.HELD, now=now)),
                "scheduled": Count("pk", filter=session_state(SessionState.UPCOMING, now=now)),
                "late_record": Count("pk", filter=session_state(SessionState.LATE, now=now)),
            },
        ),
        (sessions.filter(session_state(SessionState.RECORD_OVERDUE, now=now)), {"missing_record": Count("pk")}),
        (makeups_owed(attendance, now=now), {"open_makeups": Count("pk")}),
    )
    return {"year": today.year, "year_str": str(today.year), **figures}


def behind_plan(user, today: datetime.date) -> dict:
    """Groups with planned topics of this year overdue (as the plan coverage page counts them)."""
    # The groups' names come with their ids (the coverage needs every id): no second query for the names.
    groups = list(StudyGroup.objects.visible_to(user).only("pk", "name").order_by())
    coverage = topic_coverage(groups, Period.year(today.year), sessions=False)
    behind = [row for row in coverage.values() if row.overdue]
    names = {group.pk: group.name for group in groups}
    behind.sort(key=lambda row: (-len(row.overdue), names[row.group_id]))
    shown = [{"pk": row.group_id, "name": names[row.group_id], "overdue": len(row.overdue)} for row in behind[:8]]
    return {"year": today.year, "count": len(behind), "groups": shown}


def upcoming_sessions(user, today: datetime.date) -> dict:
    """The next sessions of the groups a user oversees (staff and inspectors)."""
    return _upcoming(user, timezone.now())


def secretary_work(user, today: datetime.date) -> dict:
    """A study secretary's work: the next sessions and their notices, records and attendance owed, who owes
    a make-up."""
    now = timezone.now()
    sessions = visible_sessions(user)
    upcoming = _upcoming(user, now)
    for session in upcoming["upcoming"]:
        session.notice_from = timezone.localdate(session.starts_at) - datetime.timedelta(days=session.notice_days)
    no_record = sessions.filter(session_state(SessionState.NO_RECORD, now=now)).order_by("-starts_at", "-pk")
    no_attendance = sessions.filter(session_state(SessionState.NO_ATTENDANCE, now=now)).order_by("-starts_at", "-pk")
    overdue_before = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    no_record = list(no_record.only("pk", "title", "starts_at", "ends_at"))
    for session in no_record:
        session.overdue = session.ends_at <= overdue_before
    by_person = (
        owed_makeups_of(user, now)
        .values("person_id", "person__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "person__name", "person_id")
    )
    by_person = list(by_person)
    return {
        **upcoming,
        "group": user.study_group,
        "no_record": no_record,
        "no_attendance": list(no_attendance.only("pk", "title", "starts_at")),
        "makeups_by_person": by_person,
        "makeups_total": sum(row["n"] for row in by_person),
    }


def member_work(user, today: datetime.date) -> dict:
    """A member's to-do: the next sessions, this year's reflections to write, make-ups owed, reading."""
    now = timezone.now()
    person_id = user.person_id
    to_reflect = visible_sessions(user).filter(
        session_state(SessionState.TO_REFLECT, now=now, person_id=person_id), starts_at__year=today.year
    )
    readings = RequiredReading.objects.visible_to(user).filter(year=today.year)
    finished = ReadingProgress.objects.filter(reading=OuterRef("pk"), person_id=person_id, finished_on__isnull=False)
    reading = readings.aggregate(total=Count("pk"), finished=Count("pk", filter=Q(Exists(finished))))
    return {
        **_upcoming(user, now),
        "person": user.person,
        "year": today.year,
        "year_str": str(today.year),
        "to_reflect": list(to_reflect.only("pk", "title", "starts_at").order_by("-starts_at", "-pk")),
        "makeups": owed_makeups_of(user, now).count(),
        "readings_total": reading["total"],
        "readings_finished": reading["finished"],
        "readings_to_read": reading["total"] - reading["finished"],
    }
