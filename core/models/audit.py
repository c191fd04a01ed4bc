"""The audit base of every domain record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import AuditedQuerySet


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
