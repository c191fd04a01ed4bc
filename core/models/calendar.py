"""Days the holiday package does not know yet, entered by hand (read by core.workdays)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.audit import AuditedModel


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
