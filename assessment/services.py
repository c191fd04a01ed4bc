"""Annual assessment: schemes, computing a county's year, adjustments, publication, the recompute diff and
the key inspection targets proposed from published results.

Scoring, per group and indicator (values come from the registered measures, core.registry.indicator_sources):

- *proportional*: ``weight × value / target``, capped at the weight (no target: the value is a percentage,
  ``weight × value / 100``); *all or nothing*: the weight once ``value ≥ target``, else 0.
- An indicator that does not apply to a group (``applies_to`` False), or has no value for it while the
  scheme says to leave it out (``missing = skip``: a group never visited has no visit score), is left out:
  the group's score is the sum of the scores that apply, rescaled to the scheme's full weight,
  ``sum(scores) × full weight / sum(weights that apply)``, so a township and a department are both scored
  out of the same full score. A value of None with ``missing = zero`` scores 0.
- Scores are rounded to two decimals (half up) per indicator and again after rescaling; the total adds the
  adjustments of the year; ranks share a place on equal totals (1, 1, 3), in the county and among groups of
  the same unit kind; a total at or above the pass threshold passes.
"""

from __future__ import annotations

import datetime
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, Max, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessment.models import Adjustment, Missing, Result, Rule, Run, RunComparison, Scheme, SchemeIndicator
from core import policy, registry
from core.models import OrgUnit, StudyGroup, User
from core.registry import AssessmentPeriod, indicator_source
from core.scoping import bulk_create_audited
from core.versioning import TemplateLocked, new_version
from inspections.registry import Candidate

logger = logging.getLogger(__name__)

CENTS = Decimal("0.01")
ZERO = Decimal("0")

# The default scheme: (measure, weight, target when the measure proposes none, rule, without a value).
# Weights total 100; the targets follow the seeds (12 concentrated sessions, 4 seminars, 2 research topics).
DEFAULT_INDICATORS: tuple[tuple[str, int, int | None, str, str], ...] = (
    ("studygroups.concentrated_sessions", 12, 12, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.topic_seminars", 8, 4, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.planned_topics_covered", 8, 100, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.attendance_rate", 8, 90, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.leader_attendance_rate", 8, 90, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.leader_hosted_share", 6, 50, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.reflections_per_member", 6, 4, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.research_finished", 8, 2, Rule.PROPORTIONAL, Missing.ZERO),
    ("studygroups.exam_average", 6, 90, Rule.PROPORTIONAL, Missing.SKIP),
    ("studygroups.records_on_time", 6, 100, Rule.PROPORTIONAL, Missing.ZERO),
    ("inspections.visit_score", 8, 90, Rule.PROPORTIONAL, Missing.SKIP),
    ("inspections.rectified_on_time", 6, 100, Rule.PROPORTIONAL, Missing.SKIP),
    ("outreach.exchange_visits", 4, 2, Rule.PROPORTIONAL, Missing.ZERO),
    ("outreach.party_days", 3, 4, Rule.PROPORTIONAL, Missing.ZERO),
    ("outreach.practical_things", 3, 3, Rule.PROPORTIONAL, Missing.ZERO),
)

# Key inspection targets proposed from last year's results: every group that failed, and the weakest
# tenth of the county (at least one group) among those that passed.
WEAKEST_SHARE = 10


def ensure(user: User, action: policy.Action, model) -> None:
    if not policy.can(user, action, model):
        raise PermissionDenied


def _audited_save(obj, user: User | None) -> None:
    obj._history_user = user
    obj.save()


# ---- schemes ---------------------------------------------------------------------------------------------


def default_indicators(scheme: Scheme, user: User | None = None) -> list[SchemeIndicator]:
    """The default indicators for a new scheme (unsaved), those whose measure is registered."""
    indicators = []
    for order, (name, weight, target, rule, missing) in enumerate(DEFAULT_INDICATORS, start=1):
        source = indicator_source(name)
        if source is None:
            continue
        proposed = source.default_target if source.default_target is not None else target
        indicators.append(
            SchemeIndicator(
                scheme=scheme,
                source=name,
                weight=Decimal(weight),
                target=Decimal(proposed) if proposed is not None else None,
                rule=rule,
                missing=missing,
                params=dict(source.default_params),
                order=order,
                created_by=user,
            )
        )
    return indicators


@transaction.atomic
def scheme_create_default(*, county: OrgUnit, year: int, user: User) -> Scheme:
    """A scheme for ``year``: a new version of that year's latest, else the default indicators (those whose
    measure is registered; weights total 100 when all are) with a pass threshold of 60."""
    ensure(user, policy.Action.CHANGE, Scheme)
    if not OrgUnit.objects.editable_by(user).filter(pk=county.pk).exists():
        raise PermissionDenied
    latest = Scheme.objects.filter(county=county, year=year).order_by("-version").first()
    if latest is not None:
        return new_version(latest, user=user)
    scheme = Scheme(county=county, year=year, name=default_name(year), created_by=user)
    _audited_save(scheme, user)
    for indicator in default_indicators(scheme, user):
        _audited_save(indicator, user)
    return scheme


def default_name(year: int) -> str:
    return _("%(year)s study assessment") % {"year": year}


@transaction.atomic
def scheme_new_version(*, scheme: Scheme, user: User) -> Scheme:
    ensure(user, policy.Action.CHANGE, Scheme)
    return new_version(scheme, user=user)


@transaction.atomic
def scheme_save(*, scheme: Scheme, user: User, form, formset) -> None:
    """Save the scheme's own fields and its edited, added and removed indicators (unused schemes only)."""
    ensure(user, policy.Action.CHANGE, Scheme)
    try:
        if form.has_changed():
            _audited_save(form.save(commit=False), user)
        for item in formset.deleted_forms:
            if item.instance.pk:
                item.instance._history_user = user
                item.instance.delete()
        for item in formset.forms:
            if item in formset.deleted_forms or not item.has_changed():
                continue
            indicator = item.save(commit=False)
            indicator.scheme = scheme
            if indicator.pk is None:
                indicator.created_by = user
            _audited_save(indicator, user)
    except TemplateLocked as error:
        raise ValidationError(error.messages) from error
    if not scheme.indicators.exists():
        raise ValidationError(_("A scheme needs at least one indicator."))


# ---- scoring ---------------------------------------------------------------------------------------------


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def indicator_score(indicator: SchemeIndicator, value) -> Decimal | None:
    """The indicator's score for a value (None: left out of the total). The module docstring has the rules."""
    if value is None:
        return None if indicator.missing == Missing.SKIP else _cents(ZERO)
    value = Decimal(value)
    weight = indicator.weight
    target = indicator.target if indicator.target else Decimal("100")
    if indicator.rule == Rule.ALL_OR_NOTHING:
        return _cents(weight if value >= target else ZERO)
    return _cents(min(weight, max(ZERO, weight * value / target)))


def competition_ranks(totals: dict[int, Decimal]) -> dict[int, int]:
    """Rank by total, highest first; equal totals share a rank and the next rank skips (1, 1, 3)."""
    ordered = sorted(totals.values(), reverse=True)
    first_place = {}
    for place, total in enumerate(ordered, start=1):
        first_place.setdefault(total, place)
    return {key: first_place[total] for key, total in totals.items()}


@dataclass
class Scored:
    lines: dict[str, dict]
    score: Decimal


def county_groups(county: OrgUnit):
    """The county's active groups (its own and those of the units below): the queryset the measures get."""
    return StudyGroup.objects.under(county).filter(is_active=True)


def read_groups(county: OrgUnit):
    """The county's groups, read once with their units: the measures take this queryset already read, so
    none of them reads the group ids again, and those built on one reading (studygroups' ``group_stats``,
    outreach's counts) share it through the same queryset object."""
    queryset = county_groups(county).select_related("unit")
    return queryset, list(queryset)


def score_groups(
    scheme: Scheme, groups: list[StudyGroup], queryset, cutoff, indicators: list[SchemeIndicator] | None = None
) -> dict[int, Scored]:
    """Each group's lines and score (before adjustments): one ``compute`` per indicator for all groups."""
    period = AssessmentPeriod(year=scheme.year, cutoff=cutoff)
    if indicators is None:
        indicators = list(scheme.indicators.order_by("order", "pk"))
    full = sum((i.weight for i in indicators), ZERO)
    lines: dict[int, dict[str, dict]] = {g.pk: {} for g in groups}
    for indicator in indicators:
        source = indicator_source(indicator.source)
        if source is None:
            raise ValidationError(
                _("The measure %(name)s is not available; remove it from the scheme.") % {"name": indicator.source}
            )
        values = source.compute(queryset, period, indicator.full_params())
        for group in groups:
            applies = source.applies_to is None or source.applies_to(group)
            value = values.get(group.pk) if applies else None
            score = indicator_score(indicator, value) if applies else None
            lines[group.pk][str(indicator.pk)] = {
                "value": None if value is None else str(value),
                "score": None if score is None else str(score),
                "weight": str(indicator.weight),
            }
    scored = {}
    for group in groups:
        counted = [line for line in lines[group.pk].values() if line["score"] is not None]
        weight = sum((Decimal(line["weight"]) for line in counted), ZERO)
        raw = sum((Decimal(line["score"]) for line in counted), ZERO)
        score = _cents(raw * full / weight) if weight else ZERO
        scored[group.pk] = Scored(lines=lines[group.pk], score=score)
    return scored


def _published_run(county_id: int, year: int) -> Run | None:
    return Run.objects.filter(county_id=county_id, year=year, published_at__isnull=False).first()


def results_for(scheme: Scheme, cutoff, *, user: User | None = None) -> list[Result]:
    """The county's results of the scheme's year at ``cutoff`` (unsaved, no run yet): each group's lines
    and score, the year's adjustments, totals, ranks and pass. A constant number of queries: one
    ``compute`` per indicator over all the county's groups, and one for the adjustments."""
    queryset, groups = read_groups(scheme.county)
    scored = score_groups(scheme, groups, queryset, cutoff)
    adjustments = defaultdict(list)
    rows = Adjustment.objects.filter(study_group__in=queryset, year=scheme.year).select_related("created_by")
    for adjustment in rows.order_by("created_at", "pk"):
        adjustments[adjustment.study_group_id].append(adjustment)
    totals, kinds = {}, {}
    for group in groups:
        points = sum((a.points for a in adjustments[group.pk]), ZERO)
        totals[group.pk] = scored[group.pk].score + points
        kinds[group.pk] = group.unit.kind
    ranks = competition_ranks(totals)
    kind_ranks = {}
    for kind in set(kinds.values()):
        kind_ranks.update(competition_ranks({pk: t for pk, t in totals.items() if kinds[pk] == kind}))
    return [
        Result(
            study_group=group,
            unit_kind=kinds[group.pk],
            lines=scored[group.pk].lines,
            score=scored[group.pk].score,
            adjustment=totals[group.pk] - scored[group.pk].score,
            adjustments=[
                {
                    "points": str(a.points),
                    "reason": a.reason,
                    "by": str(a.created_by or ""),
                    "at": timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
                }
                for a in adjustments[group.pk]
            ],
            total=totals[group.pk],
            rank=ranks[group.pk],
            kind_rank=kind_ranks[group.pk],
            passed=totals[group.pk] >= scheme.pass_threshold,
            created_by=user,
        )
        for group in groups
    ]


@transaction.atomic
def compute(*, scheme: Scheme, cutoff, user: User) -> Run:
    """A new run of the scheme's county and year with the records as they stood at ``cutoff``
    (:func:`results_for`), the run and its results written in bulk (with their history rows)."""
    ensure(user, policy.Action.CHANGE, Run)
    if cutoff is None:
        raise ValidationError(_("Give the time the records are counted up to."))
    if _published_run(scheme.county_id, scheme.year) is not None:
        raise ValidationError(_("The results of this year are published; they no longer change."))
    results = results_for(scheme, cutoff, user=user)
    run = Run(scheme=scheme, county=scheme.county, year=scheme.year, cutoff=cutoff, created_by=user)
    _audited_save(run, user)
    for result in results:
        result.run = run
    bulk_create_audited(Result, results, user=user)
    return run


def current_run(county_id: int, year: int, runs=None) -> Run | None:
    """The published run of the year, else the newest one computed (``runs``: a scoped queryset)."""
    runs = Run.objects.all() if runs is None else runs
    runs = runs.filter(county_id=county_id, year=year)
    return runs.filter(published_at__isnull=False).first() or runs.order_by("-created_at", "-pk").first()


@transaction.atomic
def adjust(*, run: Run, study_group: StudyGroup, points, reason: str, user: User) -> tuple[Adjustment, Run]:
    """Add points (negative to take off) with a reason, then compute the year again at the run's cut-off, so
    the totals and ranks count it (the same cut-off gives the same record values)."""
    ensure(user, policy.Action.CHANGE, Adjustment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("An adjustment needs a reason."))
    if not points:
        raise ValidationError(_("An adjustment of zero points changes nothing."))
    if run.is_published:
        raise ValidationError(_("The results of this year are published; they no longer change."))
    if not run.results.filter(study_group=study_group).exists():
        raise PermissionDenied
    adjustment = Adjustment(study_group=study_group, year=run.year, points=points, reason=reason, created_by=user)
    _audited_save(adjustment, user)
    return adjustment, compute(scheme=run.scheme, cutoff=run.cutoff, user=user)


@transaction.atomic
def publish(*, run: Run, user: User) -> Run:
    """Release the run to the groups: each then sees its own row and ranks. The snapshot no longer changes."""
    ensure(user, policy.Action.PUBLISH, Run)
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.is_published:
        raise ValidationError(_("These results are already published."))
    if _published_run(run.county_id, run.year) is not None:
        raise ValidationError(_("Another run of this year is already published."))
    newest = Run.objects.filter(county_id=run.county_id, year=run.year).aggregate(Max("created_at"))
    if run.created_at < newest["created_at__max"]:
        raise ValidationError(_("A newer computation of this year exists; publish that one."))
    run.published_at = timezone.now()
    run.published_by = user
    _audited_save(run, user)
    return run


# ---- the recompute diff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    study_group: StudyGroup
    indicator: SchemeIndicator | None  # None: the total
    old_value: str | None
    new_value: str | None
    old_score: str | None
    new_score: str | None


@dataclass(frozen=True)
class RecordChange:
    model_label: str
    model_name: str
    object_id: int
    record: str
    study_group: StudyGroup | None
    change: str
    by: str
    at: object
    history_url: str = ""  # the record's change history, where core shows it


@dataclass(frozen=True)
class RunDiff:
    run: Run
    now: object
    lines: list[LineChange]
    records: list[RecordChange]


RECORD_LIMIT = 500  # changed records listed on the diff page (newest first)


# Fields that name a history row, the first one not empty (no relation loaded: ``str()`` of an attendance
# would fetch its person).
_TEXT_FIELDS = ("title", "name", "topic", "material")


def _record_text(history_model):
    """An expression naming a row of ``history_model`` from its own columns ("" when none does)."""
    fields = {field.name for field in history_model._meta.fields}
    parts = [NullIf(F(name), Value("")) for name in _TEXT_FIELDS if name in fields]
    text = Coalesce(*parts, Value("")) if len(parts) > 1 else (parts[0] if parts else Value(""))
    return Cast(text, CharField())


def _changed_records(run: Run, indicators, groups: dict[int, StudyGroup], since) -> list[RecordChange]:
    """The records feeding the run's indicators changed since ``since``, newest first, from their
    simple-history tables: one UNION ALL over the tables the measures name (the same columns from each, the
    authors' names joined), so one query whatever the number of indicators and models."""
    parts, seen = [], set()
    for indicator in indicators:
        source = indicator_source(indicator.source)
        for label, lookup in source.records if source else ():
            if (label, lookup) in seen:
                continue
            seen.add((label, lookup))
            history_model = apps.get_model(label).history.model
            rows = history_model.objects.filter(history_date__gt=since, **{f"{lookup}__in": list(groups)}).values(
                ch_id=F("history_id"),
                ch_date=F("history_date"),
                ch_type=F("history_type"),
                ch_obj=F("id"),
                ch_group=F(lookup),
                ch_text=_record_text(history_model),
                ch_username=F("history_user__username"),
                ch_first_name=F("history_user__first_name"),
                ch_last_name=F("history_user__last_name"),
                ch_label=Value(label, output_field=CharField()),
            )
            parts.append(rows)
    if not parts:
        return []
    if len(parts) == 1:
        newest = parts[0].order_by("-history_date", "-history_id")[:RECORD_LIMIT]
    else:
        if connection.features.supports_slicing_ordering_in_compound:
            parts = [rows.order_by("-history_date", "-history_id")[:RECORD_LIMIT] for rows in parts]  # each newest
        else:
            parts = [rows.order_by() for rows in parts]  # SQLite: no ORDER BY inside a UNION's parts
        newest = parts[0].union(*parts[1:], all=True).order_by("-ch_date", "-ch_id")[:RECORD_LIMIT]
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    changes = []
    for row in newest:
        model = apps.get_model(row["ch_label"])
        history_name = registry.history_models.name_of(model)
        author = User(username=row["ch_username"] or "", first_name=row["ch_first_name"] or "")
        author.last_name = row["ch_last_name"] or ""
        changes.append(
            RecordChange(
                model_label=row["ch_label"],
                model_name=str(model._meta.verbose_name),
                object_id=row["ch_obj"],
                record=row["ch_text"] or "",
                study_group=groups.get(row["ch_group"]),
                change=str(kinds.get(row["ch_type"], row["ch_type"])),
                by=str(author) if row["ch_username"] is not None else "",
                at=row["ch_date"],
                history_url=reverse("record_history", args=[history_name, row["ch_obj"]]) if history_name else "",
            )
        )
    return changes


def recompute_diff(*, run: Run, now=None) -> RunDiff:
    """What computing the run's scheme at ``now`` would give differently, group by group and indicator (the
    run itself stays as it is), and the records changed since the run was published (or computed)."""
    now = now or timezone.now()
    queryset, groups = read_groups(run.county)
    by_pk = {g.pk: g for g in groups}
    indicators = list(run.scheme.indicators.order_by("order", "pk"))
    scored = score_groups(run.scheme, groups, queryset, now, indicators)
    changes = []
    results = {r.study_group_id: r for r in run.results.all()}
    for group in groups:
        result = results.get(group.pk)
        fresh = scored[group.pk]
        for indicator in indicators:
            old = (result.lines if result else {}).get(str(indicator.pk), {})
            new = fresh.lines[str(indicator.pk)]
            if (old.get("value"), old.get("score")) != (new["value"], new["score"]):
                changes.append(
                    LineChange(group, indicator, old.get("value"), new["value"], old.get("score"), new["score"])
                )
        old_score = str(result.score) if result else None
        if old_score != str(fresh.score):
            changes.append(LineChange(group, None, None, None, old_score, str(fresh.score)))
    since = run.published_at or run.created_at
    return RunDiff(run, now, changes, _changed_records(run, indicators, by_pk, since))


# ---- the recompute diff in the background ----------------------------------------------------------------
#
# Recomputing reads every indicator's tables for the whole county (some 18 queries, a few hundred ms at a
# prefecture): too heavy for a page. Staff ask for it, a Celery task (assessment.tasks) computes it and
# stores its content (``RunComparison.data``) and the diff page shows the latest stored one.


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors worth another try later: the database or the broker unreachable for a moment."""
    import kombu.exceptions
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, kombu.exceptions.OperationalError, ConnectionError, TimeoutError)


def _stale_before():
    """A comparison queued or running since before this has lost its worker (twice the task time limit)."""
    return timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)


def diff_request(*, run: Run, user: User) -> tuple[RunComparison, bool]:
    """A new comparison of the run (sent to Celery after the commit), or the one already queued or running.

    Returns (comparison, created). The caller has checked the user may see the run and supervise."""
    active = RunComparison.objects.filter(run=run, status__in=RunComparison.ACTIVE).first()
    if active is not None and active.requested_at < _stale_before():
        _diff_fail(active, _("The comparison stopped without finishing (the worker was stopped). Please ask again."))
        active = None
    if active is not None:
        return active, False
    try:
        with transaction.atomic():  # a savepoint: losing the race to a double click is not an error
            comparison = RunComparison.objects.create(run=run, requested_by=user, created_by=user)
    except IntegrityError:
        return RunComparison.objects.get(run=run, status__in=RunComparison.ACTIVE), False
    transaction.on_commit(lambda: diff_dispatch(comparison_id=comparison.pk))
    return comparison, True


def diff_dispatch(*, comparison_id: int) -> None:
    """Hand the comparison to the broker; when the broker cannot be reached it ends failed (ask again)."""
    from assessment.tasks import compute_run_diff

    try:
        # On the report jobs' queue (heavy work asked for on a page); no publish retries: a broker that is
        # down must not hold the request.
        options = {"queue": settings.REPORT_QUEUE} if settings.REPORT_QUEUE else {}
        compute_run_diff.apply_async(args=[comparison_id], retry=False, **options)
    except Exception as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER and not isinstance(exc, transient_errors()):
            raise
        logger.warning("Run comparison %s not sent (%s)", comparison_id, exc)
        comparison = RunComparison.objects.filter(pk=comparison_id, status=RunComparison.Status.QUEUED).first()
        if comparison is not None:
            _diff_fail(comparison, _("The comparison could not be queued: the task queue is unreachable."))


def _claim(comparison_id: int) -> RunComparison | None:
    """Lock the comparison and mark it running; None when it is finished already (a second delivery)."""
    with transaction.atomic():
        comparison = RunComparison.objects.select_for_update().filter(pk=comparison_id).first()
        if comparison is None or comparison.status in (RunComparison.Status.DONE, RunComparison.Status.FAILED):
            return None
        comparison.status = RunComparison.Status.RUNNING
        comparison.started_at = timezone.now()
        comparison.save()
        return comparison


def diff_run(*, comparison_id: int) -> RunComparison | None:
    """Compute and store the comparison (the Celery task's body). Safe to run twice: a finished one stays."""
    comparison = _claim(comparison_id)
    if comparison is None:
        return RunComparison.objects.filter(pk=comparison_id).first()
    run = Run.objects.select_related("county", "scheme").get(pk=comparison.run_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            data = diff_data(recompute_diff(run=run))
    except transient_errors():
        comparison.status = RunComparison.Status.QUEUED  # the retry claims it again
        comparison.save()
        raise
    except ValidationError as exc:  # the scheme cannot be computed any more (a measure gone): said in words
        _diff_fail(comparison, " ".join(exc.messages))
    except Exception as exc:
        logger.exception("Run comparison %s failed", comparison.pk)
        with translation.override(settings.LANGUAGE_CODE):
            message = _("The comparison could not be computed: %(error)s") % {
                "error": f"{type(exc).__name__}: {exc}"[:500]
            }
        _diff_fail(comparison, message)
    else:
        comparison.data = data
        comparison.status = RunComparison.Status.DONE
        comparison.finished_at = timezone.now()
        comparison.save()
    return comparison


def diff_fail_from_task(*, comparison_id: int, message: str) -> None:
    """End a comparison whose task gave up (retries used up)."""
    comparison = RunComparison.objects.filter(pk=comparison_id, status__in=RunComparison.ACTIVE).first()
    if comparison is not None:
        _diff_fail(comparison, message)


def _diff_fail(comparison: RunComparison, message: str) -> None:
    comparison.status = RunComparison.Status.FAILED
    comparison.error = message
    comparison.finished_at = timezone.now()
    comparison.save()


def diff_data(diff: RunDiff) -> dict:
    """The diff as plain values (JSON), everything the diff page shows: names and labels as they read when
    computed, numbers as the strings of their Decimals, times in ISO 8601."""
    return {
        "now": diff.now.isoformat(),
        "lines": [
            {
                "study_group": str(line.study_group),
                "indicator": str(line.indicator.label) if line.indicator else None,
                "old_value": line.old_value,
                "new_value": line.new_value,
                "old_score": line.old_score,
                "new_score": line.new_score,
            }
            for line in diff.lines
        ],
        "records": [
            {
                "at": change.at.isoformat(),
                "model_name": change.model_name,
                "object_id": change.object_id,
                "record": change.record,
                "study_group": str(change.study_group) if change.study_group else None,
                "change": change.change,
                "by": change.by,
                "history_url": change.history_url,
            }
            for change in diff.records
        ],
    }


def stored_diff(data: dict) -> dict:
    """``diff_data`` read back for the template: the times as datetimes again."""
    return {
        "now": datetime.datetime.fromisoformat(data["now"]),
        "lines": data["lines"],
        "records": [{**change, "at": datetime.datetime.fromisoformat(change["at"])} for change in data["records"]],
    }


# ---- key inspection targets ------------------------------------------------------------------------------


def key_target_candidates(*, plan, groups) -> list[Candidate]:
    """Key-target candidates for an inspection plan from the county's published results of the year before:
    the groups that failed, and the weakest tenth of those that passed (inspections.registry)."""
    last_year = plan.year - 1
    run = _published_run(plan.county_id, last_year)
    if run is None:
        return []
    ids = [g.pk for g in groups]
    results = list(run.results.filter(study_group__in=ids).order_by("rank", "pk"))
    count = run.results.count()
    candidates = []
    for result in results:
        if not result.passed:
            candidates.append(
                Candidate(
                    result.study_group_id,
                    _("Failed the %(year)s assessment: %(total)s points, below the pass mark of %(mark)s.")
                    % {"year": last_year, "total": result.total, "mark": run.scheme.pass_threshold},
                )
            )
    passed = [r for r in results if r.passed]
    weakest = math.ceil(len(passed) * WEAKEST_SHARE / 100) if passed else 0
    for result in passed[len(passed) - weakest :]:
        candidates.append(
            Candidate(
                result.study_group_id,
                _("Among the weakest in the %(year)s assessment: %(total)s points, rank %(rank)s of %(count)s.")
                % {"year": last_year, "total": result.total, "rank": result.rank, "count": count},
            )
        )
    return candidates
