"""What members do between sessions: self-study, research topics, articles, exam scores; and attachments."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Attachment, AuditedModel, Person, StudyGroup
from core.scoping import Scope

PERSON_SCOPE = dict(unit="person__unit", group=("person__memberships__study_group",), person="person")


class SelfStudy(AuditedModel):
    """A member's self-study (自学): date, material, hours, notes."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="self_studies")
    date = models.DateField(_("date"))
    material = models.CharField(_("material"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(**PERSON_SCOPE, editors=("staff", "secretary", "member"), private=True)

    class Meta:
        verbose_name = _("self-study")
        verbose_name_plural = _("self-study")
        ordering = ["-date"]
        # Newest first, a page at a time: the list walks this index and stops after 25 rows.
        indexes = [models.Index(fields=["date", "id"], name="selfstudy_date_pk_idx")]
        constraints = [models.CheckConstraint(name="selfstudy_hours_in_range", condition=Q(hours__gt=0, hours__lte=24))]

    def __str__(self):
        return f"{self.person} · {self.date} · {self.material}"


class ResearchTopic(AuditedModel):
    """A group's research topic (调研课题): assigned, researched, reported, and how its result was used."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        RESEARCHING = "researching", _("Researching")
        REPORTED = "reported", _("Reported")
        APPLIED = "applied", _("Result put to use")

    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="research_topics"
    )
    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(
        Person, verbose_name=_("led by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    report = models.TextField(_("report"), blank=True)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    application = models.TextField(_("how the result was put to use"), blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")

    scope = Scope(unit="study_group__unit", group=("study_group",))

    class Meta:
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")
        ordering = ["-assigned_on"]
        # Newest first, a page at a time: the list walks this index and stops after 25 rows.
        indexes = [models.Index(fields=["assigned_on", "id"], name="research_assigned_pk_idx")]

    def __str__(self):
        return self.title


class TheoryArticle(AuditedModel):
    """A theory article or research report (理论文章、调研报告) written by a member."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Theory article")
        REPORT = "report", _("Research report")
        ESSAY = "essay", _("Reflection essay")

    person = models.ForeignKey(Person, verbose_name=_("author"), on_delete=models.PROTECT, related_name="articles")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("title"), max_length=200)
    written_on = models.DateField(_("written on"))
    published_in = models.CharField(_("published in"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")

    scope = Scope(**PERSON_SCOPE, editors=("staff", "secretary", "member"))

    class Meta:
        verbose_name = _("theory article")
        verbose_name_plural = _("theory articles")
        ordering = ["-written_on"]
        # Newest first, a page at a time: the list walks this index and stops after 25 rows.
        indexes = [models.Index(fields=["written_on", "id"], name="article_written_pk_idx")]

    def __str__(self):
        return self.title


class ExamScore(AuditedModel):
    """A member's score in the annual theory exam for leading cadres."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="exam_scores")
    year = models.PositiveSmallIntegerField(_("year"))
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    exam_date = models.DateField(_("exam date"), null=True, blank=True)

    scope = Scope(**PERSON_SCOPE, private=True)

    class Meta:
        verbose_name = _("exam score")
        verbose_name_plural = _("exam scores")
        ordering = ["-year"]
        # The list's year choices (core.aggregates.years_with_rows): first and last year, then one row a year.
        indexes = [models.Index(fields=["year"], name="examscore_year_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="examscore_one_per_year"),
            models.CheckConstraint(name="examscore_in_range", condition=Q(score__gte=0, score__lte=100)),
        ]

    def __str__(self):
        return f"{self.person} · {self.year} · {self.score}"
