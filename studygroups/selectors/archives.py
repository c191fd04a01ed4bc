"""The study archives (学习档案): one member's or one group's year, read through the user's scope.

Every queryset starts from ``visible_to(user)``. Counts are aggregated in SQL (per member of a group)
or taken from rows the page shows anyway, so the number of queries does not grow with the number of
sessions or members.

The group's numbers (sessions held, attendance, make-ups, reflections, records, research topics, plan
topics covered) come from ``selectors.stats``, the one definition the coverage page, the dashboards and
the reports share; the per-member rows follow the same definitions:
- a session counts for a member when its local day falls inside one of their memberships of its group;
- a session is *past* once it has started (``starts_at <= now``); only past sessions count as expected;
- attended = present + late; attendance rate = attended / past sessions while a member, in per cent,
  rounded half up to one decimal (None when nothing was expected yet);
- a research topic belongs to a year when it was assigned by the year's end and was not already
  finished (reported and applied) before the year began.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.models import Attachment, Membership, Person, StudyGroup
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    Speech,
    StudySession,
    TheoryArticle,
)
from studygroups.selectors.stats import (
    GroupCoverage,
    GroupStats,
    Period,
    attendance_rate,
    group_stats,
    local_midnight,
    research_topics_of,
    topic_coverage,
)

ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)
YEARS_SHOWN = 10
FIRST_YEAR = 2000


# --- years and periods -------------------------------------------------------------------------


def parse_year(value: str | None, *, today: datetime.date | None = None) -> int:
    """The year asked for in ?year=, or the current year when missing or out of range."""
    today = today or timezone.localdate()
    try:
        year = int(value or "")
    except ValueError:
        return today.year
    return year if FIRST_YEAR <= year <= today.year + 1 else today.year


def year_choices(year: int, *, today: datetime.date | None = None) -> list[int]:
    """Years offered by the year selector, newest first, always including ``year``."""
    today = today or timezone.localdate()
    years = set(range(today.year - YEARS_SHOWN + 1, today.year + 2)) | {year}
    return sorted(years, reverse=True)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a calendar year in local time, as aware datetimes (index-friendly filters)."""
    period = Period.year(year)
    return period.start, period.end


@dataclass(frozen=True)
class DaySpan:
    """Days of a membership inside one year, both ends included."""

    start: datetime.date
    end: datetime.date

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def datetime_range(self) -> tuple[datetime.datetime, datetime.datetime]:
        return local_midnight(self.start), local_midnight(self.end + datetime.timedelta(days=1))


def period_in_year(membership: Membership, year: int) -> DaySpan | None:
    start = max(membership.start_date, datetime.date(year, 1, 1))
    end = min(membership.end_date or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    return DaySpan(start, end) if start <= end else None


def _overlapping_year(memberships: QuerySet, year: int) -> QuerySet:
    return memberships.filter(start_date__lte=datetime.date(year, 12, 31)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(year, 1, 1))
    )


def _attach_files(user, *owner_lists: list) -> None:
    """Each owner's visible attachments (``owner.attachments.all``), for owners of several models in one
    query, where a prefetch per list would make one each."""
    owners = [owner for owners in owner_lists for owner in owners]
    if not owners:
        return
    types = ContentType.objects.get_for_models(*{type(owner) for owner in owners})
    condition = Q(pk__in=[])
    for model, content_type in types.items():
        ids = [owner.pk for owner in owners if type(owner) is model]
        condition |= Q(owner_type=content_type, owner_id__in=ids)
    found: dict[tuple, list] = {}
    for attachment in Attachment.objects.visible_to(user).filter(condition).order_by("created_at", "pk"):
        found.setdefault((attachment.owner_type_id, attachment.owner_id), []).append(attachment)
    for owner in owners:
        files = Attachment.objects.none()
        files._result_cache = found.get((types[type(owner)].pk, owner.pk), [])
        files._prefetch_done = True
        # Where the prefetch would put them: owner.attachments.all() reads them without a query.
        owner.__dict__.setdefault("_prefetched_objects_cache", {})["attachments"] = files


# --- one member's year ---------------------------------------------------------------------------


@dataclass
class SessionLine:
    """A session of one of the member's groups while they were a member, with their attendance."""

    session: StudySession
    attendance: Attendance | None
    is_past: bool

    @property
    def status(self) -> str | None:
        return self.attendance.status if self.attendance else None


@dataclass
class ReadingLine:
    reading: RequiredReading
    progress: ReadingProgress | None

    @property
    def finished(self) -> bool:
        return bool(self.progress and self.progress.finished_on)


@dataclass
class MemberSummary:
    sessions: int = 0  # sessions of their groups in the year while a member, scheduled ones included
    sessions_past: int = 0  # of which already held: the denominator of the rate
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    not_recorded: int = 0
    makeups_owed: int = 0
    makeups_done: int = 0
    speeches: int = 0
    lead_speeches: int = 0
    reflections: int = 0
    self_study_count: int = 0
    self_study_hours: Decimal = Decimal("0")
    articles: int = 0
    research_topics: int = 0
    readings_finished: int = 0
    readings_total: int = 0
    exam_score: Decimal | None = None
    late_entries: int = 0  # attendance, speeches and reflections entered after LATE_ENTRY_DAYS

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def rate(self) -> Decimal | None:
        return attendance_rate(self.attended, self.sessions_past)


@dataclass
class MemberArchive:
    person: Person
    year: int
    memberships: list[Membership]
    sessions: list[SessionLine]
    speeches: list[Speech]
    reflections: list[Reflection]
    self_studies: list[SelfStudy]
    readings: list[ReadingLine]
    research_topics: list[ResearchTopic]
    articles: list[TheoryArticle]
    exam: ExamScore | None
    summary: MemberSummary


def member_archive(*, user, person: Person, year: int, now: datetime.datetime | None = None) -> MemberArchive:
    """Everything ``person`` attended, said, wrote, self-studied and was examined on in ``year``."""
    now = now or timezone.now()
    start, end = year_bounds(year)
    jan1, dec31 = datetime.date(year, 1, 1), datetime.date(year, 12, 31)

    memberships = list(
        _overlapping_year(Membership.objects.visible_to(user).filter(person=person), year)
        .select_related("study_group__unit")
        .order_by("start_date", "pk")
    )
    while_member = Q()
    for membership in memberships:
        period = period_in_year(membership, year)
        if period:
            lo, hi = period.datetime_range()
            while_member |= Q(study_group_id=membership.study_group_id, starts_at__gte=lo, starts_at__lt=hi)
    sessions: list[StudySession] = []
    if while_member:
        # The member's attendance (one row at most per session) joined to its session, not prefetched. It is
        # scoped as its session is (Attendance.scope: the session's group, unit and start), so the attendance
        # at a visible session is visible.
        condition = Q(attendances__person=person)
        sessions = list(
            StudySession.objects.visible_to(user)
            .filter(while_member)
            .annotate(mine=FilteredRelation("attendances", condition=condition))
            .select_related("study_group", "host", "mine")
            .order_by("starts_at", "pk")
        )
    lines = [SessionLine(s, getattr(s, "mine", None), s.starts_at <= now) for s in sessions]  # unset: none

    in_year = {"session__starts_at__gte": start, "session__starts_at__lt": end}
    speeches = list(
        Speech.objects.visible_to(user)
        .filter(person=person, **in_year)
        .select_related("session__study_group")
        .order_by("session__starts_at", "pk")
    )
    reflections = list(
        Reflection.objects.visible_to(user)
        .filter(person=person, **in_year)
        .select_related("session__study_group")
        .order_by("session__starts_at", "pk")
    )
    self_studies = list(
        SelfStudy.objects.visible_to(user).filter(person=person, date__gte=jan1, date__lte=dec31).order_by("date", "pk")
    )
    # The year's required reading of the counties (and region) above the member's groups.
    unit_ids: set[int] = set()
    for membership in memberships:
        unit = membership.study_group.unit
        unit_ids.update([unit.pk, *unit.ancestor_ids])
    # The member's progress on each reading rides on the reading's row (one row at most per person).
    progress = ReadingProgress.objects.visible_to(user).filter(person=person, reading=OuterRef("pk")).order_by()
    readings = [
        ReadingLine(r, ReadingProgress(pk=r.my_progress, finished_on=r.my_finished_on) if r.my_progress else None)
        for r in RequiredReading.objects.visible_to(user)
        .filter(unit_id__in=unit_ids, year=year)
        .annotate(
            my_progress=Subquery(progress.values("pk")[:1]),
            my_finished_on=Subquery(progress.values("finished_on")[:1]),
        )
        .order_by("order", "title", "pk")
    ]
    group_ids = {m.study_group_id for m in memberships}
    research_topics = list(
        ResearchTopic.objects.visible_to(user)
        .filter(research_topics_of(Period.year(year)), lead=person, study_group_id__in=group_ids)
        .select_related("study_group")
        .order_by("assigned_on", "pk")
    )
    articles = list(
        TheoryArticle.objects.visible_to(user)
        .filter(person=person, written_on__gte=jan1, written_on__lte=dec31)
        .order_by("written_on", "pk")
    )
    _attach_files(user, reflections, research_topics, articles)
    exam = ExamScore.objects.visible_to(user).filter(person=person, year=year).first()

    summary = MemberSummary(
        sessions=len(lines),
        speeches=len(speeches),
        lead_speeches=sum(s.is_lead for s in speeches),
        reflections=len(reflections),
        self_study_count=len(self_studies),
        self_study_hours=sum((s.hours for s in self_studies), Decimal("0")),
        articles=len(articles),
        research_topics=len(research_topics),
        readings_finished=sum(r.finished for r in readings),
        readings_total=len(readings),
        exam_score=exam.score if exam else None,
        late_entries=sum(s.is_late_entry for s in speeches) + sum(r.is_late_entry for r in reflections),
    )
    for line in lines:
        if line.attendance and line.attendance.is_late_entry:
            summary.late_entries += 1
        if not line.is_past:
            continue
        summary.sessions_past += 1
        if line.attendance is None:
            summary.not_recorded += 1
            continue
        status = line.attendance.status
        setattr(summary, status, getattr(summary, status) + 1)
        summary.makeups_owed += line.attendance.owes_makeup
        summary.makeups_done += line.attendance.makeup_done_on is not None
    return MemberArchive(
        person=person,
        year=year,
        memberships=memberships,
        sessions=lines,
        speeches=speeches,
        reflections=reflections,
        self_studies=self_studies,
        readings=readings,
        research_topics=research_topics,
        articles=articles,
        exam=exam,
        summary=summary,
    )


# --- one group's year ----------------------------------------------------------------------------


@dataclass
class GroupSessionLine:
    """A session with its attendance counts (annotated n_present, n_late, n_leave, n_absent)."""

    session: StudySession
    is_past: bool
    record_missing: bool = False  # held, no record, and due (see selectors.stats: records missing)


@dataclass
class MemberRow:
    person: Person
    membership: Membership  # the latest of the year, for the role shown
    periods: list[DaySpan] = field(default_factory=list)
    sessions: int = 0
    sessions_past: int = 0
    attended: int = 0
    leave: int = 0
    absent: int = 0
    makeups_owed: int = 0
    speeches: int = 0
    reflections: int = 0
    self_study_hours: Decimal = Decimal("0")
    articles: int = 0
    exam_score: Decimal | None = None

    @property
    def rate(self) -> Decimal | None:
        return attendance_rate(self.attended, self.sessions_past)

    def was_member_on(self, day: datetime.date) -> bool:
        return any(p.contains(day) for p in self.periods)


@dataclass
class GroupTotals(GroupStats):
    """The group's numbers of the year (``selectors.stats``) and what only the archive adds up."""

    speeches: int = 0
    self_study_hours: Decimal = Decimal("0")
    articles: int = 0

    @property
    def sessions(self) -> int:
        """In the year, scheduled ones included."""
        return self.sessions_held + self.sessions_scheduled

    @property
    def sessions_past(self) -> int:
        return self.sessions_held

    @property
    def rate(self) -> Decimal | None:
        return self.attendance_rate


@dataclass
class GroupArchive:
    group: StudyGroup
    year: int
    plans: list[Plan]
    sessions: list[GroupSessionLine]
    members: list[MemberRow]
    research_topics: list[ResearchTopic]
    totals: GroupTotals
    coverage: GroupCoverage | None = None  # the plan topics of the year, as the coverage page counts them


def group_archive(*, user, group: StudyGroup, year: int, now: datetime.datetime | None = None) -> GroupArchive:
    """The group's year: plans, sessions with counts, a row per member, research topics and totals.

    Each plan topic carries ``covered``: the sessions held in the year that cover its title, as the
    coverage page counts them (``selectors.stats.topic_coverage``).
    """
    now = now or timezone.now()
    period = Period.year(year)
    start, end = period.start, period.end
    jan1, dec31 = period.first_day, period.last_day
    status = Attendance.Status

    sessions_in_year = StudySession.objects.visible_to(user).filter(study_group=group, starts_at__gte=start)
    sessions_in_year = sessions_in_year.filter(starts_at__lt=end)
    topics = PlanTopic.objects.visible_to(user).order_by("order", "planned_month", "pk")
    plans = list(
        Plan.objects.visible_to(user)
        .filter(study_group=group, year=year)
        .prefetch_related(Prefetch("topics", queryset=topics))
        .order_by("level", "quarter", "pk")
    )
    coverage = topic_coverage([group], period, now=now)[group.pk]
    for plan in plans:
        for topic in plan.topics.all():
            topic.covered = coverage.sessions_for(topic.title)

    speeches = Speech.objects.visible_to(user).select_related("person").order_by("-is_lead", "pk")
    sessions = list(
        sessions_in_year.select_related("host")
        .annotate(
            n_present=Count("attendances", filter=Q(attendances__status=status.PRESENT)),
            n_late=Count("attendances", filter=Q(attendances__status=status.LATE)),
            n_leave=Count("attendances", filter=Q(attendances__status=status.LEAVE)),
            n_absent=Count("attendances", filter=Q(attendances__status=status.ABSENT)),
        )
        .prefetch_related(Prefetch("speeches", queryset=speeches))
        .order_by("starts_at", "pk")
    )
    record_due = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    lines = [
        GroupSessionLine(s, s.starts_at <= now, record_missing=not s.record and s.ends_at <= record_due)
        for s in sessions
    ]

    # Each member's figures come with their memberships, a subquery per figure (each scoped as its list is):
    # attendance at past sessions while a member, speeches, reflections, self-study hours, articles, exam.
    membership_on_day = (
        Membership.objects.filter(study_group=group, person=OuterRef("person"), start_date__lte=OuterRef("day"))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("day")))
        .values("pk")
    )
    attendance = (
        Attendance.objects.visible_to(user)
        .filter(session__in=sessions_in_year.filter(starts_at__lte=now))
        .alias(day=TruncDate("session__starts_at"))
        .filter(Exists(membership_on_day))
    )
    in_year = {"session__study_group": group, "session__starts_at__gte": start, "session__starts_at__lt": end}
    mine = {"person": OuterRef("person_id")}

    def per_person(queryset: QuerySet, value) -> Subquery:
        return Subquery(queryset.filter(**mine).order_by().values("person").annotate(v=value).values("v"))

    figures = {
        "attended": per_person(attendance, Count("pk", filter=Q(status__in=ATTENDED))),
        "leave": per_person(attendance, Count("pk", filter=Q(status=status.LEAVE))),
        "absent": per_person(attendance, Count("pk", filter=Q(status=status.ABSENT))),
        "makeups_owed": per_person(attendance, Count("pk", filter=Q(status=status.LEAVE, makeup_done_on__isnull=True))),
        "speeches": per_person(Speech.objects.visible_to(user).filter(**in_year), Count("pk")),
        "reflections": per_person(Reflection.objects.visible_to(user).filter(**in_year), Count("pk")),
        "self_study_hours": per_person(
            SelfStudy.objects.visible_to(user).filter(date__gte=jan1, date__lte=dec31), Sum("hours")
        ),
        "articles": per_person(
            TheoryArticle.objects.visible_to(user).filter(written_on__gte=jan1, written_on__lte=dec31), Count("pk")
        ),
        "exam_score": Subquery(ExamScore.objects.visible_to(user).filter(year=year, **mine).values("score")[:1]),
    }
    rows: dict[int, MemberRow] = {}
    memberships = (
        _overlapping_year(Membership.objects.visible_to(user).filter(study_group=group), year)
        .select_related("person")
        .annotate(**{f"figure_{name}": value for name, value in figures.items()})
        .order_by("role_order", "person__name", "start_date", "pk")
    )
    for membership in memberships:
        row = rows.get(membership.person_id)
        if row is None:
            row = rows[membership.person_id] = MemberRow(person=membership.person, membership=membership)
            for name in figures:
                setattr(row, name, getattr(membership, f"figure_{name}") or 0)
            row.self_study_hours = Decimal(row.self_study_hours)
            row.exam_score = membership.figure_exam_score
        if membership.start_date >= row.membership.start_date:
            row.membership = membership
        span = period_in_year(membership, year)
        if span:
            row.periods.append(span)
    for line in lines:
        day = line.session.day
        for row in rows.values():
            if row.was_member_on(day):
                row.sessions += 1
                row.sessions_past += line.is_past
    speeches_total = sum(row.speeches for row in rows.values())

    research_topics = list(
        ResearchTopic.objects.visible_to(user)
        .filter(research_topics_of(period), study_group=group)
        .select_related("lead")
        .order_by("assigned_on", "pk")
    )
    _attach_files(user, sessions, research_topics)
    members = list(rows.values())
    stats = group_stats([group], period, now=now, coverage={group.pk: coverage})[group.pk]
    totals = GroupTotals(
        **asdict(stats),
        speeches=speeches_total,
        self_study_hours=sum((r.self_study_hours for r in members), Decimal("0")),
        articles=sum(r.articles for r in members),
    )
    return GroupArchive(
        group=group,
        year=year,
        plans=plans,
        sessions=lines,
        members=members,
        research_topics=research_topics,
        totals=totals,
        coverage=coverage,
    )
