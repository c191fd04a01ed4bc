"""Report jobs (one row per rendering asked for) and the narrative parts of the half-year summary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import AuditedModel, OrgUnit, Person, StudyGroup
from core.scoping import Scope

# Notification kinds (registered in apps.py).
JOB_DONE = "reports.job_done"
JOB_FAILED = "reports.job_failed"


class ReportKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Half-year summary and plan")
    YEAR_END = "year_end", _("Year-end audit pack")
    ARCHIVE = "archive", _("Study archive")
    BULLETIN = "bulletin", _("Inspection bulletin")


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", "XLSX"
    ZIP = "zip", "ZIP"


class ReportJob(AuditedModel):
    """One report asked for: what, by whom, how far it got, and the file it made (with size and SHA-256).

    A job is claimed by the task that renders it (a locked read, then save), so a task delivered twice
    renders once. While a job is queued or running, asking for the same report gives that job
    (``key`` is unique among them, in the database). Year-end packs are frozen: their file is kept past
    the retention and never rewritten; a new pack is a new job with the next ``version``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("report job", "Done")  # a need is 已办结, a report 已完成
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    format = models.CharField(_("format"), max_length=10, choices=ReportFormat.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), null=True, blank=True)
    org = models.ForeignKey(OrgUnit, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bulletin = models.ForeignKey(
        "reports.Bulletin",
        verbose_name=_("bulletin"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(max_length=64, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    # When the task was handed to the broker; empty while the broker could not be reached (the sweep sends it).
    dispatched_at = models.DateTimeField(_("sent to the worker at"), null=True, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=50, blank=True)
    runs = models.PositiveSmallIntegerField(default=0, editable=False)  # renderings started (services._claim)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_path = models.CharField(max_length=255, blank=True, editable=False)  # relative to MEDIA_ROOT
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    frozen = models.BooleanField(_("frozen"), default=False)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    file_removed_at = models.DateTimeField(_("file removed at"), null=True, blank=True)

    scope = Scope(unit="org", group=("study_group",), person="person")

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(status__in=["queued", "running"]), name="reportjob_one_active_per_key"
            ),
            models.UniqueConstraint(
                fields=["org", "year", "version"],
                condition=Q(kind="year_end", version__isnull=False),
                name="reportjob_one_pack_version",
            ),
            models.CheckConstraint(name="reportjob_progress_in_range", condition=Q(progress__lte=100)),
            models.CheckConstraint(
                name="reportjob_half_is_1_or_2", condition=Q(half__isnull=True) | Q(half__in=[1, 2])
            ),
        ]
        indexes = [models.Index(fields=["status", "dispatched_at"], name="reportjob_status_dispatch_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject_name} · {self.year}"

    def get_absolute_url(self):
        return reverse("reports:job_detail", args=[self.pk])

    @property
    def subject_name(self) -> str:
        if self.bulletin_id:
            return self.bulletin.title
        if self.person_id:
            return self.person.name
        if self.study_group_id:
            return self.study_group.name
        return self.org.name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def has_file(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file_path) and self.file_removed_at is None


class SummaryNarrative(AuditedModel):
    """The parts of a half-year summary people write (practices, problems and causes, the plan); the numbers
    beside them are computed when the summary is rendered. One per group (or per county) and half-year."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"))
    opening = models.TextField(_("opening"), blank=True)
    practices = models.TextField(_("good practices"), blank=True)
    research = models.TextField(_("research topics and results"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    plan = models.TextField(_("plan for the next half-year"), blank=True)

    scope = Scope(unit="org", group=("study_group",))

    class Meta:
        verbose_name = _("summary narrative")
        verbose_name_plural = _("summary narratives")
        ordering = ["-year", "-half"]
        constraints = [
            models.UniqueConstraint(
                fields=["study_group", "year", "half"],
                condition=Q(study_group__isnull=False),
                name="narrative_one_per_group_half",
            ),
            models.UniqueConstraint(
                fields=["org", "year", "half"], condition=Q(study_group__isnull=True), name="narrative_one_per_org_half"
            ),
            models.CheckConstraint(name="narrative_half_is_1_or_2", condition=Q(half__in=[1, 2])),
        ]

    def __str__(self):
        return f"{self.study_group or self.org} · {self.year} H{self.half}"


class Bulletin(AuditedModel):
    """An inspection bulletin (通报) of a county: drafted by staff, approved by a second person (never the
    author), then published with the next number of the county's yearly sequence and shown to the units
    below (Scope.released). Its numbers and lists come from a pluggable data function (reports.bulletins)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    org = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    body = models.TextField(_("body"), blank=True)
    praised = models.TextField(_("praised groups"), blank=True, help_text=_("One per line."))
    criticised = models.TextField(_("criticised groups"), blank=True, help_text=_("One per line."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    scope = Scope(unit="org", released="published_at", shared_down=True, editors=("staff",))

    class Meta:
        verbose_name = _("inspection bulletin")
        verbose_name_plural = _("inspection bulletins")
        ordering = ["-year", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "number"], condition=Q(number__isnull=False), name="bulletin_unique_number"
            ),
            models.CheckConstraint(
                name="bulletin_published_has_number",
                condition=~Q(status="published") | Q(number__isnull=False, published_at__isnull=False),
            ),
            models.CheckConstraint(
                name="bulletin_approver_not_author",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reports:bulletin_detail", args=[self.pk])

    def lines(self, field: str) -> list[str]:
        return [line.strip() for line in getattr(self, field).splitlines() if line.strip()]
