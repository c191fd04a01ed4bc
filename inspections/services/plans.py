"""Annual inspection plans: propose key and routine targets, let staff adjust them, approve."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policy
from core.models import OrgUnit, StudyGroup, User
from inspections.models import AttentionFlag, InspectionPlan, PlanTarget, VisitKind
from inspections.registry import Candidate, key_target_sources
from studygroups.selectors.stats import Period, group_stats


def ensure(user: User, action: policy.Action, model) -> None:
    """Services check the policy themselves, so a task or a second view cannot skip it."""
    if not policy.can(user, action, model):
        raise PermissionDenied


def _audited_save(obj, user: User, **kwargs) -> None:
    obj._history_user = user
    obj.save(**kwargs)


def records_source(*, plan: InspectionPlan, groups: list[StudyGroup]) -> list[Candidate]:
    """Candidates from last year's study records and this plan's low-attention flags (the built-in source)."""
    last_year = plan.year - 1
    candidates = []
    for group_id, stats in group_stats(groups, Period.year(last_year)).items():
        held = stats.sessions_held
        if held < plan.min_sessions:
            candidates.append(
                Candidate(
                    group_id,
                    _("Sessions held in %(year)s: %(held)s, fewer than the %(required)s required.")
                    % {"held": held, "year": last_year, "required": plan.min_sessions},
                )
            )
        rate = stats.attendance_rate
        if rate is not None and rate < plan.min_attendance:
            candidates.append(
                Candidate(
                    group_id,
                    _("Attendance rate %(rate)s%% in %(year)s, below %(limit)s%%.")
                    % {"rate": rate, "year": last_year, "limit": plan.min_attendance},
                )
            )
        rate = stats.leader_attendance_rate
        if rate is not None and rate < plan.min_leader_attendance:
            candidates.append(
                Candidate(
                    group_id,
                    _("Leader attendance rate %(rate)s%% in %(year)s, below %(limit)s%%.")
                    % {"rate": rate, "year": last_year, "limit": plan.min_leader_attendance},
                )
            )
        if held and stats.records_late * 100 > plan.max_late_share * held:
            candidates.append(
                Candidate(
                    group_id,
                    _("%(late)s of %(held)s records of %(year)s entered late, more than %(limit)s%%.")
                    % {"late": stats.records_late, "held": held, "year": last_year, "limit": plan.max_late_share},
                )
            )
    flags = AttentionFlag.objects.filter(study_group__in=[g.pk for g in groups], year=plan.year).order_by("pk")
    for flag in flags:
        candidates.append(
            Candidate(flag.study_group_id, _("Flagged by staff for little attention to study: %s") % flag.reason)
        )
    return candidates


def county_groups(county: OrgUnit) -> list[StudyGroup]:
    """The active study groups of the county (its own and those of the units below), in tree order."""
    return list(
        StudyGroup.objects.under(county).filter(is_active=True).order_by("unit__path", "unit__sort_order", "pk")
    )


def propose_key_targets(*, plan: InspectionPlan, groups: list[StudyGroup]) -> dict[int, list[str]]:
    """Reasons by group id, from the built-in source and every registered one (each reason once)."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for source in (records_source, *key_target_sources):
        for candidate in source(plan=plan, groups=groups):
            if candidate.reason not in reasons[candidate.study_group_id]:
                reasons[candidate.study_group_id].append(candidate.reason)
    return dict(reasons)


@transaction.atomic
def plan_create(*, county: OrgUnit, year: int, user: User, **rules) -> InspectionPlan:
    ensure(user, policy.Action.CHANGE, InspectionPlan)
    if not OrgUnit.objects.visible_to(user).filter(pk=county.pk).exists():
        raise PermissionDenied
    plan = InspectionPlan(county=county, year=year, created_by=user, **rules)
    plan.full_clean()
    _audited_save(plan, user)
    return plan


def _routine_sample(plan: InspectionPlan, groups: list[StudyGroup]) -> list[StudyGroup]:
    """The share of the other groups visited this year: a sample fixed by county and year (so reproducible)."""
    if plan.routine_share >= 100:
        return groups
    count = math.ceil(len(groups) * plan.routine_share / 100)
    chosen = set(random.Random(f"{plan.county_id}-{plan.year}").sample([g.pk for g in groups], count))
    return [g for g in groups if g.pk in chosen]


@transaction.atomic
def plan_propose(*, plan: InspectionPlan, user: User) -> list[PlanTarget]:
    """Add the proposed targets of a draft plan: key targets with their reasons, routine ones for the rest.

    Groups that already have a target (adjusted or withdrawn by staff) keep it as it is."""
    ensure(user, policy.Action.CHANGE, InspectionPlan)
    if plan.is_approved:
        raise ValidationError(_("An approved plan is adjusted target by target, not proposed again."))
    groups = county_groups(plan.county)
    reasons = propose_key_targets(plan=plan, groups=groups)
    taken = set(plan.targets.values_list("study_group_id", flat=True))
    key = [g for g in groups if g.pk in reasons and g.pk not in taken]
    routine = _routine_sample(plan, [g for g in groups if g.pk not in reasons and g.pk not in taken])
    created = []
    for group in key:
        target = PlanTarget(
            plan=plan,
            study_group=group,
            kind=VisitKind.KEY,
            planned_visits=plan.key_visits,
            reasons="\n".join(reasons[group.pk]),
            created_by=user,
        )
        _audited_save(target, user)
        created.append(target)
    for group in routine:
        target = PlanTarget(
            plan=plan, study_group=group, kind=VisitKind.ROUTINE, planned_visits=plan.routine_visits, created_by=user
        )
        _audited_save(target, user)
        created.append(target)
    return created


@transaction.atomic
def target_add(
    *, plan: InspectionPlan, study_group: StudyGroup, kind: str, user: User, reasons: str = ""
) -> PlanTarget:
    ensure(user, policy.Action.CHANGE, PlanTarget)
    if not StudyGroup.objects.under(plan.county).filter(pk=study_group.pk).exists():
        raise ValidationError(_("The group is not in this plan's county."))
    if plan.targets.filter(study_group=study_group).exists():
        raise ValidationError(_("The group is already a target of this plan."))
    visits = plan.key_visits if kind == VisitKind.KEY else plan.routine_visits
    target = PlanTarget(
        plan=plan, study_group=study_group, kind=kind, planned_visits=visits, reasons=reasons, created_by=user
    )
    _audited_save(target, user)
    return target


@transaction.atomic
def target_update(*, target: PlanTarget, user: User, kind: str, planned_visits: int, reasons: str) -> PlanTarget:
    """Staff adjust a target (before or after approval); the history keeps every change."""
    ensure(user, policy.Action.CHANGE, PlanTarget)
    if target.is_withdrawn:
        raise ValidationError(_("A withdrawn target cannot change."))
    target.kind, target.planned_visits, target.reasons = kind, planned_visits, reasons
    _audited_save(target, user)
    return target


@transaction.atomic
def target_withdraw(*, target: PlanTarget, user: User, reason: str) -> PlanTarget:
    """Mark a target withdrawn, with the reason; it stays in the plan and its history."""
    ensure(user, policy.Action.CHANGE, PlanTarget)
    if not reason.strip():
        raise ValidationError(_("Give a reason for the withdrawal."))
    if target.is_withdrawn:
        raise ValidationError(_("The target is already withdrawn."))
    target.withdrawn_at, target.withdrawn_reason = timezone.now(), reason.strip()
    _audited_save(target, user)
    return target


@transaction.atomic
def plan_approve(*, plan: InspectionPlan, user: User) -> InspectionPlan:
    ensure(user, policy.Action.PUBLISH, InspectionPlan)
    if plan.is_approved:
        raise ValidationError(_("The plan is already approved."))
    if not plan.targets.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError(_("A plan needs targets before it is approved."))
    plan.status, plan.approved_at, plan.approved_by = InspectionPlan.Status.APPROVED, timezone.now(), user
    _audited_save(plan, user)
    return plan


def flag_create(*, study_group: StudyGroup, year: int, reason: str, user: User) -> AttentionFlag:
    ensure(user, policy.Action.CHANGE, AttentionFlag)
    flag = AttentionFlag(study_group=study_group, year=year, reason=reason, created_by=user)
    flag.full_clean()
    _audited_save(flag, user)
    return flag


def groups_by_pk(groups: Iterable[StudyGroup]) -> dict[int, StudyGroup]:
    return {g.pk: g for g in groups}
