"""Rectification (以巡促改): an inspector records a problem, the unit's secretary answers it with evidence,
staff close it or send it back. Each state change is one service, checked against the policy and audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policy
from core.attachments import attachment_create
from core.models import User
from core.notifications import notify
from inspections.models import Finding, Visit
from inspections.services.plans import _audited_save, ensure
from inspections.services.visits import _ensure_inspects, group_accounts

RETURNED = "inspections.returned"
ANSWERED = "inspections.answered"
OVERDUE = "inspections.overdue"


@transaction.atomic
def finding_create(
    *, visit: Visit, user: User, category: str, description: str, advice: str, deadline: datetime.date
) -> Finding:
    _ensure_inspects(visit, user)
    if deadline <= visit.session.day:
        raise ValidationError({"deadline": _("The deadline comes after the session.")})
    finding = Finding(
        visit=visit, category=category, description=description, advice=advice, deadline=deadline, created_by=user
    )
    finding.full_clean()
    _audited_save(finding, user)
    return finding


def _reach(finding: Finding, user: User, action: policy.Action) -> None:
    ensure(user, action, Finding)
    if not Finding.objects.visible_to(user).filter(pk=finding.pk).exists():
        raise PermissionDenied


def county_verifiers(finding: Finding):
    """Accounts of the county that may verify this item (the county above the inspected group)."""
    county_id = finding.visit.target.plan.county_id
    accounts = User.objects.filter(is_active=True, scope_unit_id=county_id)
    return [u for u in accounts if policy.can(u, policy.Action.VERIFY, Finding)]


@transaction.atomic
def finding_answer(*, finding: Finding, user: User, response: str, uploads=()) -> Finding:
    """The secretary's answer: what was done, with evidence files; the item then waits for staff."""
    _reach(finding, user, policy.Action.RECTIFY)
    if finding.status not in Finding.OWED:
        raise ValidationError(_("This item is not waiting for an answer."))
    if not response.strip():
        raise ValidationError({"response": _("Say what was done.")})
    for upload in uploads:
        if upload:
            attachment_create(upload=upload, owner=finding, user=user)
    finding.status, finding.response = Finding.Status.ANSWERED, response.strip()
    finding.answered_at, finding.answered_by = timezone.now(), user
    _audited_save(finding, user)
    notify(
        users=county_verifiers(finding),
        kind=ANSWERED,
        subject=_("Rectification answered"),
        message=_("%(group)s answered the rectification item “%(item)s”.")
        % {"group": finding.visit.session.study_group, "item": finding.get_category_display()},
        target=finding,
    )
    return finding


@transaction.atomic
def finding_close(*, finding: Finding, user: User) -> Finding:
    """Staff verify the answer and close the item: never without a verifier and a time."""
    _reach(finding, user, policy.Action.VERIFY)
    if finding.status != Finding.Status.ANSWERED:
        raise ValidationError(_("Only an answered item can be closed."))
    finding.status, finding.verified_at, finding.verified_by = Finding.Status.CLOSED, timezone.now(), user
    _audited_save(finding, user)
    return finding


@transaction.atomic
def finding_return(*, finding: Finding, user: User, reason: str) -> Finding:
    """Staff send the answer back with a reason; the unit answers again."""
    _reach(finding, user, policy.Action.VERIFY)
    if finding.status != Finding.Status.ANSWERED:
        raise ValidationError(_("Only an answered item can be sent back."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for sending it back.")})
    finding.status, finding.return_reason = Finding.Status.RETURNED, reason.strip()
    finding.times_returned += 1
    _audited_save(finding, user)
    notify(
        users=list(group_accounts(finding.visit.session.study_group)),
        kind=RETURNED,
        subject=_("Rectification sent back"),
        message=_("The rectification item “%(item)s” was sent back: %(reason)s")
        % {"item": finding.get_category_display(), "reason": finding.return_reason},
        target=finding,
    )
    return finding


def overdue_findings(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return Finding.objects.filter(status__in=Finding.OWED, deadline__lt=today)


def remind_overdue_findings(*, today: datetime.date | None = None) -> int:
    """Remind the secretaries of each published overdue item, once a day."""
    today = today or timezone.localdate()
    start_of_day = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    due = (
        overdue_findings(today)
        .filter(visit__published_at__isnull=False)
        .exclude(reminded_at__gte=start_of_day)
        .select_related("visit__session__study_group")
    )
    count = 0
    for finding in due:
        with transaction.atomic():
            notify(
                users=list(group_accounts(finding.visit.session.study_group)),
                kind=OVERDUE,
                subject=_("Rectification overdue"),
                message=_("The rectification item “%(item)s” was due on %(due)s.")
                % {"item": finding.get_category_display(), "due": finding.deadline},
                target=finding,
                dedup_key=f"{OVERDUE}:{finding.pk}",
            )
            finding.reminded_at = timezone.now()
            finding.save(update_fields=["reminded_at", "updated_at"])
        count += 1
    return count
