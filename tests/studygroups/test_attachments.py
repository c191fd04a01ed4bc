"""Attachments: checked by content and size (core.attachments), served only by a checked view."""

import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from core.attachments import AttachmentField, attachment_create, inspect_upload
from core.models import Attachment
from studygroups.models import Reflection
from tests.factories import UserFactory
from tests.studygroups.factories import StudySessionFactory

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n188\n%%EOF\n"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(buffer, fmt)
    return buffer.getvalue()


def zip_bytes(entries: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", "<w:document><w:body><w:p/></w:body></w:document>"),
        ]
    )


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "考勤"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def media(settings, tmp_path):
    """Uploads of a test go to its own directory (the suite's MEDIA_ROOT is var/test-media)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- what inspect_upload accepts and refuses -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind", "content_type"),
    [
        ("照片.jpg", image_bytes("JPEG"), Attachment.Kind.IMAGE, "image/jpeg"),
        ("photo.png", image_bytes("PNG"), Attachment.Kind.IMAGE, "image/png"),
        ("anim.gif", image_bytes("GIF"), Attachment.Kind.IMAGE, "image/gif"),
        ("学习记录.pdf", PDF, Attachment.Kind.PDF, "application/pdf"),
        ("心得.docx", docx_bytes(), Attachment.Kind.WORD, WORD),
        ("考勤.xlsx", xlsx_bytes(), Attachment.Kind.EXCEL, EXCEL),
        ("old.doc", OLE_MAGIC + b"\0" * 600, Attachment.Kind.WORD, "application/msword"),
        ("OLD.XLS", OLE_MAGIC + b"\0" * 600, Attachment.Kind.EXCEL, "application/vnd.ms-excel"),
        # The content decides, not the name: a PNG called .pdf is a photo.
        ("misnamed.pdf", image_bytes("PNG"), Attachment.Kind.IMAGE, "image/png"),
    ],
)
def test_accepted_by_content(name, data, kind, content_type):
    assert inspect_upload(upload(name, data)) == (kind, content_type)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.pdf", "这是一段纯文本，不是PDF。".encode(), "bad_type"),
        ("archive.docx", zip_bytes([("evil.exe", "MZ"), ("readme.txt", "hi")]), "bad_type"),
        ("setup.docx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200, "bad_type"),
        ("page.jpg", b"<html><script>alert(1)</script></html>", "bad_type"),
        ("empty.pdf", b"", "bad_type"),
        # OLE container without a .doc/.xls name: which legacy format it is cannot be told.
        ("old.txt", OLE_MAGIC + b"\0" * 600, "bad_type"),
        ("broken.png", image_bytes("PNG")[:8] + b"garbage" * 100, "bad_image"),
        ("cut.jpg", image_bytes("JPEG")[:200], "bad_image"),
    ],
)
def test_refused_by_content(name, data, code):
    with pytest.raises(ValidationError) as raised:
        inspect_upload(upload(name, data))
    assert raised.value.code == code


def test_size_cap_is_configurable():
    data = image_bytes("PNG")
    with override_settings(UPLOAD_MAX_BYTES=len(data)):
        assert inspect_upload(upload("exact.png", data))[0] == Attachment.Kind.IMAGE
    with override_settings(UPLOAD_MAX_BYTES=len(data) - 1):
        with pytest.raises(ValidationError) as raised:
            inspect_upload(upload("big.png", data))
    assert raised.value.code == "too_large"


def test_inspection_leaves_the_upload_rewound():
    file = upload("photo.png", image_bytes("PNG"))
    inspect_upload(file)
    assert file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_docx_with_its_document_part_late_in_the_zip_is_accepted():
    data = zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", "<Relationships/>"),
            ("docProps/app.xml", "<Properties/>"),
            ("docProps/core.xml", "<cp:coreProperties/>"),
            ("docProps/custom.xml", "<Properties/>"),
            ("customXml/item1.xml", "<b:Sources/>"),
            ("word/document.xml", "<w:document/>"),
        ]
    )
    assert inspect_upload(upload("wps.docx", data)) == (Attachment.Kind.WORD, WORD)


class UploadForm(forms.Form):
    file = AttachmentField()


def test_attachment_field_reports_the_error_code_and_is_optional():
    bad = UploadForm(files={"file": upload("notes.pdf", b"plain text")})
    assert not bad.is_valid()
    assert bad.errors.as_data()["file"][0].code == "bad_type"
    assert UploadForm(files={}).is_valid()
    good = UploadForm(files={"file": upload("a.pdf", PDF)})
    assert good.is_valid()


# --- storing -------------------------------------------------------------------------------------


def _owners(world):
    """A session of the home department's group and the member's reflection on it."""
    session = StudySessionFactory(study_group=world.home.dept_group)
    reflection = Reflection.objects.create(session=session, person=world.home.member, text="体会")
    return session, reflection


def test_attachment_create_stores_under_a_random_name_outside_static(world, media):
    user = world.users.member
    _, reflection = _owners(world)
    attachment = attachment_create(upload=upload("学习心得.pdf", PDF), owner=reflection, user=user)
    attachment.refresh_from_db()
    assert (attachment.kind, attachment.content_type, attachment.size) == ("pdf", "application/pdf", len(PDF))
    assert attachment.original_name == "学习心得.pdf"
    assert attachment.created_by == user
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == PDF
    assert stored.is_relative_to(media)
    assert attachment.owner == reflection
    assert attachment.file.name.startswith(f"attachments/{attachment.owner_type_id}/")
    assert "心得" not in attachment.file.name and stored.suffix == ".pdf"
    assert attachment.history.get().history_type == "+"


def test_attachment_create_refuses_bad_content_and_stores_nothing(world, media):
    with pytest.raises(ValidationError):
        attachment_create(upload=upload("x.pdf", b"text"), owner=_owners(world)[1], user=world.users.member)
    assert not Attachment.objects.exists()
    assert not Path(media).exists() or not any(Path(media).rglob("*.*"))


def test_media_root_lies_outside_the_static_tree():
    media = Path(django_settings.MEDIA_ROOT).resolve()
    for static_dir in [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]:
        static_dir = Path(static_dir).resolve()
        assert not media.is_relative_to(static_dir)
        assert not static_dir.is_relative_to(media)
    assert django_settings.MEDIA_URL not in ("/media/", django_settings.STATIC_URL)


# --- downloading ---------------------------------------------------------------------------------


@pytest.fixture
def stored(world, media):
    session, reflection = _owners(world)
    return {
        "pdf": attachment_create(upload=upload("学习心得.pdf", PDF), owner=reflection, user=world.users.member),
        "docx": attachment_create(upload=upload("plan.docx", docx_bytes()), owner=session, user=world.users.secretary),
        "png": attachment_create(upload=upload("合影.png", image_bytes("PNG")), owner=session, user=world.users.staff),
    }


def _users(world, outsider):
    return {
        "owner": world.users.member,
        "secretary": world.users.secretary,
        "staff": world.users.staff,
        "auditor": world.users.auditor,
        "superuser": world.users.superuser,
        "other_group_member": UserFactory(username="town-member", role="member", person=world.home.town_member),
        "other_group_secretary": UserFactory(
            username="town-secretary", role="secretary", study_group=world.home.town_group
        ),
        "outsider": outsider,
        "norole": world.users.norole,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("secretary", 200),
        ("staff", 200),
        ("auditor", 200),
        ("superuser", 200),
        ("other_group_member", 404),
        ("other_group_secretary", 404),
        ("outsider", 404),
        ("norole", 404),
    ],
)
def test_download_permissions(client, world, stored, who, status, outsider):
    client.force_login(_users(world, outsider)[who])
    response = client.get(reverse("attachment_download", args=[stored["pdf"].pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF


def test_anonymous_is_sent_to_login(client, stored):
    url = reverse("attachment_download", args=[stored["pdf"].pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_pdf_is_shown_inline_with_the_encoded_original_name(client, world, stored):
    client.force_login(world.users.secretary)
    response = client.get(reverse("attachment_download", args=[stored["pdf"].pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"inline; filename*=utf-8''{quote('学习心得.pdf')}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(PDF))
    assert "private" in response["Cache-Control"]


def test_image_is_inline_and_word_is_a_download(client, world, stored):
    client.force_login(world.users.staff)
    png = client.get(reverse("attachment_download", args=[stored["png"].pk]))
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"].startswith("inline; filename*=utf-8''")
    docx = client.get(reverse("attachment_download", args=[stored["docx"].pk]))
    assert docx["Content-Type"] == WORD
    assert docx["Content-Disposition"] == 'attachment; filename="plan.docx"'
    assert docx["X-Content-Type-Options"] == "nosniff"


def test_missing_file_on_disk_is_404(client, world, stored):
    Path(stored["docx"].file.path).unlink()
    client.force_login(world.users.staff)
    assert client.get(reverse("attachment_download", args=[stored["docx"].pk])).status_code == 404


def test_unknown_attachment_is_404(client, world, stored):
    client.force_login(world.users.superuser)
    assert client.get(reverse("attachment_download", args=[99999999])).status_code == 404


def test_file_is_not_reachable_under_static_or_media(client, world, stored):
    client.force_login(world.users.superuser)
    name = stored["pdf"].file.name
    for prefix in ("/static/", "/media/", django_settings.MEDIA_URL, "/static/media/"):
        response = client.get(f"{prefix}{name}")
        assert response.status_code == 404, prefix
