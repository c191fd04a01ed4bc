"""Visits: assign inspectors to a target group's session, keep deadlines in working days, score,
summarise and publish."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policy, workdays
from core.models import Membership, StudyGroup, User
from core.notifications import notify
from inspections.models import PlanTarget, Score, ScoreTemplate, Visit
from inspections.services.plans import _audited_save, ensure
from studygroups.models import StudySession

RESCHEDULED = "inspections.rescheduled"
PUBLISHED = "inspections.published"
SUMMARY_DUE = "inspections.summary_due"


def conflict_reason(*, inspector: User, session: StudySession) -> str | None:
    """Why ``inspector`` may not sit in on ``session``, or None: the group's unit is where they work, or
    they sit in the group on the session's day."""
    person = inspector.person
    if person is None:
        return _("%(name)s has no person on record.") % {"name": inspector}
    group = session.study_group
    if person.unit_id == group.unit_id:
        return _("%(name)s works in the inspected unit.") % {"name": inspector}
    if Membership.objects.active_on(session.day).filter(study_group=group, person=person).exists():
        return _("%(name)s is a member of the inspected group on the session's day.") % {"name": inspector}
    return None


def deadlines(*, session: StudySession, materials_days: int, summary_days: int) -> tuple[datetime.date, datetime.date]:
    """(materials due, summary due): working days before and after the session's day."""
    day = session.day
    return workdays.add_workdays(day, -materials_days), workdays.add_workdays(day, summary_days)


def upcoming_sessions(target: PlanTarget):
    """The sessions a visit to ``target`` may sit in on: the group's sessions still to come."""
    return StudySession.objects.filter(study_group_id=target.study_group_id, starts_at__gt=timezone.now()).order_by(
        "starts_at"
    )


def inspector_choices(target: PlanTarget):
    """Accounts that may inspect in the plan's county (the conflict rule is checked per session)."""
    accounts = User.objects.filter(is_active=True, scope_unit=target.plan.county, person__isnull=False)
    return accounts.filter(pk__in=[u.pk for u in accounts if policy.can(u, policy.Action.INSPECT, Visit)])


def current_template(target: PlanTarget) -> ScoreTemplate | None:
    plan = target.plan
    return ScoreTemplate.objects.filter(county=plan.county, year=plan.year).order_by("-version").first()


@transaction.atomic
def visit_create(
    *, target: PlanTarget, session: StudySession, inspectors: list[User], user: User, kind: str | None = None
) -> Visit:
    ensure(user, policy.Action.CHANGE, Visit)
    if target.is_withdrawn:
        raise ValidationError(_("The target is withdrawn."))
    if session.study_group_id != target.study_group_id or not session.is_future:
        raise ValidationError({"session": _("Choose one of the target group's upcoming sessions.")})
    if not inspectors:
        raise ValidationError({"inspectors": _("Assign at least one inspector.")})
    errors = []
    for inspector in inspectors:
        if not policy.can(inspector, policy.Action.INSPECT, Visit) or inspector.scope_unit_id != target.plan.county_id:
            errors.append(_("%(name)s is not an inspector of this county.") % {"name": inspector})
        elif reason := conflict_reason(inspector=inspector, session=session):
            errors.append(reason)
    if errors:
        raise ValidationError({"inspectors": errors})
    template = current_template(target)
    if template is None or not template.criteria.exists():
        raise ValidationError(_("Set up this year's scorecard first."))
    plan = target.plan
    materials_due, summary_due = deadlines(
        session=session, materials_days=plan.materials_days, summary_days=plan.summary_days
    )
    visit = Visit(
        target=target,
        session=session,
        kind=kind or target.kind,
        template=template,
        session_starts_at=session.starts_at,
        materials_due=materials_due,
        summary_due=summary_due,
        created_by=user,
    )
    _audited_save(visit, user)
    visit.inspectors.set(inspectors)
    return visit


def session_moved(session: StudySession) -> int:
    """Follow a rescheduled session: recompute its visits' deadlines and notify their inspectors.

    Called after every save of a session (a signal); one query when nothing was visited or nothing moved."""
    moved = list(
        Visit.objects.filter(session=session)
        .exclude(session_starts_at=session.starts_at)
        .select_related("target__plan")
        .prefetch_related("inspectors")
    )
    for visit in moved:
        plan = visit.target.plan
        visit.session_starts_at = session.starts_at
        visit.materials_due, visit.summary_due = deadlines(
            session=session, materials_days=plan.materials_days, summary_days=plan.summary_days
        )
        visit.save()
        when = timezone.localtime(session.starts_at)
        notify(
            users=list(visit.inspectors.all()),
            kind=RESCHEDULED,
            subject=_("A session you inspect was rescheduled"),
            message=_("%(group)s moved the session “%(title)s” to %(when)s.")
            % {"group": session.study_group, "title": session.title, "when": f"{when:%Y-%m-%d %H:%M}"},
            target=visit,
        )
    return len(moved)


def materials_entered_at(session: StudySession) -> datetime.datetime | None:
    """When the session's materials were first entered or attached, whichever came first."""
    times = [session.materials_entered_at] if session.materials_entered_at else []
    first = session.attachments.order_by("created_at").values_list("created_at", flat=True).first()
    if first:
        times.append(first)
    return min(times) if times else None


def materials_late(visit: Visit, entered: datetime.datetime | None, today: datetime.date | None = None) -> bool:
    """Entered after the due day, or still missing once the due day has passed."""
    if entered is not None:
        return timezone.localdate(entered) > visit.materials_due
    return (today or timezone.localdate()) > visit.materials_due


def _ensure_inspects(visit: Visit, user: User) -> None:
    ensure(user, policy.Action.INSPECT, Visit)
    if not Visit.objects.visible_to(user).filter(pk=visit.pk).exists():
        raise PermissionDenied
    if visit.is_published:
        raise ValidationError(_("The visit's result is published and cannot change."))


@transaction.atomic
def visit_score(*, visit: Visit, user: User, values: dict[int, Decimal | None]) -> Visit:
    """Store the scorecard: every criterion scored, 0 to its maximum; the total is computed here."""
    _ensure_inspects(visit, user)
    if visit.session.starts_at > timezone.now():
        raise ValidationError(_("A visit is scored once its session has begun."))
    criteria = list(visit.template.criteria.all())
    errors = {}
    for criterion in criteria:
        value = values.get(criterion.pk)
        if value is None:
            errors[f"criterion_{criterion.pk}"] = _("Score every criterion.")
        elif not (0 <= value <= criterion.maximum):
            errors[f"criterion_{criterion.pk}"] = _("A score runs from 0 to %(max)s.") % {"max": criterion.maximum}
    if errors:
        raise ValidationError(errors)
    existing = {s.criterion_id: s for s in visit.scores.all()}
    total = Decimal("0")
    for criterion in criteria:
        value = Decimal(values[criterion.pk])
        total += criterion.weight * value
        score = existing.get(criterion.pk) or Score(visit=visit, criterion=criterion, created_by=user)
        if score.pk is None or score.value != value:
            score.value = value
            _audited_save(score, user)
    visit.total = total.quantize(Decimal("0.01"))
    visit.max_total = sum((c.weight * c.maximum for c in criteria), Decimal("0")).quantize(Decimal("0.01"))
    visit.scored_at = visit.scored_at or timezone.now()
    _audited_save(visit, user)
    return visit


def summary_length(*, overall: str, highlights: str, problems: str) -> int:
    return len(overall.strip()) + len(highlights.strip()) + len(problems.strip())


@transaction.atomic
def visit_summarise(*, visit: Visit, user: User, overall: str, highlights: str, problems: str) -> Visit:
    """The observer summary (旁听意见); the first submission's time decides whether it was late."""
    _ensure_inspects(visit, user)
    limit = settings.INSPECTION_SUMMARY_MAX_CHARS
    if not overall.strip():
        raise ValidationError({"overall": _("Give the overall assessment.")})
    if summary_length(overall=overall, highlights=highlights, problems=problems) > limit:
        raise ValidationError(_("The summary may have at most %(limit)s characters.") % {"limit": limit})
    visit.overall, visit.highlights, visit.problems = overall.strip(), highlights.strip(), problems.strip()
    visit.summary_at = visit.summary_at or timezone.now()
    _audited_save(visit, user)
    return visit


def group_accounts(study_group: StudyGroup):
    """The accounts that keep the group's records (its secretaries)."""
    return User.objects.filter(role__in=policy.GROUP_ROLES, study_group=study_group, is_active=True)


@transaction.atomic
def visit_publish(*, visit: Visit, user: User) -> Visit:
    """Release the result to the inspected group (scores, summary, findings)."""
    ensure(user, policy.Action.PUBLISH, Visit)
    if not Visit.objects.visible_to(user).filter(pk=visit.pk).exists():
        raise PermissionDenied
    if visit.is_published:
        raise ValidationError(_("The visit is already published."))
    if not visit.is_scored or visit.summary_at is None:
        raise ValidationError(_("Publish once the visit is scored and summarised."))
    visit.published_at, visit.published_by = timezone.now(), user
    _audited_save(visit, user)
    group = visit.session.study_group
    notify(
        users=list(group_accounts(group)),
        kind=PUBLISHED,
        subject=_("Sit-in result published"),
        message=_("The result of the sit-in on “%(title)s” is published; rectify its findings by their deadlines.")
        % {"title": visit.session.title},
        target=visit,
    )
    return visit


def remind_late_summaries(*, today: datetime.date | None = None) -> int:
    """Remind the inspectors of every summary due today or overdue, once a day."""
    today = today or timezone.localdate()
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    due = (
        Visit.objects.filter(summary_at__isnull=True, summary_due__lte=today)
        .exclude(summary_reminded_at__gte=start_of_day)
        .select_related("session__study_group")
        .prefetch_related("inspectors")
    )
    count = 0
    for visit in due:
        with transaction.atomic():
            late = today > visit.summary_due
            notify(
                users=list(visit.inspectors.all()),
                kind=SUMMARY_DUE,
                subject=_("Observer summary overdue") if late else _("Observer summary due today"),
                message=_("The observer summary on %(visit)s was due on %(due)s.")
                % {"visit": visit, "due": visit.summary_due},
                target=visit,
                dedup_key=f"{SUMMARY_DUE}:{visit.pk}",
            )
            visit.summary_reminded_at = timezone.now()
            visit.save(update_fields=["summary_reminded_at", "updated_at"])
        count += 1
    return count
