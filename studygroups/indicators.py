"""The study records' indicators for the annual assessment (core.registry.IndicatorSource), registered in
``StudygroupsConfig.ready()``. Each is a thin reading of ``selectors.stats`` (one definition per number, the
same the dashboards show) for the calendar year ``period.year`` with ``now=period.cutoff``:

- **Cut-off.** A session counts when it started in the year and not after the cut-off, so a session that
  starts after the cut-off never counts. Seats (for reflections per member) count when they began by the
  cut-off day; research topics are read in their state on the cut-off day (or the year's last day, if
  earlier). Everything else is read as it stands: attendance, reflections, records and exam scores entered
  after the cut-off for sessions before it do count (``group_stats`` reads the records, not their history);
  the assessment's recompute diff names such records from their history.
- Each ``compute`` takes one query for the group ids (none for a queryset already read) and a fixed number
  more (``group_stats``: seven), whatever the number of groups. Counts are 0 for a group without records; rates and averages are None
  where there is nothing to divide by.
- ``records_url`` opens the session list (or the list of the records behind the number) filtered to the
  group and year; ``until`` (the cut-off) is added when the cut-off falls inside the year.
"""

from __future__ import annotations

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import Membership
from core.registry import AssessmentPeriod, IndicatorSource, indicator_sources
from studygroups.models import ResearchTopic, StudySession
from studygroups.selectors.stats import (
    RESEARCH,
    GroupStats,
    Period,
    attendance_rate,
    group_stats,
    research_state_at,
    research_topics_of,
    seats_overlapping,
)

Kind = StudySession.Kind
DEFAULT_KINDS = [Kind.CONCENTRATED.value, Kind.SEMINAR.value, Kind.LECTURE.value]
ONE_PLACE = Decimal("0.1")


# --- shared pieces -------------------------------------------------------------------------------


def year_of(period: AssessmentPeriod) -> Period:
    return Period.year(period.year)


def cutoff_day(period: AssessmentPeriod) -> datetime.date:
    """The last day records are read on: the cut-off's local day, or the year's last day if earlier."""
    return min(timezone.localdate(period.cutoff), datetime.date(period.year, 12, 31))


def group_ids(groups) -> list[int]:
    """The ids of the groups: no query when the queryset was already read (the assessment reads its groups
    once, with their units, before the measures run)."""
    if groups._result_cache is not None:
        return [group.pk for group in groups]
    return list(groups.order_by().values_list("pk", flat=True))


def stats(groups, period: AssessmentPeriod) -> dict[int, GroupStats]:
    """``group_stats`` of the groups' year at the cut-off, read once per queryset object: the assessment hands
    the same queryset to every measure of one computation, so the indicators built on these numbers share
    one reading instead of seven queries each (a new queryset, a new reading)."""
    cache = groups.__dict__.setdefault("_indicator_stats", {})
    if period not in cache:
        cache[period] = group_stats(groups, year_of(period), now=period.cutoff)
    return cache[period]


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole, one decimal, half up; None over nothing."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@functools.lru_cache(maxsize=128)
def _list_path(url_name: str, prefix: str, urlconf: str) -> str:
    return reverse(url_name, urlconf=urlconf)


def list_url(url_name: str, **params) -> str:
    """The list's path (reversed once per name: a results page asks for one per cell) and the filters."""
    path = _list_path(url_name, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))
    return f"{path}?{urlencode({k: v for k, v in params.items() if v not in (None, '')}, doseq=True)}"


def until(period: AssessmentPeriod) -> str:
    """The cut-off as a list's ``until`` parameter, when it cuts the year short ("" when it does not)."""
    if period.cutoff >= year_of(period).end:
        return ""
    return timezone.localtime(period.cutoff).isoformat()


def sessions_url(group, period: AssessmentPeriod, **params) -> str:
    """The group's sessions of the year started by the cut-off (the held sessions every rate here reads)."""
    return list_url("studygroups:session_list", study_group=group.pk, year=period.year, until=until(period), **params)


def kinds_of(params: dict) -> list[str]:
    return list(params.get("kinds") or DEFAULT_KINDS)


SESSIONS = ("studygroups.StudySession", "study_group")
ATTENDANCE = ("studygroups.Attendance", "session__study_group")
MEMBERSHIPS = ("core.Membership", "study_group")


# --- the indicators ------------------------------------------------------------------------------


def concentrated_sessions(groups, period, params):
    """Held sessions of the year (started by the cut-off) whose kind is in ``params["kinds"]``."""
    kinds = kinds_of(params)
    return {
        pk: Decimal(sum(row.sessions_held_by_kind.get(kind, 0) for kind in kinds))
        for pk, row in stats(groups, period).items()
    }


def concentrated_sessions_url(group, period, params):
    return sessions_url(group, period, kinds=",".join(kinds_of(params)))


def topic_seminars(groups, period, params):
    """Held topic seminars (研讨, kind ``seminar``) of the year, started by the cut-off."""
    return {pk: Decimal(row.sessions_held_by_kind.get(Kind.SEMINAR, 0)) for pk, row in stats(groups, period).items()}


def topic_seminars_url(group, period, params):
    return sessions_url(group, period, kind=Kind.SEMINAR)


def planned_topics_covered(groups, period, params):
    """Planned topics of the year covered by sessions held by the cut-off, in per cent (None without a plan);
    see "Planned topics" and "Covered" in selectors.stats."""
    return {pk: attendance_rate(row.topics_covered, row.topics_planned) for pk, row in stats(groups, period).items()}


def planned_topics_url(group, period, params):
    return list_url("studygroups:plan_coverage", year=period.year, q=group.name)


def attendance(groups, period, params):
    """Attendance rate of the year's held sessions (selectors.stats: attended / expected member-sessions)."""
    return {pk: row.attendance_rate for pk, row in stats(groups, period).items()}


def leader_attendance(groups, period, params):
    """The leader's (组长) attendance rate at the year's held sessions."""
    return {pk: row.leader_attendance_rate for pk, row in stats(groups, period).items()}


def held_sessions_url(group, period, params):
    return sessions_url(group, period)


def leader_hosted_share(groups, period, params):
    """Of the year's held sessions, the share whose host held the leader's (组长) seat of the group on the
    session's local day, in per cent (None without held sessions). Two queries."""
    ids = group_ids(groups)
    year = year_of(period)
    leader_seat = Membership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("day")),
        study_group_id=OuterRef("study_group_id"),
        person_id=OuterRef("host_id"),
        start_date__lte=OuterRef("day"),
        role=Membership.Role.LEADER,
    )
    rows = (
        StudySession.objects.filter(
            study_group_id__in=ids, starts_at__gte=year.start, starts_at__lt=year.end, starts_at__lte=period.cutoff
        )
        .alias(day=TruncDate("starts_at"))
        .values("study_group_id")
        .annotate(held=Count("pk"), led=Count("pk", filter=Exists(leader_seat)))
        .order_by()
    )
    result = dict.fromkeys(ids)
    for row in rows:
        result[row["study_group_id"]] = attendance_rate(row["led"], row["held"])
    return result


def reflections_per_member(groups, period, params):
    """Reflections written on the year's held sessions, per person seated in the group at any time in the
    year (each once; seats begun after the cut-off day not counted), one decimal (None without seats)."""
    seated = dict(
        Membership.objects.filter(
            seats_overlapping(year_of(period)), study_group__in=groups, start_date__lte=cutoff_day(period)
        )
        .values_list("study_group_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    return {pk: ratio(row.reflections, seated.get(pk, 0)) for pk, row in stats(groups, period).items()}


def reflections_url(group, period, params):
    return list_url("studygroups:reflection_list", group=group.pk, year=period.year, until=until(period))


def research_finished(groups, period, params):
    """Research topics of the year finished (reported, or reported and applied) by the cut-off day.

    The issue asks for "at least two, in the second half": we read it as a target of two topics finished
    during the year, the second half being when the work is due, not a window: a topic finished in the first
    half counts too. Topics of the year are those of selectors.stats ("Research topics": assigned by the
    year's end and not finished before it began), read in their state on the cut-off day (a topic reported
    after it is still being researched). One query after the ids.
    """
    ids = group_ids(groups)
    day = cutoff_day(period)
    rows = (
        ResearchTopic.objects.filter(research_topics_of(year_of(period)), study_group_id__in=ids, assigned_on__lte=day)
        .annotate(state=research_state_at(day))
        .filter(state__in=(RESEARCH.REPORTED, RESEARCH.APPLIED))
        .values_list("study_group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = dict.fromkeys(ids, Decimal(0))
    for pk, n in rows:
        result[pk] = Decimal(n)
    return result


def research_url(group, period, params):
    return list_url("studygroups:research_list", study_group=group.pk)


def exam_average(groups, period, params):
    """Mean theory exam score of the year of the people seated in the group in the year (selectors.stats)."""
    return {pk: row.exam_average for pk, row in stats(groups, period).items()}


def exam_url(group, period, params):
    return list_url("studygroups:exam_list", year=period.year, group=group.pk)


def records_on_time(groups, period, params):
    """Of the year's held sessions, the share whose written record was entered on time, in per cent: neither
    late (selectors.stats "Records late") nor missing once due at the cut-off ("Records missing"); a record
    not due yet at the cut-off is not held against the group. None without held sessions."""
    return {
        pk: attendance_rate(row.sessions_held - row.records_late - row.records_missing, row.sessions_held)
        for pk, row in stats(groups, period).items()
    }


SOURCES = [
    IndicatorSource(
        name="studygroups.concentrated_sessions",
        label=_("Concentrated study sessions held"),
        unit=pgettext_lazy("indicator unit", "sessions"),
        compute=concentrated_sessions,
        records_url=concentrated_sessions_url,
        records=(SESSIONS,),
        default_params={"kinds": DEFAULT_KINDS},
        param_choices={"kinds": lambda: StudySession.Kind.choices},
        param_labels={"kinds": _("Session kinds counted")},
        default_target=Decimal(12),
        order=10,
    ),
    IndicatorSource(
        name="studygroups.topic_seminars",
        label=_("Topic seminars held"),
        unit=pgettext_lazy("indicator unit", "sessions"),
        compute=topic_seminars,
        records_url=topic_seminars_url,
        records=(SESSIONS,),
        default_target=Decimal(4),
        order=11,
    ),
    IndicatorSource(
        name="studygroups.planned_topics_covered",
        label=_("Share of planned topics covered"),
        unit="%",
        compute=planned_topics_covered,
        records_url=planned_topics_url,
        records=(("studygroups.PlanTopic", "plan__study_group"), SESSIONS),
        default_target=Decimal(100),
        order=12,
    ),
    IndicatorSource(
        name="studygroups.attendance_rate",
        label=_("Attendance rate"),
        unit="%",
        compute=attendance,
        records_url=held_sessions_url,
        records=(ATTENDANCE, SESSIONS, MEMBERSHIPS),
        default_target=Decimal(90),
        order=13,
    ),
    IndicatorSource(
        name="studygroups.leader_attendance_rate",
        label=_("Leader's attendance rate"),
        unit="%",
        compute=leader_attendance,
        records_url=held_sessions_url,
        records=(ATTENDANCE, SESSIONS, MEMBERSHIPS),
        default_target=Decimal(90),
        order=14,
    ),
    IndicatorSource(
        name="studygroups.leader_hosted_share",
        label=_("Sessions hosted by the leader"),
        unit="%",
        compute=leader_hosted_share,
        records_url=held_sessions_url,
        records=(SESSIONS, MEMBERSHIPS),
        default_target=Decimal(80),
        order=15,
    ),
    IndicatorSource(
        name="studygroups.reflections_per_member",
        label=_("Reflections per member"),
        unit=pgettext_lazy("indicator unit", "per member"),
        compute=reflections_per_member,
        records_url=reflections_url,
        records=(("studygroups.Reflection", "session__study_group"), MEMBERSHIPS),
        default_target=Decimal(4),
        order=16,
    ),
    IndicatorSource(
        name="studygroups.research_finished",
        label=_("Research topics finished"),
        unit=pgettext_lazy("indicator unit", "topics"),
        compute=research_finished,
        records_url=research_url,
        records=(("studygroups.ResearchTopic", "study_group"),),
        default_target=Decimal(2),
        order=17,
    ),
    IndicatorSource(
        name="studygroups.exam_average",
        label=_("Theory exam average"),
        unit=pgettext_lazy("indicator unit", "points"),
        compute=exam_average,
        records_url=exam_url,
        records=(("studygroups.ExamScore", "person__memberships__study_group"), MEMBERSHIPS),
        default_target=Decimal(80),
        order=18,
    ),
    IndicatorSource(
        name="studygroups.records_on_time",
        label=_("Records entered on time"),
        unit="%",
        compute=records_on_time,
        records_url=held_sessions_url,
        records=(SESSIONS,),
        default_target=Decimal(100),
        order=19,
    ),
]


def register() -> None:
    for source in SOURCES:
        indicator_sources.register(source)
