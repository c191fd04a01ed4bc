from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import AuditedQuerySet


class Role(models.TextChoices):
    STAFF = "staff", _("Propaganda staff")
    INSPECTOR = "inspector", _("Inspector")
    SECRETARY = "secretary", _("Study secretary")
    MEMBER = "member", _("Member")
    AUDITOR = "auditor", _("Auditor")


READ_ONLY_ROLES = (Role.INSPECTOR, Role.MEMBER, Role.AUDITOR)


class User(AbstractUser):
    """An account. Its role and one scope field decide everything it may see (see core.scoping)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    scope_unit = models.ForeignKey(
        "studygroups.OrgUnit",
        verbose_name=_("scope (county or region)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoped_users",
        help_text=_("For propaganda staff, inspectors and auditors: the county or region they work for."),
    )
    study_group = models.ForeignKey(
        "studygroups.StudyGroup",
        verbose_name=_("study group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secretary_accounts",
        help_text=_("For study secretaries: the group whose records they keep."),
    )
    person = models.OneToOneField(
        "studygroups.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        help_text=_("The person this account belongs to (required for members)."),
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="user_role_has_scope",
                condition=(
                    Q(role="")
                    | Q(role__in=["staff", "inspector", "auditor"], scope_unit__isnull=False)
                    | Q(role="secretary", study_group__isnull=False)
                    | Q(role="member", person__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_read_only(self) -> bool:
        return not self.is_superuser and self.role in READ_ONLY_ROLES

    def get_full_name(self):
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()


class AuditedModel(models.Model):
    """Base of every domain record: who entered it and when, and a full history of its changes."""

    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(inherit=True)
    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True


class WorkdayOverride(AuditedModel):
    """One day of the State Council's holiday notice, entered by hand: a public holiday (放假) or a
    weekend made a working day (调休上班). It wins over the chinesecalendar package (see core.workdays),
    so staff can add a year the package does not know yet, or correct a day. No org scope: the
    calendar is the same for every unit, and only administrators edit it."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: a weekend or other day made a working day. Unticked: a public holiday."),
    )
    name = models.CharField(
        _("holiday name"), max_length=50, blank=True, help_text=_("For example Spring Festival or National Day.")
    )

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["-date"]

    def __str__(self):
        kind = _("adjusted working day") if self.is_workday else _("public holiday")
        return f"{self.date.isoformat()} {self.name} {kind}" if self.name else f"{self.date.isoformat()} {kind}"
