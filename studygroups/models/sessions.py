import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.models import Attachment, AuditedModel, Person, StudyGroup
from core.scoping import Scope
from studygroups.models.plans import PlanTopic


def entered_late(entered_at: datetime.datetime | None, session_start: datetime.datetime) -> bool:
    """A record entered more than LATE_ENTRY_DAYS after its session's day is a late entry."""
    if entered_at is None:
        return False
    days = (timezone.localdate(entered_at) - timezone.localdate(session_start)).days
    return days > settings.LATE_ENTRY_DAYS


def default_notice_days() -> int:
    return settings.SESSION_NOTICE_DAYS


class StudySession(VersionedModel, AuditedModel):
    """One concentrated study session (集中学习) of a group: when, where, what, who spoke, the record."""

    class Kind(models.TextChoices):
        CONCENTRATED = "concentrated", _("Concentrated study")
        SEMINAR = "seminar", _("Topic seminar")
        LECTURE = "lecture", _("Expert lecture")
        COURSEWARE = "courseware", _("Courseware")
        PARTY_DAY = "party_day", _("Themed party day")
        ONLINE = "online", _("Online study")
        EXCHANGE = "exchange", _("Exchange visit")

    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="sessions"
    )
    title = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CONCENTRATED)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=100)
    topics = models.ManyToManyField(
        PlanTopic, verbose_name=_("plan topics covered"), blank=True, related_name="sessions"
    )
    host = models.ForeignKey(
        Person, verbose_name=_("host"), on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_sessions"
    )
    materials = models.TextField(_("materials"), blank=True)
    # When the materials were first entered (inspections check "five working days before" against it).
    # Set once, by the session service, and never moved: clearing and refilling the materials keeps the
    # first time, and the history shows the clearing.
    materials_entered_at = models.DateTimeField(_("materials first entered at"), null=True, blank=True, editable=False)
    record = models.TextField(_("written record"), blank=True)
    record_entered_at = models.DateTimeField(_("record entered at"), null=True, blank=True, editable=False)
    record_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("record entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    work_problems = models.TextField(_("work problems addressed"), blank=True)
    outcomes = models.TextField(_("what came of them"), blank=True)
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")
    notice_days = models.PositiveSmallIntegerField(_("send the notice days before"), default=default_notice_days)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True, editable=False)
    record_reminder_sent_at = models.DateTimeField(_("record reminder sent at"), null=True, blank=True, editable=False)
    # One per submitted form, so a double click stores one session.
    submission_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    scope = Scope(unit="study_group__unit", group=("study_group",), person=None, when="starts_at")
    # The covered topics are part of the session's history too (read by the inherited HistoricalRecords).
    _history_m2m_fields = ["topics"]

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(name="session_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at")))
        ]
        indexes = [
            models.Index(fields=["study_group", "starts_at"], name="session_group_start_idx"),
            # Newest first, a page at a time: the list walks this index and stops after 25 rows.
            models.Index(fields=["starts_at", "id"], name="session_start_pk_idx"),
            # A year's sessions with their group, read from the index alone (the plan coverage counts; with the
            # record's entry time, the dashboard's sessions held, scheduled and recorded late).
            models.Index(
                fields=["starts_at", "study_group", "id"], include=["record_entered_at"], name="session_start_group_idx"
            ),
            # The sessions with no written record yet (a few, the wide records left out): the dashboard's count
            # of records overdue reads the index alone.
            models.Index(
                fields=["starts_at", "study_group", "id"],
                include=["ends_at"],
                condition=Q(record=""),
                name="session_no_record_idx",
            ),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("studygroups:session_detail", args=[self.pk])

    @property
    def day(self) -> datetime.date:
        return timezone.localdate(self.starts_at)

    @property
    def is_future(self) -> bool:
        return self.starts_at > timezone.now()

    @property
    def record_is_late(self) -> bool:
        return entered_late(self.record_entered_at, self.starts_at)


class Speech(AuditedModel):
    """Who spoke on what at a session (发言), lead speakers (中心发言人) marked."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="speeches"
    )
    person = models.ForeignKey(Person, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="speeches")
    topic = models.CharField(_("topic of the speech"), max_length=200)
    gist = models.TextField(_("gist"), blank=True)
    is_lead = models.BooleanField(_("lead speaker"), default=False)

    scope = Scope(
        unit="session__study_group__unit", group=("session__study_group",), person="person", when="session__starts_at"
    )

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["session", "-is_lead", "pk"]

    def __str__(self):
        return f"{self.person}: {self.topic}"

    @property
    def is_late_entry(self) -> bool:
        return entered_late(self.created_at, self.session.starts_at)


class Attendance(AuditedModel):
    """One member's attendance at one session; leave owes a make-up study (补学) until recorded."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        LEAVE = "leave", _("On leave")
        ABSENT = "absent", _("Absent")

    class Method(models.TextChoices):
        MANUAL = "manual", _("Marked by the secretary")
        QR = "qr", _("QR check-in")

    session = models.ForeignKey(
        StudySession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    method = models.CharField(_("how recorded"), max_length=10, choices=Method.choices, default=Method.MANUAL)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    makeup_done_on = models.DateField(_("make-up study done on"), null=True, blank=True)
    makeup_notes = models.TextField(_("make-up study notes"), blank=True)

    scope = Scope(
        unit="session__study_group__unit", group=("session__study_group",), person="person", when="session__starts_at"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_unique_person_session"),
            models.CheckConstraint(name="attendance_leave_has_reason", condition=~Q(status="leave") | ~Q(reason="")),
        ]
        indexes = [
            # Make-ups owed (the dashboards' count) are a few rows among all attendance: read them directly,
            # from the index alone (their person is matched to the group's members on the session's day).
            models.Index(
                fields=["session", "person"],
                include=["id"],
                condition=Q(status="leave", makeup_done_on__isnull=True),
                name="attendance_open_leave_idx",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_status_display()}"

    @property
    def owes_makeup(self) -> bool:
        return self.status == self.Status.LEAVE and self.makeup_done_on is None

    @property
    def is_late_entry(self) -> bool:
        return entered_late(self.created_at, self.session.starts_at)


class Reflection(AuditedModel):
    """A member's reflection (心得体会) on a session they attended: text and an optional file."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="reflections"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="reflections")
    text = models.TextField(_("reflection"))
    attachments = GenericRelation(Attachment, content_type_field="owner_type", object_id_field="owner_id")

    scope = Scope(
        unit="session__study_group__unit",
        group=("session__study_group",),
        person="person",
        editors=("staff", "secretary", "member"),
        when="session__starts_at",
    )

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-created_at"]
        # Newest first, a page at a time: the list walks this index and stops after 25 rows.
        indexes = [models.Index(fields=["created_at", "id"], name="reflection_created_pk_idx")]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="reflection_one_per_session")]

    def __str__(self):
        return f"{self.person} · {self.session}"

    @property
    def is_late_entry(self) -> bool:
        return entered_late(self.created_at, self.session.starts_at)
