from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AuditedModel, OrgUnit, Person, StudyGroup
from core.scoping import Scope


class Plan(AuditedModel):
    """A plan of topics for a year (or a quarter): the region's arrangement as received by a county,
    the county's annual plan, or one group's annual or quarterly plan (time, content, place, people)."""

    class Level(models.TextChoices):
        ARRANGEMENT = "arrangement", _("Regional topic arrangement")
        COUNTY = "county", _("County annual plan")
        ANNUAL = "annual", _("Group annual plan")
        QUARTERLY = "quarterly", _("Group quarterly plan")

    GROUP_LEVELS = (Level.ANNUAL, Level.QUARTERLY)

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="plans")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(unit="unit", group=("study_group",), shared_down=True)

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        ordering = ["-year", "level", "quarter"]
        # The list's year choices (core.aggregates.years_with_rows): first and last year, then one row a year.
        indexes = [models.Index(fields=["year"], name="plan_year_idx")]
        constraints = [
            models.CheckConstraint(
                name="plan_quarter_only_for_quarterly",
                condition=(
                    Q(level="quarterly", quarter__gte=1, quarter__lte=4)
                    | (~Q(level="quarterly") & Q(quarter__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="plan_group_levels_have_group",
                condition=Q(level__in=["annual", "quarterly"], study_group__isnull=False)
                | (Q(level__in=["arrangement", "county"]) & Q(study_group__isnull=True)),
            ),
            models.UniqueConstraint(
                fields=["study_group", "year"], condition=Q(level="annual"), name="plan_one_annual_per_group"
            ),
            models.UniqueConstraint(
                fields=["study_group", "year", "quarter"],
                condition=Q(level="quarterly"),
                name="plan_one_quarterly_per_group",
            ),
        ]

    def __str__(self):
        return self.title


def topic_key(title: str) -> str:
    """One topic per title: whitespace does not make another topic (runs of any whitespace, the full-width
    space included, count as one space; none at either end)."""
    return " ".join(title.split())


class PlanTopic(AuditedModel):
    """One topic (专题) of a plan with its planned month, content, place and people (四明确)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="topics")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("topic"), max_length=200)
    # topic_key(title), kept by save(): coverage matches titles in SQL by it (selectors.stats.coverage_counts).
    # Writers that bypass save() (the demo's bulk rows) set it themselves.
    title_key = models.CharField(max_length=200, editable=False, default="")
    content = models.TextField(_("content"), blank=True)
    planned_month = models.PositiveSmallIntegerField(_("planned month"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    participants = models.CharField(_("people"), max_length=200, blank=True)

    scope = Scope(unit="plan__unit", group=("plan__study_group",), shared_down=True)

    class Meta:
        verbose_name = _("plan topic")
        verbose_name_plural = _("plan topics")
        ordering = ["plan", "order", "planned_month"]
        # The coverage counts (selectors.stats.coverage_counts) read a year's topics and the topics sessions
        # list from these alone (index-only), not from the wide rows.
        indexes = [
            models.Index(fields=["plan", "title_key", "planned_month"], name="plantopic_plan_key_idx"),
            models.Index(fields=["id", "title_key"], name="plantopic_pk_key_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="plantopic_month_in_range",
                condition=Q(planned_month__isnull=True) | Q(planned_month__gte=1, planned_month__lte=12),
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_key = topic_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_key"}
        super().save(*args, **kwargs)


class CoverageKey(models.Model):
    """One topic of a group's plans for a year (a ``PlanTopic.title_key`` of its annual and quarterly plans),
    with the month it is due (the earliest of its topics') and the start of the first session of the group in
    that calendar year listing a topic of that key (None: none yet). Derived, never entered: rebuilt per group
    and year by ``studygroups.coverage`` whenever a plan, a topic, a session or a session's topics change,
    so the coverage page counts every group's numbers from these few rows (``selectors.stats.coverage_counts``).
    """

    study_group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    title_key = models.CharField(max_length=200)
    due_month = models.PositiveSmallIntegerField()
    first_held_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "study_group", "title_key"], name="coveragekey_unique"),
        ]

    def __str__(self):
        return f"{self.study_group_id} {self.year} {self.title_key}"


class RequiredReading(AuditedModel):
    """An item of a year's required reading list (必学书目), set by a county for all its groups."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="required_readings"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    author = models.CharField(_("author"), max_length=100, blank=True)

    scope = Scope(unit="unit", shared_down=True, editors=("staff",))

    class Meta:
        verbose_name = _("required reading")
        verbose_name_plural = _("required readings")
        ordering = ["-year", "order", "title"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "title"], name="reading_unique_title_per_year")]

    def __str__(self):
        return self.title


class ReadingProgress(AuditedModel):
    """A member's progress through one required reading."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="readings")
    reading = models.ForeignKey(
        RequiredReading, verbose_name=_("reading"), on_delete=models.PROTECT, related_name="progress"
    )
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(
        unit="person__unit",
        group=("person__memberships__study_group",),
        person="person",
        editors=("staff", "secretary", "member"),
        private=True,
    )

    class Meta:
        verbose_name = _("reading progress")
        verbose_name_plural = _("reading progress")
        constraints = [models.UniqueConstraint(fields=["person", "reading"], name="readingprogress_unique")]

    def __str__(self):
        return f"{self.person} · {self.reading}"
