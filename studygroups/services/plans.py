"""Plans and their topics, the required reading list, and which planned topics each group has covered."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.models import Person, StudyGroup
from studygroups.models import Plan, PlanTopic, ReadingProgress, RequiredReading
from studygroups.models.sessions import StudySession
from studygroups.services.records import record_people


def plan_unit(*, user, level: str, study_group: StudyGroup | None, unit=None):
    """The unit a plan belongs to: its group's unit for group levels, else the staff member's county."""
    if level in Plan.GROUP_LEVELS:
        return study_group.unit if study_group else None
    if user.is_superuser:
        return unit
    return user.scope_unit if policy.can(user, policy.Action.PUBLISH, Plan) else None


def can_mark_readings(user) -> bool:
    """Members mark their own reading, secretaries and staff their members' (record_people says whose)."""
    return policy.can(user, policy.Action.MARK_READING)


@transaction.atomic
def reading_progress_set(
    *, user, reading: RequiredReading, person: Person, finished_on: datetime.date | None, notes: str = ""
) -> ReadingProgress:
    """Record (or clear, with ``finished_on=None``) that ``person`` finished ``reading``."""
    if not can_mark_readings(user):
        raise PermissionDenied
    if not RequiredReading.objects.visible_to(user).filter(pk=reading.pk).exists():
        raise PermissionDenied
    if not record_people(user).filter(pk=person.pk).exists():
        raise PermissionDenied
    if finished_on is not None and finished_on > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")
    progress = ReadingProgress.objects.select_for_update().filter(person=person, reading=reading).first()
    if progress is None:
        progress = ReadingProgress(person=person, reading=reading, created_by=user)
    progress.finished_on = finished_on
    progress.notes = notes
    progress._history_user = user
    progress.save()
    return progress


# Coverage: which topics of each group's plans for a year have been covered by a session.


@dataclass
class TopicState:
    title: str
    due_month: int
    plan_titles: list[str] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)
    covered: bool = False
    planned_month: int | None = None


@dataclass
class GroupCoverage:
    group: StudyGroup
    topics: list[TopicState] = field(default_factory=list)
    overdue: list[TopicState] = field(default_factory=list)
    upcoming: list[TopicState] = field(default_factory=list)

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
        return bool(self.topics)


def _due_month(planned_month: int | None, level: str, quarter: int | None) -> int:
    """The month by which a topic should be covered: its planned month, else its quarter's end, else December."""
    if planned_month:
        return planned_month
    if level == Plan.Level.QUARTERLY and quarter:
        return quarter * 3
    return 12


def group_coverage(*, user, groups: list[StudyGroup], year: int, now: datetime.datetime | None = None):
    """Coverage of the group plans (annual and quarterly) of ``year`` for ``groups``, in one query.

    A topic counts as covered when a session of the same group that has already started lists it.
    The same title in a group's annual and quarterly plans is one topic (covered if either is). An
    uncovered topic is overdue once its due month (see ``_due_month``) is over.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    sessions = StudySession.topics.through.objects.filter(
        plantopic_id=OuterRef("pk"),
        studysession__study_group_id=OuterRef("plan__study_group_id"),
        studysession__starts_at__lte=now,
    )
    rows = (
        PlanTopic.objects.visible_to(user)
        .filter(plan__study_group__in=[g.pk for g in groups], plan__year=year, plan__level__in=Plan.GROUP_LEVELS)
        .annotate(is_covered=Exists(sessions))
        .order_by("plan__study_group_id", "planned_month", "plan__level", "order", "pk")
        .values_list(
            "pk",
            "title",
            "planned_month",
            "plan__study_group_id",
            "plan__level",
            "plan__quarter",
            "plan__title",
            "is_covered",
        )
    )
    by_group: dict[int, dict[str, TopicState]] = {g.pk: {} for g in groups}
    for pk, title, month, group_id, level, quarter, plan_title, is_covered in rows:
        key = " ".join(title.split())
        due = _due_month(month, level, quarter)
        state = by_group[group_id].get(key)
        if state is None:
            state = by_group[group_id][key] = TopicState(title=key, due_month=due, planned_month=month)
        state.due_month = min(state.due_month, due)
        if month and (state.planned_month is None or month < state.planned_month):
            state.planned_month = month
        state.covered = state.covered or is_covered
        state.topic_ids.append(pk)
        if plan_title not in state.plan_titles:
            state.plan_titles.append(plan_title)
    result = []
    for group in groups:
        coverage = GroupCoverage(group=group, topics=sorted(by_group[group.pk].values(), key=lambda t: t.due_month))
        for topic in coverage.topics:
            if topic.covered:
                continue
            if (year, topic.due_month) < (today.year, today.month):
                coverage.overdue.append(topic)
            else:
                coverage.upcoming.append(topic)
        result.append(coverage)
    return result


COVERAGE_SORTS = {
    "group": lambda c: (c.group.unit.path, c.group.unit.sort_order, c.group.unit.name),
    "planned": lambda c: c.planned,
    "covered": lambda c: c.covered,
    "uncovered": lambda c: c.uncovered,
    "overdue": lambda c: len(c.overdue),
}


def sort_coverage(rows: list[GroupCoverage], sort: str) -> list[GroupCoverage]:
    key = sort.lstrip("-")
    if key not in COVERAGE_SORTS:
        return rows
    return sorted(rows, key=COVERAGE_SORTS[key], reverse=sort.startswith("-"))
