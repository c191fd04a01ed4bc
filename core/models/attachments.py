"""Files owned by exactly one record of any app, checked by content and size (core.attachments)."""

import uuid
from pathlib import PurePosixPath

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.audit import AuditedModel
from core.scoping import AuditedQuerySet


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the user's file name never reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{instance.owner_type_id}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(AuditedQuerySet):
    """Attachments are scoped through their owner: visible when the owner is, editable when it is."""

    def _through_owners(self, user, method: str):
        from core.registry import attachment_owners

        condition = Q(pk__in=[])
        for model in attachment_owners.models():
            owners = getattr(model.objects, method)(user).values("pk")
            condition |= Q(owner_type=ContentType.objects.get_for_model(model), owner_id__in=owners)
        return self.filter(condition)

    def visible_to(self, user):
        return self._through_owners(user, "visible_to")

    def editable_by(self, user):
        return self._through_owners(user, "editable_by")

    def of(self, owner):
        return self.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


class Attachment(AuditedModel):
    """A file (photo, PDF, Word, Excel) of one record, served only through a permission check."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        PDF = "pdf", _("PDF")
        WORD = "word", _("Word document")
        EXCEL = "excel", _("Excel workbook")

    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="attachment_owner_idx")]

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        from core.registry import attachment_owners

        # The database holds "exactly one owner" (both columns required); the registry holds "of a kind
        # that may own files", so a file can never hang on a record nobody scopes.
        model = self.owner_type.model_class() if self.owner_type_id else None
        if model is None or model not in attachment_owners.models():
            raise ValueError(f"{model!r} is not registered as an attachment owner.")
        super().save(*args, **kwargs)
