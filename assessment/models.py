"""Annual assessment (年度考核): a county's scheme for a year, the results computed from the records, the
adjustments staff make with a reason, and the published snapshot the groups then see.

Who sees what (core.scoping): schemes and runs belong to the county (staff write them, auditors read them);
a group's result reaches its secretary and members only once staff publish the run (``released``), and
then only their own row. Values are stored when computed and never recomputed on read: a published run is
the snapshot of the numbers as they stood at its cut-off.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AuditedModel, OrgUnit, StudyGroup
from core.registry import indicator_source
from core.scoping import Scope
from core.versioning import LockedOnceUsed


class Scheme(LockedOnceUsed, AuditedModel):
    """A county's assessment scheme for a year: indicators with weights, targets and rules, a pass threshold.

    Locked once a run uses it (core.versioning): results computed against it must keep meaning what they
    meant, so staff make a new version instead."""

    county = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    pass_threshold = models.DecimalField(
        _("pass threshold"), max_digits=5, decimal_places=2, default=Decimal("60"), validators=[MinValueValidator(0)]
    )

    used_by = ("runs",)
    parts = ("indicators",)
    version_of = ("county", "year")
    scope = Scope(unit="county", editors=("staff",))

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "version"], name="scheme_unique_version"),
            models.CheckConstraint(name="scheme_threshold_not_negative", condition=Q(pass_threshold__gte=0)),
        ]

    def __str__(self):
        return f"{self.name} ({self.year} v{self.version})"

    def get_absolute_url(self):
        return reverse("assessment:scheme_detail", args=[self.pk])

    @property
    def full_score(self) -> Decimal:
        return sum((i.weight for i in self.indicators.all()), Decimal("0"))


class Rule(models.TextChoices):
    # weight × value / target, capped at the full weight (no target: the value itself is a percentage)
    PROPORTIONAL = "proportional", _("Proportional to the target, capped at the weight")
    # the full weight once the value reaches the target, else nothing
    ALL_OR_NOTHING = "all_or_nothing", _("Full weight at the target, else none")


class Missing(models.TextChoices):
    # A measure with no value (a rate over no sessions, a group never visited) ...
    ZERO = "zero", _("Scores nothing")  # ... counts as nothing done
    SKIP = "skip", _("Left out of the total")  # ... is left out, like an indicator that does not apply


class SchemeIndicator(LockedOnceUsed, AuditedModel):
    """One line of a scheme: which registered measure (core.registry.indicator_sources), its weight, target
    and scoring rule, and the measure's settings (``params``: which session kinds count, say)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="indicators")
    source = models.CharField(_("measure"), max_length=80)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("scoring rule"), max_length=20, choices=Rule.choices, default=Rule.PROPORTIONAL)
    missing = models.CharField(_("without a value"), max_length=10, choices=Missing.choices, default=Missing.ZERO)
    params = models.JSONField(_("settings"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    part_of = "scheme"
    scope = Scope(unit="scheme__county", editors=("staff",))

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "source"], name="scheme_indicator_one_per_source"),
            models.CheckConstraint(name="scheme_indicator_positive_weight", condition=Q(weight__gt=0)),
            models.CheckConstraint(
                name="scheme_indicator_positive_target", condition=Q(target__isnull=True) | Q(target__gt=0)
            ),
        ]

    def __str__(self):
        return str(self.label)

    @property
    def registered(self):
        return indicator_source(self.source)

    @property
    def label(self):
        source = self.registered
        return source.label if source else self.source

    @property
    def unit(self):
        source = self.registered
        return source.unit if source else ""

    def full_params(self) -> dict:
        source = self.registered
        return {**(source.default_params if source else {}), **(self.params or {})}

    def params_display(self) -> list[tuple[str, str]]:
        """The settings for people: ``[(param label, chosen labels joined by 、)]``, choice params only (the
        measure's ``param_choices``); other settings are the measure's own and not shown."""
        source = self.registered
        if source is None:
            return []
        params, shown = self.full_params(), []
        for name, choices in source.param_choices.items():
            labels = dict(choices())
            chosen = [str(labels.get(value, value)) for value in params.get(name) or []]
            shown.append((str(source.param_labels.get(name, name)), "、".join(chosen)))
        return shown


class Run(AuditedModel):
    """One computation of a county's year against a scheme at a cut-off time. Staff may compute again until
    one run of the year is published; the newest run is the current one, older ones stay as they were."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="runs")
    county = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    cutoff = models.DateTimeField(_("records as of"))
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

    # Groups read a published run of their county (their own row of it: Result's scope).
    scope = Scope(unit="county", editors=("staff",), shared_down=True, released="published_at")

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-year", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"],
                condition=Q(published_at__isnull=False),
                name="run_one_published_per_county_year",
            )
        ]

    def __str__(self):
        return _("%(county)s assessment %(year)s") % {"county": self.county, "year": self.year}

    def get_absolute_url(self):
        return reverse("assessment:run_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Result(AuditedModel):
    """A group's row of a run: each indicator's value and score (``lines``), the total, ranks and pass.

    ``lines`` maps the SchemeIndicator id (a string) to ``{"value": "12", "score": "12.00"}``; ``score`` is
    None where the indicator does not apply to the group or is left out for want of a value."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="results")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="assessment_results"
    )
    unit_kind = models.CharField(_("unit kind"), max_length=20, choices=OrgUnit.Kind.choices)
    lines = models.JSONField(_("indicators"), default=dict)
    score = models.DecimalField(_("score from the records"), max_digits=7, decimal_places=2)
    adjustment = models.DecimalField(_("adjustment"), max_digits=7, decimal_places=2, default=Decimal("0"))
    # The adjustments counted, as they stood: [{"points": "-2", "reason": "...", "by": "...", "at": "..."}].
    adjustments = models.JSONField(_("adjustments and reasons"), default=list, blank=True)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank in the county"))
    kind_rank = models.PositiveIntegerField(_("rank among its unit kind"))
    passed = models.BooleanField(_("passed"))

    scope = Scope(unit="study_group__unit", group=("study_group",), editors=("staff",), released="run__published_at")

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["run", "rank", "study_group__unit__path", "study_group__unit__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "study_group"], name="result_one_per_group_and_run"),
            models.CheckConstraint(name="result_ranks_positive", condition=Q(rank__gte=1, kind_rank__gte=1)),
        ]

    def __str__(self):
        return f"{self.study_group} · {self.run.year}"

    def get_absolute_url(self):
        return reverse("assessment:result_detail", args=[self.pk])


class Adjustment(AuditedModel):
    """Points staff add to or take from a group's year, with the reason (mandatory): counted by every run of
    that year computed after it, and shown beside the score. Groups read them on their published row."""

    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="assessment_adjustments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("reason"))

    # Groups do not read the live rows: their published result carries the adjustments it counted.
    scope = Scope(unit="study_group__unit", editors=("staff",))

    class Meta:
        verbose_name = _("assessment adjustment")
        verbose_name_plural = _("assessment adjustments")
        ordering = ["year", "study_group", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="adjustment_has_reason", condition=~Q(reason="")),
            models.CheckConstraint(name="adjustment_not_zero", condition=~Q(points=0)),
        ]

    def __str__(self):
        return f"{self.study_group} · {self.year} · {self.points:+}"


class RunComparison(AuditedModel):
    """A recompute diff of a run, computed in the background (assessment.tasks) and stored: the diff page
    shows the latest one instead of reading the whole county in the request. ``data`` holds what the page
    shows, as plain values (services.diff_data)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("report job", "Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE, related_name="comparisons")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    data = models.JSONField(_("comparison"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    scope = Scope(unit="run__county", editors=("staff",))

    class Meta:
        verbose_name = _("assessment comparison")
        verbose_name_plural = _("assessment comparisons")
        ordering = ["run", "-requested_at", "-pk"]
        constraints = [
            # A double click queues one computation: one queued or running comparison per run.
            models.UniqueConstraint(
                fields=["run"], condition=Q(status__in=["queued", "running"]), name="runcomparison_one_active_per_run"
            )
        ]
        indexes = [models.Index(fields=["run", "-requested_at"], name="runcomparison_run_newest_idx")]

    def __str__(self):
        return f"{self.run} · {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
