"""Attachments in core: exactly one owner of a registered kind, zip bombs refused, scoped through the owner."""

import io
import os
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, models, transaction

from core.attachments import inspect_upload
from core.models import Attachment, OrgUnit
from tests.studygroups.factories import StudySessionFactory

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(document: bytes, *, compression=zipfile.ZIP_DEFLATED) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", document)
    return SimpleUploadedFile("报告.docx", buffer.getvalue())


def _row(**fields) -> Attachment:
    return Attachment(
        file="attachments/x.pdf", original_name="x.pdf", kind="pdf", content_type="application/pdf", size=1, **fields
    )


def test_a_small_file_that_inflates_enormously_is_refused():
    bomb = _docx(b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros: about 20 KB packed, a ratio near 1,000
    assert bomb.size < 100 * 1024
    with pytest.raises(ValidationError) as refused:
        inspect_upload(bomb)
    assert refused.value.code == "compression_ratio"


def test_the_inflated_size_has_its_own_limit(settings):
    settings.UPLOAD_MAX_INFLATED_BYTES = 1024 * 1024
    big = _docx(os.urandom(2 * 1024 * 1024), compression=zipfile.ZIP_STORED)  # ratio 1, but 2 MB unpacked
    with pytest.raises(ValidationError) as refused:
        inspect_upload(big)
    assert refused.value.code == "too_large_inflated"
    settings.UPLOAD_MAX_INFLATED_BYTES = 4 * 1024 * 1024
    assert inspect_upload(_docx(os.urandom(2 * 1024 * 1024), compression=zipfile.ZIP_STORED)) == ("word", WORD)


def test_an_ordinary_document_passes():
    assert inspect_upload(_docx("<w:document>学习心得</w:document>".encode())) == ("word", WORD)


def test_an_attachment_without_an_owner_cannot_be_stored(db):
    with pytest.raises(ValueError):
        _row().save()
    with pytest.raises(IntegrityError), transaction.atomic():
        # Even past the model's own check, the database holds "an owner is required".
        models.Model.save(_row())


def test_an_attachment_owned_by_a_record_of_an_unregistered_kind_is_refused(world):
    with pytest.raises(ValueError, match="not registered"):
        _row(owner_type=ContentType.objects.get_for_model(OrgUnit), owner_id=world.home.dept.pk).save()


def test_attachments_are_scoped_through_their_owner(world):
    home = StudySessionFactory(study_group=world.home.dept_group)
    other = StudySessionFactory(study_group=world.other.dept_group)
    mine, theirs = _row(owner=home), _row(owner=other)
    mine.save()
    theirs.save()
    assert set(Attachment.objects.visible_to(world.users.staff)) == {mine}
    assert set(Attachment.objects.visible_to(world.users.secretary)) == {mine}
    assert set(Attachment.objects.visible_to(world.users.region_auditor)) == {mine, theirs}
    assert set(Attachment.objects.editable_by(world.users.secretary)) == {mine}
    assert not Attachment.objects.editable_by(world.users.auditor).exists()
    assert list(Attachment.objects.of(home)) == [mine]
