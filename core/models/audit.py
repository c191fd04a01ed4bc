"""The audit base of every domain record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import AuditedQuerySet


class History(HistoricalRecords):
    """Change history whose table is indexed on its order (history_date, history_id): the newest rows of a
    table (the dashboard's latest changes, a record's history page) are read backwards on the index, with
    no sort, even where many rows share one history_date (rows saved together). It replaces simple_history's
    index on history_date alone (SIMPLE_HISTORY_DATE_INDEX = False), which it covers."""

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["indexes"] = (*options.get("indexes", ()), models.Index(fields=("history_date", "history_id")))
        return options


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

    history = History(inherit=True)
    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True
