"""Accounts and their roles."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.audit import History


class Role(models.TextChoices):
    STAFF = "staff", _("Propaganda staff")
    INSPECTOR = "inspector", _("Inspector")
    SECRETARY = "secretary", _("Study secretary")
    MEMBER = "member", _("Member")
    AUDITOR = "auditor", _("Auditor")


class User(AbstractUser):
    """An account. Its role and one scope field decide everything it may see (see core.scoping)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    scope_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("scope (county or region)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoped_users",
        help_text=_("For propaganda staff, inspectors and auditors: the county or region they work for."),
    )
    study_group = models.ForeignKey(
        "core.StudyGroup",
        verbose_name=_("study group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secretary_accounts",
        help_text=_("For study secretaries: the group whose records they keep."),
    )
    person = models.OneToOneField(
        "core.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        help_text=_("The person this account belongs to (required for members)."),
    )

    history = History(excluded_fields=["password", "last_login"])
    objects = UserManager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="user_role_has_scope",
                condition=(
                    Q(role="")
                    | Q(role__in=["staff", "auditor"], scope_unit__isnull=False)
                    # An inspector sits in as a person: the conflict rule asks where they work and sit.
                    | Q(role="inspector", scope_unit__isnull=False, person__isnull=False)
                    | Q(role="secretary", study_group__isnull=False)
                    | Q(role="member", person__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()
