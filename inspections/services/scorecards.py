"""Scorecard templates: one per county and year, edited by staff until a visit is scored against it, then
kept as it was (core.versioning) while staff go on with a new version."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import policy
from core.models import OrgUnit, User
from core.versioning import TemplateLocked, new_version
from inspections.models import Criterion, ScoreTemplate
from inspections.services.plans import ensure

# The criteria the seed names for a sit-in (巡听旁听), out of 100, until a county has a scorecard of its own.
DEFAULT_CRITERIA = (
    ("学习主题突出", Decimal("15")),
    ("思想认识深刻", Decimal("15")),
    ("研讨交流聚焦", Decimal("15")),
    ("领导带头示范", Decimal("15")),
    ("发言质量", Decimal("15")),
    ("准备充分、材料齐全", Decimal("15")),
    ("记录规范、考勤严格", Decimal("10")),
)


@transaction.atomic
def template_create(*, county: OrgUnit, year: int, user: User) -> ScoreTemplate:
    """The county's scorecard for ``year``: a new version of that year's latest, else a copy of the county's
    most recent scorecard, else the default criteria."""
    ensure(user, policy.Action.CHANGE, ScoreTemplate)
    latest = ScoreTemplate.objects.filter(county=county, year=year).order_by("-version").first()
    if latest is not None:
        return new_version(latest, user=user)
    earlier = ScoreTemplate.objects.filter(county=county, year__lt=year).order_by("-year", "-version").first()
    template = ScoreTemplate(county=county, year=year, name=_("Sit-in scorecard"), version=1, created_by=user)
    template._history_user = user
    template.save()
    if earlier is not None:
        rows = [(c.name, c.weight, c.maximum) for c in earlier.criteria.all()]
    else:
        rows = [(name, Decimal("1"), maximum) for name, maximum in DEFAULT_CRITERIA]
    for order, (name, weight, maximum) in enumerate(rows, start=1):
        criterion = Criterion(template=template, name=name, weight=weight, maximum=maximum, order=order)
        criterion.created_by = user
        criterion._history_user = user
        criterion.save()
    return template


@transaction.atomic
def template_new_version(*, template: ScoreTemplate, user: User) -> ScoreTemplate:
    ensure(user, policy.Action.CHANGE, ScoreTemplate)
    return new_version(template, user=user)


@transaction.atomic
def criteria_save(*, template: ScoreTemplate, user: User, formset) -> None:
    """Save the edited, added and removed criteria of an unused template (each change in the history)."""
    ensure(user, policy.Action.CHANGE, ScoreTemplate)
    try:
        for form in formset.deleted_forms:
            if form.instance.pk:
                form.instance._history_user = user
                form.instance.delete()
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            criterion = form.save(commit=False)
            criterion.template = template
            if criterion.pk is None:
                criterion.created_by = user
            criterion._history_user = user
            criterion.save()
    except TemplateLocked as error:
        raise ValidationError(error.messages) from error
    if not template.criteria.exists():
        raise ValidationError(_("A scorecard needs at least one criterion."))
