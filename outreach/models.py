"""Exchange and outreach (城乡互动学): township pairing and exchange visits, themed party days at branches with
household visits, the three asks and practical things for the people, and the online learning column."""

import datetime
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Attachment, AuditedModel, OrgUnit, Person, StudyGroup
from core.scoping import Scope
from studygroups.models import PlanTopic, RequiredReading, SelfStudy, StudySession

# ---------------------------------------------------------------------------------------------------------------
# Pairing (乡镇结对) and exchange visits (三看一听一分享)


class Pairing(AuditedModel):
    """Two groups paired for a year: a department with a township, or two townships.

    The pair is stored in id order (``group_a`` < ``group_b``), so the database refuses a group paired with
    itself and the same pair twice in a year. One active pair per group and year is held by PairingSide."""

    year = models.PositiveSmallIntegerField(_("year"))
    group_a = models.ForeignKey(
        StudyGroup, verbose_name=_("first group"), on_delete=models.PROTECT, related_name="pairings_as_a"
    )
    group_b = models.ForeignKey(
        StudyGroup, verbose_name=_("second group"), on_delete=models.PROTECT, related_name="pairings_as_b"
    )
    is_active = models.BooleanField(_("active"), default=True)
    extra_allowed = models.BooleanField(
        _("allowed beside another pair"),
        default=False,
        help_text=_("Propaganda staff may let a group have more than one active pair in a year."),
    )
    notes = models.TextField(_("notes"), blank=True)

    scope = Scope(unit="group_a__unit", group=("group_a", "group_b"), editors=("staff",))

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-year", "group_a__unit__name", "pk"]
        constraints = [
            # Stored in id order: this also refuses a group paired with itself.
            models.CheckConstraint(name="pairing_not_self", condition=Q(group_a__lt=F("group_b"))),
            models.UniqueConstraint(fields=["year", "group_a", "group_b"], name="pairing_unique_pair_per_year"),
        ]

    def __str__(self):
        return f"{self.year} {self.group_a.unit.name} ⇄ {self.group_b.unit.name}"

    def get_absolute_url(self):
        return reverse("outreach:pairing_detail", args=[self.pk])

    def other(self, group_id: int) -> StudyGroup:
        return self.group_b if group_id == self.group_a_id else self.group_a


class PairingSide(AuditedModel):
    """One group's side of a pairing, kept by the pairing service: a group has one counted (active, not
    allowed beside another) side per year, which a unique index holds even under concurrent saves."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="sides")
    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="pairing_sides"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    counted = models.BooleanField(_("counts as the group's pair"), default=True)

    scope = Scope(unit="study_group__unit", group=("study_group",), editors=("staff",))

    class Meta:
        verbose_name = _("pairing side")
        verbose_name_plural = _("pairing sides")
        constraints = [
            models.UniqueConstraint(fields=["pairing", "study_group"], name="pairingside_unique_group"),
            models.UniqueConstraint(
                fields=["study_group", "year"], condition=Q(counted=True), name="pairingside_one_active_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.study_group} · {self.year}"


class ExchangeVisit(AuditedModel):
    """A visit of one group of a pair to the other (三看一听一分享), held as a session of each group."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="visits")
    host_group = models.ForeignKey(
        StudyGroup, verbose_name=_("host group"), on_delete=models.PROTECT, related_name="hosted_visits"
    )
    guest_group = models.ForeignKey(
        StudyGroup, verbose_name=_("visiting group"), on_delete=models.PROTECT, related_name="guest_visits"
    )
    title = models.CharField(_("subject"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=100)
    # The checklist: three looks, one listen, one share; then the discussion.
    methods_seen = models.TextField(_("work methods, mechanisms and highlights seen"), blank=True)
    atmosphere = models.TextField(_("work atmosphere felt"), blank=True)
    archives_read = models.TextField(_("archives read"), blank=True)
    report_heard = models.TextField(_("report heard"), blank=True)
    experience_shared = models.TextField(_("experience shared"), blank=True)
    takeaways = models.TextField(_("discussion and takeaways"), blank=True)
    host_session = models.OneToOneField(
        StudySession,
        verbose_name=_("host session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_exchange",
        editable=False,
    )
    guest_session = models.OneToOneField(
        StudySession,
        verbose_name=_("visitors' session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guest_exchange",
        editable=False,
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    scope = Scope(unit="pairing__group_a__unit", group=("host_group", "guest_group"), when="starts_at")

    class Meta:
        verbose_name = _("exchange visit")
        verbose_name_plural = _("exchange visits")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(name="visit_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(name="visit_two_sides", condition=~Q(host_group=F("guest_group"))),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("outreach:visit_detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


# ---------------------------------------------------------------------------------------------------------------
# Themed party days (主题党日) at branches, household visits and coverage


def _branch_scope(**extra) -> Scope:
    # A branch's records are kept by the secretary of the township or department it belongs to.
    return Scope(unit="branch", group=("branch__parent__study_group",), **extra)


class BranchHouseholds(AuditedModel):
    """How many households a village or community branch serves in a year (for household coverage)."""

    branch = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="households")
    year = models.PositiveSmallIntegerField(_("year"))
    households = models.PositiveIntegerField(_("households"))

    scope = _branch_scope()

    class Meta:
        verbose_name = _("branch households")
        verbose_name_plural = _("branch households")
        ordering = ["-year", "branch__name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="branchhouseholds_one_per_year"),
            models.CheckConstraint(name="branchhouseholds_positive", condition=Q(households__gt=0)),
        ]

    def __str__(self):
        return f"{self.branch} · {self.year} · {self.households}"


class PartyDay(AuditedModel):
    """A branch's monthly themed party day: the required reading studied, the stories chosen, and the
    household visits afterwards, by whom."""

    branch = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="party_days")
    held_on = models.DateField(_("held on"))
    theme = models.CharField(_("theme"), max_length=200)
    reading = models.ForeignKey(
        RequiredReading,
        verbose_name=_("required reading studied"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_days",
    )
    stories = models.TextField(_("stories chosen"), blank=True)
    households_by_work_team = models.PositiveIntegerField(_("households visited by the village work team"), default=0)
    households_by_first_secretary = models.PositiveIntegerField(
        _("households visited by the first secretary"), default=0
    )
    households_by_members = models.PositiveIntegerField(_("households visited by party members"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")

    scope = _branch_scope(when="held_on")

    class Meta:
        verbose_name = _("themed party day")
        verbose_name_plural = _("themed party days")
        ordering = ["-held_on", "branch__name"]
        constraints = [models.UniqueConstraint(fields=["branch", "held_on"], name="partyday_one_per_branch_day")]
        # A year's party days (coverage counts, the years that have any) and the list, newest first. The
        # counts' columns ride along: a prefecture's year of party days is counted from the index alone.
        indexes = [
            models.Index(
                fields=["held_on", "id"],
                include=[
                    "branch",
                    "households_by_work_team",
                    "households_by_first_secretary",
                    "households_by_members",
                ],
                name="partyday_held_counts_idx",
            )
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.branch} · {self.theme}"

    def get_absolute_url(self):
        return reverse("outreach:partyday_detail", args=[self.pk])

    @property
    def households_visited(self) -> int:
        return self.households_by_work_team + self.households_by_first_secretary + self.households_by_members


# ---------------------------------------------------------------------------------------------------------------
# The three asks (问政于民、问计于民、问需于民) and practical things for the people (为民办实事)


class Need(AuditedModel):
    """What residents raised, followed to done (or closed with a reason)."""

    class Ask(models.TextChoices):
        GOVERNANCE = "governance", _("Asking the people about governance")
        IDEAS = "ideas", _("Asking the people for ideas")
        NEEDS = "needs", _("Asking the people about their needs")

    class Category(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Roads, water and power")
        LIVELIHOOD = "livelihood", _("Employment and income")
        HEALTH = "health", _("Health and elderly care")
        EDUCATION = "education", _("Education")
        ENVIRONMENT = "environment", _("Environment and sanitation")
        SAFETY = "safety", _("Safety and disputes")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")

    PENDING = (Status.OPEN, Status.IN_PROGRESS)

    branch = models.ForeignKey(OrgUnit, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="needs")
    party_day = models.ForeignKey(
        PartyDay,
        verbose_name=_("raised at the party day"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    ask = models.CharField(_("raised in"), max_length=20, choices=Ask.choices, default=Ask.NEEDS)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    place = models.CharField(_("place"), max_length=100)
    description = models.TextField(_("what was raised"))
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("to be done by"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    handled_by = models.CharField(_("handled by"), max_length=100, blank=True)
    started_on = models.DateField(_("work started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.TextField(_("what was done"), blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("overdue reminder sent at"), null=True, blank=True, editable=False)
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")

    scope = _branch_scope(when="raised_on")

    class Meta:
        verbose_name = _("raised need")
        verbose_name_plural = _("raised needs")
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="need_due_after_raised", condition=Q(due_on__gte=F("raised_on"))),
            models.CheckConstraint(
                name="need_done_has_date_and_result",
                condition=~Q(status="done") | (Q(done_on__isnull=False) & ~Q(result="")),
            ),
            models.CheckConstraint(name="need_closed_has_reason", condition=~Q(status="closed") | ~Q(close_reason="")),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="need_status_due_idx"),
            # A year's needs counted per branch from the index alone (coverage), and the list, newest first.
            models.Index(
                fields=["raised_on", "id"],
                include=["branch", "status", "done_on", "due_on"],
                name="need_raised_counts_idx",
            ),
        ]

    def __str__(self):
        return f"{self.branch} · {self.get_category_display()} · {self.description[:30]}"

    def get_absolute_url(self):
        return reverse("outreach:need_detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in self.PENDING and self.due_on < today

    @property
    def done_on_time(self) -> bool:
        return self.status == self.Status.DONE and self.done_on <= self.due_on


# ---------------------------------------------------------------------------------------------------------------
# The online learning column (网络媒体)


class Column(AuditedModel):
    """A column of the county's online learning (理论政策热点面对面, 微讲堂...)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("county"), on_delete=models.PROTECT, related_name="columns")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)

    scope = Scope(unit="unit", shared_down=True, editors=("staff",))

    class Meta:
        verbose_name = _("learning column")
        verbose_name_plural = _("learning columns")
        ordering = ["unit__name", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="column_unique_name")]

    def __str__(self):
        return self.name


class Post(AuditedModel):
    """A post of a column: sanitised rich text or a link, the reading items and plan topics it serves."""

    column = models.ForeignKey(Column, verbose_name=_("column"), on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), blank=True)
    published_on = models.DateField(_("published on"))
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Separated by commas."))
    required = models.BooleanField(_("required study"), default=False)
    readings = models.ManyToManyField(
        RequiredReading, verbose_name=_("required reading served"), blank=True, related_name="posts"
    )
    topics = models.ManyToManyField(PlanTopic, verbose_name=_("plan topics served"), blank=True, related_name="posts")

    scope = Scope(unit="column__unit", shared_down=True, editors=("staff",))

    class Meta:
        verbose_name = _("learning post")
        verbose_name_plural = _("learning posts")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["column", "published_on"], name="post_column_day_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("outreach:post_detail", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.replace("，", ",").split(",") if tag.strip()]


class PostStudy(AuditedModel):
    """A member studied a post: once per person and post (the database holds it), with its self-study entry."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="studies")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="post_studies")
    studied_at = models.DateTimeField(_("studied at"), default=timezone.now)
    self_study = models.OneToOneField(
        SelfStudy, verbose_name=_("self-study"), on_delete=models.PROTECT, related_name="post_study"
    )

    scope = Scope(
        unit="person__unit",
        group=("person__memberships__study_group",),
        person="person",
        editors=("staff", "secretary", "member"),
        private=True,
    )

    class Meta:
        verbose_name = _("post studied")
        verbose_name_plural = _("posts studied")
        ordering = ["-studied_at"]
        constraints = [models.UniqueConstraint(fields=["post", "person"], name="poststudy_once_per_person")]

    def __str__(self):
        return f"{self.person} · {self.post}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class FeedToken(AuditedModel):
    """A personal secret for reading the columns' Atom feeds without signing in; renewing it retires the old
    link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(_("secret"), max_length=64, unique=True, default=new_feed_token)

    # Personal: only its owner reaches it (the scope's person is the account's person).
    scope = Scope(unit="user__scope_unit", person="user__person", private=True, editors=())

    class Meta:
        verbose_name = _("feed link")
        verbose_name_plural = _("feed links")

    def __str__(self):
        return str(self.user)
