"""Sit-in inspection (巡听旁听): annual plans and their targets, scorecard templates, visits on real
sessions with scores and the observer summary, and the findings the inspected unit rectifies (以巡促改).

Who sees what (core.scoping): plans, targets and flags stay with the county (staff, inspectors, auditors);
a group never sees why it was chosen. Visits and findings reach the inspected group once staff publish
them (``released``); an inspector sees only the visits assigned to them (``assigned_only``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AuditedModel, OrgUnit, StudyGroup
from core.scoping import Scope
from core.versioning import LockedOnceUsed
from studygroups.models import StudySession


def default_key_visits() -> int:
    return settings.INSPECTION_KEY_VISITS


def default_routine_visits() -> int:
    return settings.INSPECTION_ROUTINE_VISITS


def default_routine_share() -> int:
    return settings.INSPECTION_ROUTINE_SHARE


def default_min_sessions() -> int:
    return settings.INSPECTION_MIN_SESSIONS


def default_min_attendance() -> int:
    return settings.INSPECTION_MIN_ATTENDANCE


def default_min_leader_attendance() -> int:
    return settings.INSPECTION_MIN_LEADER_ATTENDANCE


def default_max_late_share() -> int:
    return settings.INSPECTION_MAX_LATE_SHARE


def default_materials_days() -> int:
    return settings.INSPECTION_MATERIALS_DAYS


def default_summary_days() -> int:
    return settings.INSPECTION_SUMMARY_DAYS


class InspectionPlan(AuditedModel):
    """A county's annual inspection plan: its rule values, its targets, approved by staff."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    county = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    key_visits = models.PositiveSmallIntegerField(_("visits to a key target"), default=default_key_visits)
    routine_visits = models.PositiveSmallIntegerField(_("visits to a routine target"), default=default_routine_visits)
    routine_share = models.PositiveSmallIntegerField(
        _("share of other groups visited (%)"),
        default=default_routine_share,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    min_sessions = models.PositiveSmallIntegerField(_("sessions required last year"), default=default_min_sessions)
    min_attendance = models.PositiveSmallIntegerField(
        _("lowest attendance rate (%)"), default=default_min_attendance, validators=[MaxValueValidator(100)]
    )
    min_leader_attendance = models.PositiveSmallIntegerField(
        _("lowest leader attendance rate (%)"),
        default=default_min_leader_attendance,
        validators=[MaxValueValidator(100)],
    )
    max_late_share = models.PositiveSmallIntegerField(
        _("highest share of late records (%)"), default=default_max_late_share, validators=[MaxValueValidator(100)]
    )
    materials_days = models.PositiveSmallIntegerField(
        _("materials due working days before the session"), default=default_materials_days
    )
    summary_days = models.PositiveSmallIntegerField(
        _("summary due working days after the session"), default=default_summary_days
    )

    scope = Scope(unit="county", editors=("staff",))

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "county__name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="inspection_plan_one_per_county_year"),
            models.CheckConstraint(
                name="inspection_plan_approved_has_approver",
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
            ),
            models.CheckConstraint(name="inspection_plan_share_is_percent", condition=Q(routine_share__lte=100)),
        ]

    def __str__(self):
        return _("%(county)s inspection plan %(year)s") % {"county": self.county, "year": self.year}

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.pk])

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class VisitKind(models.TextChoices):
    KEY = "key", _("Key sit-in")
    ROUTINE = "routine", _("Routine patrol")


class PlanTarget(AuditedModel):
    """A group the plan visits, key or routine, with the reasons it was proposed; withdrawn, never deleted."""

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="targets")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="inspection_targets"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices, default=VisitKind.ROUTINE)
    planned_visits = models.PositiveSmallIntegerField(_("planned visits"), default=1)
    reasons = models.TextField(_("reasons"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)

    # Groups do not see targets: the reasons a group was chosen stay with the county.
    scope = Scope(unit="study_group__unit", editors=("staff",))

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "kind", "study_group__unit__path", "study_group__unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "study_group"], name="plan_target_one_per_group"),
            models.CheckConstraint(
                name="plan_target_withdrawal_has_reason",
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.study_group} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.plan_id])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AttentionFlag(AuditedModel):
    """Staff's note that a group paid little attention to study, with the reason: a key-target candidate."""

    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="attention_flags"
    )
    year = models.PositiveSmallIntegerField(_("for the plan of year"))
    reason = models.CharField(_("reason"), max_length=200)

    scope = Scope(unit="study_group__unit", editors=("staff",))

    class Meta:
        verbose_name = _("low-attention flag")
        verbose_name_plural = _("low-attention flags")
        ordering = ["-year", "study_group"]
        constraints = [models.UniqueConstraint(fields=["study_group", "year"], name="attention_flag_one_per_year")]

    def __str__(self):
        return f"{self.study_group} · {self.year}"


class ScoreTemplate(LockedOnceUsed, AuditedModel):
    """A county's scorecard for a year: criteria with weights and maxima. Locked once a visit uses it."""

    county = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"), default=1)

    used_by = ("visits",)
    parts = ("criteria",)
    version_of = ("county", "year")
    scope = Scope(unit="county", editors=("staff",))

    class Meta:
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "version"], name="score_template_unique_version")
        ]

    def __str__(self):
        return f"{self.name} ({self.year} v{self.version})"

    @property
    def max_total(self) -> Decimal:
        return sum((c.weight * c.maximum for c in self.criteria.all()), Decimal("0"))


class Criterion(LockedOnceUsed, AuditedModel):
    """One line of a scorecard: scored 0 to ``maximum``; it adds ``weight`` × score to the total."""

    template = models.ForeignKey(
        ScoreTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=Decimal("1"))
    maximum = models.DecimalField(_("maximum"), max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    part_of = "template"
    scope = Scope(unit="template__county", editors=("staff",))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["template", "order", "pk"]
        constraints = [
            models.CheckConstraint(name="criterion_positive_maximum", condition=Q(maximum__gt=0)),
            models.CheckConstraint(name="criterion_positive_weight", condition=Q(weight__gt=0)),
        ]

    def __str__(self):
        return self.name


class Visit(AuditedModel):
    """A sit-in on one real session of a target group, by one or more inspectors.

    Its deadlines are kept in working days from the session's day and recomputed when the session moves.
    """

    target = models.ForeignKey(
        PlanTarget, verbose_name=_("plan target"), on_delete=models.PROTECT, related_name="visits"
    )
    session = models.ForeignKey(
        StudySession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="inspection_visits"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind.choices)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="inspection_visits"
    )
    template = models.ForeignKey(
        ScoreTemplate, verbose_name=_("scorecard"), on_delete=models.PROTECT, related_name="visits"
    )
    # The session's start when the deadlines were computed: a move of the session shows as a difference.
    session_starts_at = models.DateTimeField(_("session starts at"), editable=False)
    materials_due = models.DateField(_("materials due"), editable=False)
    summary_due = models.DateField(_("summary due"), editable=False)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, editable=False)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2, null=True, blank=True, editable=False)
    max_total = models.DecimalField(
        _("full score"), max_digits=7, decimal_places=2, null=True, blank=True, editable=False
    )
    overall = models.TextField(_("overall assessment"), blank=True)
    highlights = models.TextField(_("highlights"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    summary_at = models.DateTimeField(_("summary submitted at"), null=True, blank=True, editable=False)
    summary_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    scope = Scope(
        unit="session__study_group__unit",
        group=("session__study_group",),
        editors=("staff",),
        when="session__starts_at",
        assigned="inspectors",
        assigned_only=("inspector",),
        released="published_at",
    )
    _history_m2m_fields = ["inspectors"]

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-session_starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["target", "session"], name="visit_one_per_target_session"),
            models.CheckConstraint(
                name="visit_published_after_scoring",
                condition=Q(published_at__isnull=True) | Q(scored_at__isnull=False),
            ),
            models.CheckConstraint(
                name="visit_total_within_full_score",
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=models.F("max_total")),
            ),
        ]
        indexes = [
            models.Index(fields=["summary_due"], name="visit_summary_due_idx"),
            # The visits list, newest first: walked backwards, it stops after a page instead of sorting all.
            models.Index(fields=["session_starts_at", "id"], name="visit_start_pk_idx"),
        ]

    def __str__(self):
        return f"{self.session.study_group} · {timezone.localtime(self.session_starts_at):%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("inspections:visit_detail", args=[self.pk])

    @property
    def is_scored(self) -> bool:
        return self.scored_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def total_percent(self) -> Decimal | None:
        if self.total is None or not self.max_total:
            return None
        return (self.total * 100 / self.max_total).quantize(Decimal("0.1"))

    def summary_is_late(self, today: datetime.date | None = None) -> bool:
        """Submitted after its due day, or still missing once the due day has passed."""
        if self.summary_at is not None:
            return timezone.localdate(self.summary_at) > self.summary_due
        return (today or timezone.localdate()) > self.summary_due


class Score(AuditedModel):
    """One criterion's score on a visit (0 to the criterion's maximum, checked by the service)."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1)

    scope = Scope(
        unit="visit__session__study_group__unit",
        group=("visit__session__study_group",),
        editors=("inspector",),
        assigned="visit__inspectors",
        assigned_only=("inspector",),
        released="visit__published_at",
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["visit", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(name="score_not_negative", condition=Q(value__gte=0)),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class Finding(AuditedModel):
    """A problem found on a visit, to rectify (以巡促改): open → answered → closed, or sent back and answered again."""

    class Category(models.TextChoices):
        TOPIC = "topic", _("Topic not prominent")
        DEPTH = "depth", _("Thinking not deep")
        FOCUS = "focus", _("Discussion not focused")
        LEADERS = "leaders", _("Leaders not taking the lead")
        SPEECHES = "speeches", _("Speeches of poor quality")
        PREPARATION = "preparation", _("Poor preparation and materials")
        DISCIPLINE = "discipline", _("Records and attendance discipline")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("To rectify")
        ANSWERED = "answered", _("Answered, to verify")
        RETURNED = "returned", _("Sent back")
        CLOSED = "closed", _("Closed")

    # States in which the unit still owes an answer (overdue after the deadline).
    OWED = (Status.OPEN, Status.RETURNED)

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("problem"))
    advice = models.TextField(_("rectification advice"))
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("what was done"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for sending back"), blank=True)
    times_returned = models.PositiveSmallIntegerField(_("times sent back"), default=0, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope = Scope(
        unit="visit__session__study_group__unit",
        group=("visit__session__study_group",),
        editors=("staff", "inspector", "secretary"),
        when="visit__session__starts_at",
        assigned="visit__inspectors",
        assigned_only=("inspector",),
        released="visit__published_at",
    )

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                name="finding_closed_has_verifier",
                # (the verifier is set by the service; an account deleted later leaves the time)
                condition=~Q(status="closed") | Q(verified_at__isnull=False),
            ),
            models.CheckConstraint(
                name="finding_answered_has_answer",
                condition=~Q(status__in=["answered", "closed"]) | Q(answered_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="finding_status_deadline_idx")]

    def __str__(self):
        return f"{self.get_category_display()} · {self.visit.session.study_group}"

    def get_absolute_url(self):
        return reverse("inspections:finding_detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status in self.OWED and (today or timezone.localdate()) > self.deadline
