"""Uploads: checked by their content (never their name) and size, stored under random names."""

from __future__ import annotations

import zipfile

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

from core.models import Attachment

# What each accepted content type is, by the type its bytes show.
ACCEPTED = {
    "image/jpeg": Attachment.Kind.IMAGE,
    "image/png": Attachment.Kind.IMAGE,
    "image/gif": Attachment.Kind.IMAGE,
    "image/webp": Attachment.Kind.IMAGE,
    "application/pdf": Attachment.Kind.PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Attachment.Kind.WORD,
    "application/msword": Attachment.Kind.WORD,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Attachment.Kind.EXCEL,
    "application/vnd.ms-excel": Attachment.Kind.EXCEL,
}
# Legacy Office files share one container format; their kind is told by the name only after the
# content has shown the container.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_SUFFIXES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
# Word and Excel files are zip packages: told apart by the main part they hold, wherever it lies in the zip.
ZIP_MAGIC = b"PK\x03\x04"
OOXML_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The stored file's suffix follows its content, never the name it was uploaded with.
SUFFIXES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
}


def _office_package_type(upload: UploadedFile) -> str | None:
    try:
        with zipfile.ZipFile(upload) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names:
        return None
    content_type = next((mime for part, mime in OOXML_PARTS.items() if part in names), None)
    if content_type:
        _check_inflation(members)
    return content_type


def _check_inflation(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb: an Office package whose parts inflate beyond the limits in settings."""
    inflated = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members) or 1
    if inflated > settings.UPLOAD_MAX_INFLATED_BYTES:
        raise ValidationError(
            _("The document unpacks to %(size)s, more than the limit of %(limit)s."),
            params={"size": filesizeformat(inflated), "limit": filesizeformat(settings.UPLOAD_MAX_INFLATED_BYTES)},
            code="too_large_inflated",
        )
    if inflated / compressed > settings.UPLOAD_MAX_COMPRESSION_RATIO:
        raise ValidationError(
            _("The document is compressed suspiciously tightly (%(ratio)d to 1); it is refused."),
            params={"ratio": inflated // compressed},
            code="compression_ratio",
        )


def inspect_upload(upload: UploadedFile) -> tuple[str, str]:
    """Return (kind, content type) of an acceptable upload, or raise ValidationError in Chinese."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = None
    if head.startswith(OLE_MAGIC):
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        content_type = OLE_SUFFIXES.get(suffix)
    elif head.startswith(ZIP_MAGIC):
        content_type = _office_package_type(upload)
    else:
        guess = filetype.guess(head)
        content_type = guess.mime if guess else None
    if content_type not in ACCEPTED:
        raise ValidationError(
            _("This file is not a photo, PDF, Word or Excel file (its content does not match any of them)."),
            code="bad_type",
        )
    kind = ACCEPTED[content_type]
    if kind == Attachment.Kind.IMAGE:
        try:
            with Image.open(upload) as image:
                image.verify()
        except Exception as exc:
            raise ValidationError(_("The photo is damaged or not a real image."), code="bad_image") from exc
        finally:
            upload.seek(0)
    return kind, content_type


class AttachmentField(forms.FileField):
    """A form field that accepts only what inspect_upload accepts; cleaned data is the upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachment (photo, PDF, Word or Excel)"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and isinstance(upload, UploadedFile):
            inspect_upload(upload)
        return upload


def _shorten(name: str, limit: int = 200) -> str:
    """Cut a long file name in its stem, keeping the extension."""
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        return name[:limit]
    return f"{stem[: limit - len(suffix) - 1]}.{suffix}"


@transaction.atomic
def attachment_create(*, upload: UploadedFile, owner, user) -> Attachment:
    """Store an upload as a file of ``owner`` (a record of a registered attachment-owner model)."""
    kind, content_type = inspect_upload(upload)
    attachment = Attachment(
        owner=owner,
        original_name=_shorten(upload.name),
        kind=kind,
        content_type=content_type,
        size=upload.size,
        created_by=user,
    )
    attachment.file.save(f"upload{SUFFIXES[content_type]}", upload, save=False)
    # A failed insert must not leave an orphan file behind.
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
