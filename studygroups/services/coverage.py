"""The coverage keys (``CoverageKey``): each group's planned topics of a year with their due month and first
session, derived from plans, topics and sessions and rebuilt per group and year whenever those change.

Every write that can change a group's keys goes through a model's ``save()``/``delete()`` or a session's
``topics`` (audited querysets refuse ``update()`` and bulk writes), so signals catch them all:

- a plan (its group, year, level, quarter): the group's year, before and after;
- a topic (its title, month, plan): its plan's group and year, before and after, and the groups and years of
  the sessions listing it (their keys follow its title);
- a session (its group, start) or the topics it lists: the session's group and year, before and after.

Writers below the ORM (the demo's COPY loader) call ``coverage_rebuild_all()`` when done.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, F, IntegerField, Min, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from studygroups.models import CoverageKey, Plan, PlanTopic, StudySession

Pair = tuple[int, int]  # (study group id, year)


def _year_start(year: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, 1, 1), timezone.get_default_timezone())


def _session_year(starts_at: datetime.datetime) -> int:
    return timezone.localtime(starts_at).year


def _due_month():
    """A topic's due month: its planned month, else its quarterly plan's last month, else December."""
    by_level = Case(
        When(plan__level=Plan.Level.QUARTERLY, plan__quarter__isnull=False, then=F("plan__quarter") * 3),
        default=Value(12),
        output_field=IntegerField(),
    )
    return Coalesce("planned_month", by_level, output_field=IntegerField())


def coverage_rebuild(pairs: Iterable[Pair]) -> None:
    """The coverage keys of these groups' years, written again from the plans, topics and sessions."""
    by_year: dict[int, set[int]] = defaultdict(set)
    for group_id, year in pairs:
        if group_id is not None:
            by_year[year].add(group_id)
    for year, group_ids in by_year.items():
        _rebuild_year(year, group_ids)


def coverage_rebuild_all(apps=None) -> None:
    """Every group's coverage keys, for every year with a group plan (``apps``: a migration's models)."""
    models = _Models(apps)
    models.CoverageKey.objects.all().delete()
    years = models.Plan.objects.filter(level__in=Plan.GROUP_LEVELS, study_group__isnull=False)
    for year in sorted(set(years.values_list("year", flat=True))):
        _rebuild_year(year, None, models)


class _Models:
    """The models, or a migration's historical models."""

    def __init__(self, apps=None):
        def get(model):
            return apps.get_model("studygroups", model.__name__) if apps is not None else model

        self.CoverageKey, self.Plan, self.PlanTopic = get(CoverageKey), get(Plan), get(PlanTopic)
        self.SessionTopic = get(StudySession).topics.through


def _rebuild_year(year: int, group_ids: set[int] | None, models: _Models | None = None) -> None:
    models = models or _Models()
    planned = models.PlanTopic.objects.filter(
        plan__year=year, plan__level__in=Plan.GROUP_LEVELS, plan__study_group__isnull=False
    )
    held = models.SessionTopic.objects.filter(
        studysession__starts_at__gte=_year_start(year), studysession__starts_at__lt=_year_start(year + 1)
    )
    stale = models.CoverageKey.objects.filter(year=year)
    if group_ids is not None:
        planned = planned.filter(plan__study_group_id__in=group_ids)
        held = held.filter(studysession__study_group_id__in=group_ids)
        stale = stale.filter(study_group_id__in=group_ids)
    planned = planned.order_by().values_list("plan__study_group_id", "title_key").annotate(due=Min(_due_month()))
    held = (
        held.order_by()
        .values_list("studysession__study_group_id", "plantopic__title_key")
        .annotate(first=Min("studysession__starts_at"))
    )
    first_held = {(group_id, key): first for group_id, key, first in held}
    stale.delete()
    models.CoverageKey.objects.bulk_create(
        models.CoverageKey(
            study_group_id=group_id,
            year=year,
            title_key=key,
            due_month=due,
            first_held_at=first_held.get((group_id, key)),
        )
        for group_id, key, due in planned
    )


# --- the signals -----------------------------------------------------------------------------------


def _plan_pair(plan_id: int | None) -> set[Pair]:
    return {tuple(pair) for pair in Plan.objects.filter(pk=plan_id).values_list("study_group_id", "year")}


def _sessions_pairs(sessions) -> set[Pair]:
    return {(group_id, _session_year(start)) for group_id, start in sessions.values_list("study_group_id", "starts_at")}


def _topic_pairs(topic_id: int | None, plan_id: int | None) -> set[Pair]:
    pairs = _plan_pair(plan_id)
    if topic_id is not None:
        pairs |= _sessions_pairs(StudySession.objects.filter(topics=topic_id))
    return pairs


def _before(sender, instance, **kwargs):
    """The pairs the row counted in before this write (read from the database: the row may have moved)."""
    if instance.pk is None:
        instance._coverage_before = set()
    elif sender is Plan:
        instance._coverage_before = _plan_pair(instance.pk)
    elif sender is PlanTopic:
        old = PlanTopic.objects.filter(pk=instance.pk).values_list("plan_id", flat=True).first()
        instance._coverage_before = _topic_pairs(instance.pk, old)
    else:
        instance._coverage_before = _sessions_pairs(StudySession.objects.filter(pk=instance.pk))


def _after(sender, instance, **kwargs):
    before = getattr(instance, "_coverage_before", set())
    instance._coverage_before = set()
    if kwargs.get("signal") is post_delete:
        coverage_rebuild(before)
    elif sender is Plan:
        coverage_rebuild(before | {(instance.study_group_id, instance.year)})
    elif sender is PlanTopic:
        coverage_rebuild(before | _topic_pairs(instance.pk, instance.plan_id))
    else:
        coverage_rebuild(before | {(instance.study_group_id, _session_year(instance.starts_at))})


def _topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # a topic's sessions: those sessions' years
        if action == "pre_clear":
            instance._coverage_before = _sessions_pairs(instance.sessions.all())
        elif action in ("post_add", "post_remove"):
            coverage_rebuild(_sessions_pairs(StudySession.objects.filter(pk__in=pk_set)))
        elif action == "post_clear":
            coverage_rebuild(getattr(instance, "_coverage_before", set()))
    elif action in ("post_add", "post_remove", "post_clear"):
        coverage_rebuild({(instance.study_group_id, _session_year(instance.starts_at))})


def connect() -> None:
    """Called by the app's ``ready()``."""
    for model in (Plan, PlanTopic, StudySession):
        uid = f"coverage-{model.__name__}"
        pre_save.connect(_before, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(_after, sender=model, dispatch_uid=f"{uid}-post-save")
        pre_delete.connect(_before, sender=model, dispatch_uid=f"{uid}-pre-delete")
        post_delete.connect(_after, sender=model, dispatch_uid=f"{uid}-post-delete")
    m2m_changed.connect(_topics_changed, sender=StudySession.topics.through, dispatch_uid="coverage-session-topics")
