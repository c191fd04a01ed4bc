"""The numbers of the study records, with one definition each: for a set of groups (or everything under an
org node) and a period (a year or a half-year). The dashboards, the archives, the coverage page and every
report and assessment read them here, so the same group shows the same numbers everywhere.

``group_stats`` answers for one group or 1,500 in the same, constant number of queries (aggregates
grouped by group in SQL); ``total_stats`` adds them up for a node or a county.

Scoping is the caller's: pass the groups the user may see (``StudyGroup.objects.visible_to(user)``).
The numbers of a group are then the same whoever reads them.

Definitions (``now`` defaults to the current time):

- **Period**: from local midnight (Asia/Shanghai) of its first day to local midnight after its last day.
  ``Period.half(2025, 1)`` is 1 January – 30 June, ``Period.half(2025, 2)`` starts 2025-07-01 00:00.
- **Held session**: a session of the group that started inside the period and not after ``now``;
  a *scheduled* session starts inside the period after ``now``. Only held sessions count below.
- **Expected** (attendance denominator): member-sessions, i.e. for each held session, the people with a
  membership of its group active on the session's local day (memberships of one person in one group do
  not overlap). Guests and people not seated that day are neither expected nor counted.
- **Attended**: present + late. Leave and absence are not attendance; a seated member without an
  attendance row counts as expected and not attended (``not_recorded``).
  **Attendance rate** = attended / expected in per cent, rounded half up to one decimal (None if 0).
- **Leader attendance rate**: the same, counting only people whose membership that day has the role
  leader (组长).
- **Make-ups owed**: leave of seated members at held sessions without a make-up date. **Make-ups done**:
  rows of seated members at held sessions with a make-up date.
- **Reflections**: reflections written on held sessions.
- **Records late**: held sessions whose written record was entered more than ``LATE_ENTRY_DAYS`` days
  after the session's local day (``with_record_flags``). **Records missing**: held sessions without a
  record that ended more than ``RECORD_REMINDER_DAYS`` days before ``now`` (the record is due).
- **Research topics** of a period: assigned by its last day and not finished (reported and applied)
  before its first day; counted by their state at the period's end (a topic reported or applied later
  counts as still researching).
- **Exam average**: mean score of the period year's exam of the people who held a seat in the group
  at any time in the period (each person once), rounded half up to one decimal.
- **Planned topics**: the topics of the group's annual and quarterly plans of the period's year whose
  due month (planned month, else the quarter's end, else December) falls in the period. One *title*
  is one topic: the same title (whitespace aside) in the annual plan and in a quarterly plan is counted
  once. County and regional plans are not the group's planned topics.
- **Covered**: a planned topic is covered when a session of the group held in the plan year, from
  1 January up to the period's end (and not after ``now``), lists a plan topic of the same title
  (of any of the group's plans, or of the county's plan). Sessions of other years, of other groups and
  sessions still to come do not cover.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.aggregates import aggregate_together
from core.models import Membership, OrgUnit, StudyGroup
from studygroups.models import (
    Attendance,
    CoverageKey,
    ExamScore,
    Plan,
    PlanTopic,
    Reflection,
    ResearchTopic,
    StudySession,
)
from studygroups.models.plans import topic_key

ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)
RESEARCH = ResearchTopic.Status

Groups = QuerySet[StudyGroup] | Iterable[StudyGroup] | OrgUnit


# --- the period ----------------------------------------------------------------------------------


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Days of one calendar year, both ends included: a whole year or a half-year."""

    first_day: datetime.date
    last_day: datetime.date

    def __post_init__(self):
        if self.first_day.year != self.last_day.year or self.first_day > self.last_day:
            raise ValueError("A period lies inside one calendar year.")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        if half == 1:
            return cls(datetime.date(year, 1, 1), datetime.date(year, 6, 30))
        if half == 2:
            return cls(datetime.date(year, 7, 1), datetime.date(year, 12, 31))
        raise ValueError("A year has two halves.")

    @property
    def calendar_year(self) -> int:
        return self.first_day.year

    @property
    def start(self) -> datetime.datetime:
        """Local midnight of the first day (included)."""
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime.datetime:
        """Local midnight after the last day (excluded)."""
        return local_midnight(self.last_day + datetime.timedelta(days=1))

    @property
    def months(self) -> range:
        return range(self.first_day.month, self.last_day.month + 1)

    def contains(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end


def attendance_rate(attended: int, expected: int) -> Decimal | None:
    """attended / expected in per cent, rounded half up to one decimal; None when nothing was expected."""
    if not expected:
        return None
    return (Decimal(attended) * 100 / Decimal(expected)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- reading helpers shared with the lists -------------------------------------------------------


def with_record_flags(queryset: QuerySet[StudySession]) -> QuerySet[StudySession]:
    """Annotate ``has_record`` and ``record_late`` (record entered more than LATE_ENTRY_DAYS after the
    session's day, in local time) in SQL, so lists can show and filter them without a query per row."""
    late_after = datetime.timedelta(days=settings.LATE_ENTRY_DAYS)
    # A record entered on a later local day than the session's day + N was entered more than N - 1 days after
    # the start (a day's offset changes by less than a day): that cheap comparison is tested first, and only
    # the few records it lets through have both days converted to local time (the costly part over a year).
    entered_days_later = Q(record_entered_at__gt=F("starts_at") + (late_after - datetime.timedelta(days=1)))
    return queryset.alias(
        _entered_day=TruncDate("record_entered_at"),
        _start_day=TruncDate("starts_at"),
    ).annotate(
        has_record=ExpressionWrapper(~Q(record=""), output_field=BooleanField()),
        record_late=Case(
            When(
                # In this order: PostgreSQL tests a condition's terms as written, stopping at the first false.
                Q(record_entered_at__isnull=False)
                & entered_days_later
                & Q(_entered_day__gt=ExpressionWrapper(F("_start_day") + late_after, output_field=DateTimeField())),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def open_makeups(queryset: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """Leave not yet made up, from an already scoped Attendance queryset."""
    return queryset.filter(status=Attendance.Status.LEAVE, makeup_done_on__isnull=True)


def research_state_at(day: datetime.date) -> Case:
    """A research topic's state on ``day``: its status, unless the reporting or application came later."""
    return Case(
        When(Q(status=RESEARCH.APPLIED) & (Q(applied_on__isnull=True) | Q(applied_on__lte=day)), then=Value("applied")),
        When(
            Q(status__in=(RESEARCH.REPORTED, RESEARCH.APPLIED))
            & (Q(reported_on__isnull=True) | Q(reported_on__lte=day)),
            then=Value("reported"),
        ),
        When(status__in=(RESEARCH.REPORTED, RESEARCH.APPLIED), then=Value("researching")),
        default=F("status"),
        output_field=CharField(),
    )


def research_topics_of(period: Period) -> Q:
    """Topics assigned by the period's end and not already finished before it began."""
    return Q(assigned_on__lte=period.last_day) & (
        Q(reported_on__isnull=True) | Q(reported_on__gte=period.first_day) | Q(applied_on__gte=period.first_day)
    )


def seats_overlapping(period: Period) -> Q:
    return Q(start_date__lte=period.last_day) & (Q(end_date__isnull=True) | Q(end_date__gte=period.first_day))


def _resolve(groups: Groups) -> tuple[list[int], dict[int, StudyGroup]]:
    """The ids of ``groups`` (one query for a queryset or node), and the group objects when given."""
    if isinstance(groups, OrgUnit):
        groups = StudyGroup.objects.under(groups)
    if isinstance(groups, QuerySet) and groups._result_cache is None:
        return list(groups.order_by().values_list("pk", flat=True)), {}
    # A list, or a queryset already read (the assessment reads its groups once): no query.
    known = {g.pk: g for g in groups}
    return list(known), known


# --- topic coverage ------------------------------------------------------------------------------


def due_month(planned_month: int | None, level: str, quarter: int | None) -> int:
    """The month by which a topic should be covered: its planned month, else its quarter's end, else December."""
    if planned_month:
        return planned_month
    if level == Plan.Level.QUARTERLY and quarter:
        return quarter * 3
    return 12


class CoveringSession(NamedTuple):
    pk: int
    title: str
    starts_at: datetime.datetime


@dataclass
class TopicState:
    title: str
    due_month: int
    plan_titles: list[str] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)
    sessions: list[CoveringSession] = field(default_factory=list)
    planned_month: int | None = None
    # Set by _coverage, also when the covering sessions themselves were not read (``sessions=False``).
    is_covered: bool = False

    @property
    def covered(self) -> bool:
        return self.is_covered


@dataclass
class GroupCoverage:
    """One group's planned topics of a period (see the module docstring), in due order."""

    group_id: int
    group: StudyGroup | None = None
    topics: list[TopicState] = field(default_factory=list)
    overdue: list[TopicState] = field(default_factory=list)
    upcoming: list[TopicState] = field(default_factory=list)
    topics_in_year: int = 0  # planned topics of the whole year (the period's are ``topics``)
    # Sessions held in the year up to the period's end, by topic title (for titles outside the period too).
    sessions_by_title: dict[str, list[CoveringSession]] = field(default_factory=dict)

    @property
    def planned(self) -> int:
        return len(self.topics)

    @property
    def covered(self) -> int:
        return sum(1 for t in self.topics if t.covered)

    @property
    def uncovered(self) -> int:
        return self.planned - self.covered

    @property
    def has_plan(self) -> bool:
        """Whether the group has planned topics for the year at all."""
        return bool(self.topics_in_year)

    def sessions_for(self, title: str) -> list[CoveringSession]:
        return self.sessions_by_title.get(topic_key(title), [])


def topic_coverage(
    groups: Groups, period: Period, *, now: datetime.datetime | None = None, sessions: bool = True
) -> dict[int, GroupCoverage]:
    """Each group's planned and covered topics of ``period``, by group id, in two queries (three for a
    queryset or node). An uncovered topic is overdue once its due month is over (compared with ``now``).

    ``sessions=False`` reads only which titles are covered, not the covering sessions (``topic.sessions``
    and ``sessions_for`` stay empty): the same numbers, much cheaper for a whole prefecture's groups."""
    ids, known = _resolve(groups)
    return _coverage(ids, period, now=now or timezone.now(), known=known, sessions=sessions)


def _coverage(
    ids: list[int], period: Period, *, now: datetime.datetime, known: dict, sessions: bool = True
) -> dict[int, GroupCoverage]:
    today = timezone.localdate(now)
    year = period.calendar_year
    result = {pk: GroupCoverage(group_id=pk, group=known.get(pk)) for pk in ids}
    keys: dict[str, str] = {}  # topic_key by raw title: titles repeat across groups (county plans)

    links = StudySession.topics.through.objects.filter(
        studysession__study_group_id__in=ids,
        studysession__starts_at__gte=local_midnight(datetime.date(year, 1, 1)),
        studysession__starts_at__lt=period.end,
        studysession__starts_at__lte=now,
    )
    covered_keys: dict[int, set[str]] = defaultdict(set)
    if sessions:
        rows = links.order_by("studysession__starts_at", "studysession_id").values_list(
            "studysession__study_group_id",
            "plantopic__title",
            "studysession_id",
            "studysession__title",
            "studysession__starts_at",
        )
        for group_id, title, pk, session_title, starts_at in rows:
            key = keys.get(title) or keys.setdefault(title, topic_key(title))
            covered_keys[group_id].add(key)
            found = result[group_id].sessions_by_title.setdefault(key, [])
            if not found or found[-1].pk != pk:
                found.append(CoveringSession(pk, session_title, starts_at))
    else:
        # Distinct (group, title) pairs: no session rows and no timestamps to parse.
        for group_id, title in (
            links.order_by().values_list("studysession__study_group_id", "plantopic__title").distinct()
        ):
            covered_keys[group_id].add(keys.get(title) or keys.setdefault(title, topic_key(title)))

    rows = (
        PlanTopic.objects.filter(plan__study_group_id__in=ids, plan__year=year, plan__level__in=Plan.GROUP_LEVELS)
        .order_by("plan__study_group_id", "planned_month", "plan__level", "order", "pk")
        .values_list(
            "pk", "title", "planned_month", "plan__study_group_id", "plan__level", "plan__quarter", "plan__title"
        )
    )
    by_group: dict[int, dict[str, TopicState]] = defaultdict(dict)
    for pk, title, month, group_id, level, quarter, plan_title in rows:
        key = keys.get(title) or keys.setdefault(title, topic_key(title))
        due = due_month(month, level, quarter)
        state = by_group[group_id].get(key)
        if state is None:
            state = by_group[group_id][key] = TopicState(title=key, due_month=due, planned_month=month)
        state.due_month = min(state.due_month, due)
        if month and (state.planned_month is None or month < state.planned_month):
            state.planned_month = month
        state.topic_ids.append(pk)
        if plan_title not in state.plan_titles:
            state.plan_titles.append(plan_title)
    for group_id, coverage in result.items():
        coverage.topics_in_year = len(by_group[group_id])
        topics = [t for t in by_group[group_id].values() if t.due_month in period.months]
        coverage.topics = sorted(topics, key=lambda t: t.due_month)
        covered = covered_keys.get(group_id, ())
        for topic in coverage.topics:
            topic.sessions = coverage.sessions_by_title.get(topic.title, [])  # the title is its key already
            topic.is_covered = topic.title in covered
            if topic.covered:
                continue
            if (year, topic.due_month) < (today.year, today.month):
                coverage.overdue.append(topic)
            else:
                coverage.upcoming.append(topic)
    return result


@dataclass
class CoverageCounts:
    """A group's planned topics of a period counted in SQL (``coverage_counts``): the numbers of its
    ``GroupCoverage``, without the topics themselves."""

    group_id: int
    topics_in_year: int = 0
    planned: int = 0
    covered: int = 0
    overdue: int = 0


def coverage_counts(
    groups: QuerySet[StudyGroup] | list[int], period: Period, *, now: datetime.datetime | None = None
) -> dict[int, CoverageCounts]:
    """``topic_coverage``'s numbers of ``groups`` (a queryset or ids), counted in one query, by group id;
    groups without a planned topic in the year are left out (all their numbers are 0). The same rules: a
    topic is a ``PlanTopic.title_key`` of the group's plans of the year, due at its earliest due month.

    Counted from the groups' ``CoverageKey`` rows of the year (one a topic, with its due month and the start
    of the first session of the year listing it, kept by ``services.coverage``): a topic is covered when that
    first session began before the period's end and by ``now``. A queryset is read as a subquery.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = period.calendar_year
    ids = groups.order_by().values("pk") if isinstance(groups, QuerySet) else groups
    # Overdue: uncovered and due in a month before this one ((year, due) < (today.year, today.month)).
    overdue_before = 13 if year < today.year else today.month if year == today.year else 1
    in_period = Q(due_month__gte=period.months[0], due_month__lte=period.months[-1])
    covered = Q(first_held_at__lt=period.end, first_held_at__lte=now)
    uncovered = Q(first_held_at__isnull=True) | Q(first_held_at__gte=period.end) | Q(first_held_at__gt=now)
    rows = (
        CoverageKey.objects.filter(study_group_id__in=ids, year=year)
        .order_by()
        .values("study_group_id")
        .annotate(
            topics_in_year=Count("pk"),
            planned=Count("pk", filter=in_period),
            covered=Count("pk", filter=in_period & covered),
            overdue=Count("pk", filter=in_period & uncovered & Q(due_month__lt=overdue_before)),
        )
        .values_list("study_group_id", "topics_in_year", "planned", "covered", "overdue")
    )
    return {row[0]: CoverageCounts(*row) for row in rows}


@dataclass
class CoverageRow:
    """A group's line on the coverage page: its numbers for every group (``coverage_counts``, in SQL), its
    topics only where shown (``detail``, a ``topic_coverage`` row, set by the page for the rows it shows)."""

    counts: CoverageCounts
    place: tuple  # the group's place in the tree: its unit's path, sort order and name
    group: StudyGroup | None = None
    detail: GroupCoverage | None = None

    @property
    def group_id(self) -> int:
        return self.counts.group_id

    @property
    def planned(self) -> int:
        return self.counts.planned

    @property
    def covered(self) -> int:
        return self.counts.covered

    @property
    def uncovered(self) -> int:
        return self.counts.planned - self.counts.covered

    @property
    def has_plan(self) -> bool:
        return bool(self.counts.topics_in_year)

    @property
    def overdue(self) -> list[TopicState]:
        return self.detail.overdue if self.detail else []

    @property
    def upcoming(self) -> list[TopicState]:
        return self.detail.upcoming if self.detail else []


COVERAGE_SORTS = {
    "group": lambda c: c.place,
    "planned": lambda c: c.planned,
    "covered": lambda c: c.covered,
    "uncovered": lambda c: c.uncovered,
    "overdue": lambda c: c.counts.overdue,
}


def sort_coverage(rows: list[CoverageRow], sort: str) -> list[CoverageRow]:
    """Rows sorted by a COVERAGE_SORTS key ("-" first for descending); unknown keys keep the order."""
    key = sort.lstrip("-")
    if key not in COVERAGE_SORTS:
        return rows
    return sorted(rows, key=COVERAGE_SORTS[key], reverse=sort.startswith("-"))


# --- the numbers ---------------------------------------------------------------------------------


@dataclass
class GroupStats:
    """A group's numbers for a period (``group_id`` None for a total); see the module docstring."""

    group_id: int | None = None
    sessions_held_by_kind: dict[str, int] = field(default_factory=dict)
    sessions_scheduled: int = 0
    records_late: int = 0
    records_missing: int = 0
    expected: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    leader_expected: int = 0
    leader_attended: int = 0
    makeups_owed: int = 0
    makeups_done: int = 0
    reflections: int = 0
    research_by_status: dict[str, int] = field(default_factory=dict)
    exam_count: int = 0
    exam_total: Decimal = Decimal("0")
    topics_planned: int = 0
    topics_covered: int = 0

    @property
    def sessions_held(self) -> int:
        return sum(self.sessions_held_by_kind.values())

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def not_recorded(self) -> int:
        return self.expected - self.present - self.late - self.leave - self.absent

    @property
    def attendance_rate(self) -> Decimal | None:
        return attendance_rate(self.attended, self.expected)

    @property
    def leader_attendance_rate(self) -> Decimal | None:
        return attendance_rate(self.leader_attended, self.leader_expected)

    @property
    def exam_average(self) -> Decimal | None:
        if not self.exam_count:
            return None
        return (self.exam_total / self.exam_count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def research_topics(self) -> int:
        return sum(self.research_by_status.values())

    @property
    def research_reported(self) -> int:
        """Reported by the period's end (applied ones included)."""
        return self.research_by_status.get(RESEARCH.REPORTED, 0) + self.research_applied

    @property
    def research_applied(self) -> int:
        return self.research_by_status.get(RESEARCH.APPLIED, 0)

    @property
    def topics_uncovered(self) -> int:
        return self.topics_planned - self.topics_covered


def _add_counts(into: dict[str, int], counts: dict[str, int]) -> None:
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def combine_stats(rows: Iterable[GroupStats]) -> GroupStats:
    """The sum of several groups' numbers; rates and averages follow from the summed counts."""
    total = GroupStats()
    for row in rows:
        for f in fields(GroupStats):
            if f.name == "group_id":
                continue
            value = getattr(row, f.name)
            if isinstance(value, dict):
                _add_counts(getattr(total, f.name), value)
            else:
                setattr(total, f.name, getattr(total, f.name) + value)
    return total


def _seat_on_day(day: str, **extra) -> QuerySet[Membership]:
    """Memberships of the outer row's group and person active on the outer row's ``day``."""
    return Membership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef(day)),
        study_group_id=OuterRef("session__study_group_id"),
        person_id=OuterRef("person_id"),
        start_date__lte=OuterRef(day),
        **extra,
    )


def group_stats(
    groups: Groups, period: Period, *, now: datetime.datetime | None = None, coverage: dict | None = None
) -> dict[int, GroupStats]:
    """The numbers of each group for ``period``, by group id (groups without data included, at zero).

    ``groups`` is a queryset, a list of groups or an org node (every group under it). Seven queries
    whatever the number of groups, three for one group (one more for a queryset or node, which is read for
    the ids first; two fewer when the caller gives the ``coverage``).
    """
    now = now or timezone.now()
    ids, _known = _resolve(groups)
    result = {pk: GroupStats(group_id=pk) for pk in ids}
    in_period = Q(starts_at__gte=period.start, starts_at__lt=period.end)
    sessions = StudySession.objects.filter(in_period, study_group_id__in=ids)
    held = sessions.filter(starts_at__lte=now)

    # Sessions by kind, records, and the member-sessions expected (memberships active on the day).
    record_due = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    seat = Q(study_group__memberships__start_date__lte=F("day")) & (
        Q(study_group__memberships__end_date__isnull=True) | Q(study_group__memberships__end_date__gte=F("day"))
    )
    is_held = Q(starts_at__lte=now)
    session_rows = with_record_flags(sessions).alias(day=TruncDate("starts_at"))
    session_figures = {
        "scheduled": Count("pk", filter=~is_held, distinct=True),
        "late": Count("pk", filter=is_held & Q(record_late=True), distinct=True),
        "missing": Count("pk", filter=Q(ends_at__lte=record_due, has_record=False), distinct=True),
        "expected": Count("study_group__memberships", filter=is_held & seat),
        "leader_expected": Count(
            "study_group__memberships",
            filter=is_held & seat & Q(study_group__memberships__role=Membership.Role.LEADER),
        ),
    }

    # Attendance of the people seated on the session's day.
    status = Attendance.Status
    attendance_rows = (
        Attendance.objects.filter(session__in=held.values("pk"))
        .alias(day=TruncDate("session__starts_at"))
        .alias(seated=Exists(_seat_on_day("day")), leads=Exists(_seat_on_day("day", role=Membership.Role.LEADER)))
        .filter(seated=True)
    )
    attendance_figures = {
        "present": Count("pk", filter=Q(status=status.PRESENT)),
        "late": Count("pk", filter=Q(status=status.LATE)),
        "leave": Count("pk", filter=Q(status=status.LEAVE)),
        "absent": Count("pk", filter=Q(status=status.ABSENT)),
        "leader_attended": Count("pk", filter=Q(leads=True, status__in=ATTENDED)),
        "makeups_owed": Count("pk", filter=Q(status=status.LEAVE, makeup_done_on__isnull=True)),
        "makeups_done": Count("pk", filter=Q(makeup_done_on__isnull=False)),
    }
    reflection_rows = Reflection.objects.filter(session__in=held.values("pk"))
    research_rows = ResearchTopic.objects.filter(research_topics_of(period), study_group_id__in=ids).annotate(
        state=research_state_at(period.last_day)
    )
    if len(ids) == 1:
        # One group (an archive, a group's page): the five figures in one statement, without grouping.
        _one_group(
            result[ids[0]],
            session_rows,
            session_figures,
            is_held,
            attendance_rows,
            attendance_figures,
            reflection_rows,
            research_rows,
            ExamScore.objects.filter(
                year=period.calendar_year,
                person_id__in=Membership.objects.filter(seats_overlapping(period), study_group_id=ids[0]).values(
                    "person_id"
                ),
            ),
        )
    else:
        rows = (
            session_rows.values("study_group_id", "kind")
            .annotate(held=Count("pk", filter=is_held, distinct=True), **session_figures)
            .order_by()
        )
        for row in rows:
            stats = result[row["study_group_id"]]
            if row["held"]:
                stats.sessions_held_by_kind[row["kind"]] = row["held"]
            stats.sessions_scheduled += row["scheduled"]
            stats.records_late += row["late"]
            stats.records_missing += row["missing"]
            stats.expected += row["expected"]
            stats.leader_expected += row["leader_expected"]

        attendance = attendance_rows.values("session__study_group_id").annotate(**attendance_figures).order_by()
        for row in attendance:
            stats = result[row.pop("session__study_group_id")]
            for key, value in row.items():
                setattr(stats, key, value)

        reflections = reflection_rows.values_list("session__study_group_id").annotate(n=Count("pk")).order_by()
        for group_id, n in reflections:
            result[group_id].reflections = n

        research = research_rows.values_list("study_group_id", "state").annotate(n=Count("pk")).order_by()
        for group_id, state, n in research:
            result[group_id].research_by_status[state] = n

        # Each person seated in the group during the period once, with their score of the period's year: the
        # seats read with each one's score (an index lookup), summed here; two correlated aggregates per group
        # took a third of these numbers' time.
        score = ExamScore.objects.filter(year=period.calendar_year, person_id=OuterRef("person_id")).values("score")
        seated = {
            (group_id, person_id): value
            for group_id, person_id, value in Membership.objects.filter(
                seats_overlapping(period), study_group_id__in=ids
            )
            .annotate(score=Subquery(score[:1]))
            .filter(score__isnull=False)
            .values_list("study_group_id", "person_id", "score")
        }
        for (group_id, _person), value in seated.items():
            result[group_id].exam_count += 1
            result[group_id].exam_total += value

    # ``coverage``: the groups' topic_coverage() of the same period, when the caller has it already.
    for group_id, covered in (coverage or _coverage(ids, period, now=now, known={})).items():
        result[group_id].topics_planned = covered.planned
        result[group_id].topics_covered = covered.covered
    return result


_RESEARCH_STATES = (*RESEARCH.values, "applied", "reported", "researching")


def _one_group(
    stats: GroupStats,
    session_rows,
    session_figures: dict,
    is_held: Q,
    attendance_rows,
    attendance_figures: dict,
    reflection_rows,
    research_rows,
    scores,
) -> None:
    """``group_stats`` of one group in one query: what the grouped queries count by kind or state becomes a
    conditional count per kind or state (the same rows, the same definitions)."""
    held = {f"held_{kind}": Count("pk", filter=is_held & Q(kind=kind), distinct=True) for kind in StudySession.Kind}
    research = {f"research_{state}": Count("pk", filter=Q(state=state)) for state in dict.fromkeys(_RESEARCH_STATES)}
    figures = aggregate_together(
        (session_rows, held | {f"session_{key}": value for key, value in session_figures.items()}),
        (attendance_rows, {f"attendance_{key}": value for key, value in attendance_figures.items()}),
        (reflection_rows, {"reflections": Count("pk")}),
        (research_rows, research),
        (scores, {"exam_count": Count("pk"), "exam_total": Sum("score")}),
    )
    stats.sessions_held_by_kind = {
        kind: figures[f"held_{kind}"] for kind in StudySession.Kind if figures[f"held_{kind}"]
    }
    stats.sessions_scheduled = figures["session_scheduled"]
    stats.records_late = figures["session_late"]
    stats.records_missing = figures["session_missing"]
    stats.expected = figures["session_expected"]
    stats.leader_expected = figures["session_leader_expected"]
    for key in attendance_figures:
        setattr(stats, key, figures[f"attendance_{key}"])
    stats.reflections = figures["reflections"]
    stats.research_by_status = {
        state: figures[f"research_{state}"] for state in dict.fromkeys(_RESEARCH_STATES) if figures[f"research_{state}"]
    }
    if figures["exam_count"]:
        stats.exam_count, stats.exam_total = figures["exam_count"], figures["exam_total"]


def total_stats(groups: Groups, period: Period, *, now: datetime.datetime | None = None) -> GroupStats:
    """The numbers of all ``groups`` (or of everything under a node) together."""
    return combine_stats(group_stats(groups, period, now=now).values())
