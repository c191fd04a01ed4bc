"""Each report kind from its data to a file: PDF (WeasyPrint, reports/pdf.py), XLSX (core/xlsx.py) or a ZIP of
both. ``build(request, target)`` is what the Celery task and ``manage.py build_report`` both call.

The PDF and XLSX renderers take plain data (reports/selectors.py) and return bytes or write a stream.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import Attachment, OrgUnit, Person, StudyGroup
from core.xlsx import Column, Sheet, write_xlsx
from reports import pdf
from reports.models import ReportFormat, ReportKind
from reports.selectors import (
    HalfYearData,
    PackContext,
    half_year_data,
    pack_sheets,
    pack_summary,
    session_attachments,
)

Progress = Callable[[int, str], None]

# What the command line and the operator's benchmarks read with: every row (scoping is for people).
SYSTEM_READER = SimpleNamespace(is_authenticated=True, is_active=True, is_superuser=True, pk=None, role="")


class ReportUnavailable(Exception):
    """The report cannot be made from what the records hold (a readable reason for the person who asked)."""


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    format: str
    year: int
    org: OrgUnit
    half: int | None = None
    study_group: StudyGroup | None = None
    person: Person | None = None
    bulletin: object = None  # a reports.Bulletin, for the bulletin kind
    reader: object = field(default_factory=lambda: SYSTEM_READER)  # whose scope archives are read in

    @classmethod
    def of_job(cls, job) -> ReportRequest:
        return cls(
            kind=job.kind,
            format=job.format,
            year=job.year,
            half=job.half,
            org=job.org,
            study_group=job.study_group,
            person=job.person,
            bulletin=job.bulletin,
            reader=job.requested_by or SYSTEM_READER,
        )

    @property
    def subject(self) -> str:
        if self.person:
            return self.person.name
        if self.study_group:
            return self.study_group.name
        return self.org.name


def file_name(req: ReportRequest) -> str:
    """The download's name, e.g. 2025年甲旗上半年总结及下半年学习计划.pdf."""
    titles = {
        ReportKind.HALF_YEAR: _("%(year)s %(subject)s half-year %(half)s summary")
        % {"year": req.year, "subject": req.subject, "half": req.half},
        ReportKind.YEAR_END: _("%(year)s %(subject)s year-end audit pack") % {"year": req.year, "subject": req.subject},
        ReportKind.ARCHIVE: _("%(year)s %(subject)s study archive") % {"year": req.year, "subject": req.subject},
        ReportKind.BULLETIN: _("%(year)s %(subject)s inspection bulletin") % {"year": req.year, "subject": req.subject},
    }
    name = "".join(ch for ch in str(titles[req.kind]) if ch not in '/\\:*?"<>|').strip()
    return f"{name}.{req.format}"


# --- the half-year summary -----------------------------------------------------------------------


def half_year_title(data: HalfYearData) -> str:
    if data.half == 1:
        return _("%(year)s %(subject)s: summary of the first half-year and study plan for the second") % {
            "year": data.year,
            "subject": data.subject,
        }
    return _("%(year)s %(subject)s: summary of the second half-year and study plan for next year") % {
        "year": data.year,
        "subject": data.subject,
    }


def half_year_html(data: HalfYearData) -> str:
    return render_to_string(
        "reports/pdf/half_year.html",
        {
            "data": data,
            "title": half_year_title(data),
            "numbers": data.computed_numbers(),
            "issued_on": timezone.localdate(data.computed_at),
        },
    )


def half_year_sheets(data: HalfYearData) -> list[Sheet]:
    """The XLSX annex: the computed numbers, each group's numbers, the topics and the research topics."""
    numbers = Sheet(_("Numbers"), [Column(_("Item")), Column(_("Value"), kind="number")], data.computed_numbers())
    per_group = Sheet(
        _("Groups"),
        [
            Column(_("Study group")),
            Column(_("Sessions held"), kind="number"),
            Column(_("Member-sessions expected"), kind="number"),
            Column(_("Member-sessions attended"), kind="number"),
            Column(_("Attendance rate (%)"), kind="number"),
            Column(_("Leaders' attendance rate (%)"), kind="number"),
            Column(_("Reflections"), kind="number"),
            Column(_("Planned topics"), kind="number"),
            Column(_("Planned topics covered"), kind="number"),
            Column(_("Research topics"), kind="number"),
        ],
        (
            [
                line.group.name,
                line.stats.sessions_held,
                line.stats.expected,
                line.stats.attended,
                line.stats.attendance_rate,
                line.stats.leader_attendance_rate,
                line.stats.reflections,
                line.stats.topics_planned,
                line.stats.topics_covered,
                line.stats.research_topics,
            ]
            for line in data.groups
        ),
    )
    topics = Sheet(
        _("Topics"),
        [Column(_("Study group")), Column(_("Topic")), Column(_("Due month"), kind="number"), Column(_("Covered by"))],
        ([t.group, t.title, t.due_month, "；".join(t.covered_by)] for t in data.topics),
    )
    research = Sheet(
        _("Research topics"),
        [
            Column(_("Study group")),
            Column(_("Research topic")),
            Column(_("State")),
            Column(_("How the result was put to use")),
        ],
        ([r.group, r.title, r.state_label, r.application] for r in data.research),
    )
    return [numbers, per_group, topics, research]


# --- the year-end pack ---------------------------------------------------------------------------


def year_end_html(ctx: PackContext, *, now: datetime.datetime | None = None) -> str:
    data = pack_summary(ctx, now=now)
    title = _("%(year)s %(subject)s study center groups: year-end summary") % {
        "year": ctx.year,
        "subject": ctx.org.name,
    }
    return render_to_string("reports/pdf/year_end.html", {"data": data, "title": title})


# --- the study archive ---------------------------------------------------------------------------


def archive_html(req: ReportRequest, *, now: datetime.datetime | None = None) -> tuple[str, list[Sheet], list]:
    """The archive's HTML, its XLSX annex and the past sessions it covers (whose files go into the ZIP)."""
    from studygroups.selectors.archives import group_archive, member_archive

    now = now or timezone.now()
    title = _("%(year)s study archive of %(subject)s") % {"year": req.year, "subject": req.subject}
    context = {"title": title, "computed_at": now, "member": None, "group": None}
    if req.person is not None:
        member = member_archive(user=req.reader, person=req.person, year=req.year, now=now)
        context["member"] = member
        sessions = [line.session for line in member.sessions if line.is_past]
        sheets = [
            Sheet(
                _("Attendance"),
                [
                    Column(_("Starts at"), kind="datetime"),
                    Column(_("Study group")),
                    Column(_("Subject")),
                    Column(_("Attendance")),
                    Column(_("Checked in at"), kind="datetime"),
                ],
                [
                    [
                        line.session.starts_at,
                        line.session.study_group.name,
                        line.session.title,
                        line.attendance.get_status_display() if line.attendance else _("Not recorded"),
                        line.attendance.checked_in_at if line.attendance else None,
                    ]
                    for line in member.sessions
                    if line.is_past
                ],
            ),
            Sheet(
                _("Reflections"),
                [
                    Column(_("Starts at"), kind="datetime"),
                    Column(_("Subject")),
                    Column(_("Entered at"), kind="datetime"),
                    Column(_("Reflection"), width=60),
                ],
                [[r.session.starts_at, r.session.title, r.created_at, r.text] for r in member.reflections],
            ),
            Sheet(
                _("Research, articles and exam"),
                [Column(_("Kind")), Column(_("Title")), Column(_("State"))],
                [[_("Research topic"), t.title, t.get_status_display()] for t in member.research_topics]
                + [[a.get_kind_display(), a.title, f"{a.written_on:%Y-%m-%d}"] for a in member.articles]
                + [[_("Theory exam"), str(req.year), str(member.exam.score) if member.exam else "—"]],
            ),
        ]
    else:
        group = group_archive(user=req.reader, group=req.study_group, year=req.year, now=now)
        context["group"] = group
        sessions = [line.session for line in group.sessions if line.is_past]
        sheets = [
            Sheet(
                _("Sessions"),
                [
                    Column(_("Starts at"), kind="datetime"),
                    Column(_("Subject")),
                    Column(_("Kind")),
                    Column(_("Present"), kind="number"),
                    Column(_("Late"), kind="number"),
                    Column(_("On leave"), kind="number"),
                    Column(_("Absent"), kind="number"),
                ],
                [
                    [
                        line.session.starts_at,
                        line.session.title,
                        line.session.get_kind_display(),
                        line.session.n_present,
                        line.session.n_late,
                        line.session.n_leave,
                        line.session.n_absent,
                    ]
                    for line in group.sessions
                    if line.is_past
                ],
            ),
            Sheet(
                _("Members"),
                [
                    Column(_("Person's name")),
                    Column(_("Sessions held"), kind="number"),
                    Column(_("Attended"), kind="number"),
                    Column(_("Reflections"), kind="number"),
                    Column(_("Theory exam"), kind="number"),
                ],
                [[m.person.name, m.sessions_past, m.attended, m.reflections, m.exam_score] for m in group.members],
            ),
        ]
    return render_to_string("reports/pdf/archive.html", context), sheets, sessions


# Characters no unzip tool should see in a name: separators, what Windows refuses, control characters.
_UNSAFE_IN_ZIP = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}


def zip_safe_name(name: str, *, fallback: str, limit: int = 80) -> str:
    """``name`` as one path segment of a ZIP that every unzip tool writes where it is told: no separators and
    no "..", nothing Windows refuses (``:*?"<>|``, device names, trailing dots), no control or invisible
    format characters (a right-to-left override could disguise ``gpj.exe``), at most ``limit`` characters
    with the suffix kept."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch for ch in name)
    name = _UNSAFE_IN_ZIP.sub("_", name).strip(" .")
    if not name:
        name = fallback
    if name.split(".")[0].strip().upper() in _DEVICE_NAMES:
        name = f"_{name}"
    if len(name) > limit:
        stem, dot, suffix = name.rpartition(".")
        keep = f".{suffix}" if dot and stem and len(suffix) <= 10 else ""
        name = name[: limit - len(keep)].rstrip(" .") + keep
    return name


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``... before its suffix, whichever is not ``taken`` yet (case-insensitively)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({n}){'.' + suffix if suffix else ''}"
        n += 1
    taken.add(candidate.casefold())
    return candidate


def archive_files(req: ReportRequest, sessions: list) -> list[tuple[str, Attachment]]:
    """(name in the ZIP, attachment) for the files of the archive's sessions: one folder per session
    ("附件/2025-03-10 学习全会精神/"), each file under the name it was uploaded with, made safe, and the
    suffix of its stored content (which the upload check decided, not the name the user gave)."""
    root = _("Attachments")
    folders: dict[int, str] = {}
    taken_folders: set[str] = set()
    taken: dict[int, set[str]] = {}
    named = []
    for session, attachment in session_attachments(reader=req.reader, sessions=sessions, person=req.person):
        if session.pk not in folders:
            label = f"{timezone.localdate(session.starts_at):%Y-%m-%d} {session.title}"
            folders[session.pk] = _unique(zip_safe_name(label, fallback=str(session.pk)), taken_folders)
        base = re.split(r"[/\\]", attachment.original_name)[-1]
        stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
        suffix = Path(attachment.file.name).suffix.lower()[:10]
        name = zip_safe_name(f"{stem.strip()}{suffix}", fallback=f"{attachment.pk}{suffix}")
        name = _unique(name, taken.setdefault(session.pk, set()))
        named.append((f"{root}/{folders[session.pk]}/{name}", attachment))
    return named


# --- building a file -----------------------------------------------------------------------------


def _css() -> str:
    return pdf.stylesheet("document.css")


def _write_pdf(html: str, path: Path) -> None:
    path.write_bytes(pdf.render_pdf(html, css=_css()))


def _zip(target: Path, members: list[tuple[str, Path]], files: list[tuple[str, Attachment]] = ()) -> None:
    """A ZIP of ``members``, then of the attached ``files`` (each read from storage in chunks straight into the
    ZIP, so memory does not grow with their size), and a list of their SHA-256, so each file can be checked
    once unpacked."""
    lines = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in members:
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            lines.append(f"{digest.hexdigest()}  {name}")
            archive.write(path, name)
        for name, attachment in files:
            info = zipfile.ZipInfo(name, date_time=timezone.localtime(attachment.created_at).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            digest = hashlib.sha256()
            try:
                source = attachment.file.storage.open(attachment.file.name, "rb")
            except FileNotFoundError as exc:
                raise ReportUnavailable(
                    _("The attached file %(name)s is missing from the file store.") % {"name": attachment.original_name}
                ) from exc
            with source, archive.open(info, "w") as sink:
                for chunk in iter(functools.partial(source.read, 1 << 16), b""):
                    digest.update(chunk)
                    sink.write(chunk)
            lines.append(f"{digest.hexdigest()}  {name}")
        archive.writestr(_("SHA-256 list.txt"), "\n".join(lines) + "\n")


def build(
    req: ReportRequest, target: Path, *, progress: Progress | None = None, now: datetime.datetime | None = None
) -> None:
    """Render ``req`` into the file ``target`` (written whole or not at all: a temporary file, then renamed)."""
    progress = progress or (lambda pct, stage: None)
    now = now or timezone.now()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with translation.override("zh-hans"), tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp)
        stem = Path(file_name(req)).stem
        pdf_path, xlsx_path = work / f"{stem}.pdf", work / f"{stem}.xlsx"
        want_pdf = req.format in (ReportFormat.PDF, ReportFormat.ZIP)
        want_xlsx = req.format in (ReportFormat.XLSX, ReportFormat.ZIP)
        sessions: list = []  # an archive's sessions, whose attached files its ZIP holds
        if req.kind == ReportKind.HALF_YEAR:
            progress(10, _("Computing the numbers"))
            data = half_year_data(org=req.org, group=req.study_group, year=req.year, half=req.half or 1, now=now)
            if want_pdf:
                progress(40, _("Laying out the PDF"))
                _write_pdf(half_year_html(data), pdf_path)
            if want_xlsx:
                progress(80, _("Writing the workbook"))
                write_xlsx(xlsx_path, sheets=half_year_sheets(data))
        elif req.kind == ReportKind.YEAR_END:
            ctx = PackContext(org=req.org, year=req.year, now=now)
            if want_xlsx:
                progress(10, _("Writing the workbook"))
                write_xlsx(xlsx_path, sheets=_with_progress(pack_sheets(ctx), progress, 10, 70))
            if want_pdf:
                progress(75, _("Laying out the PDF"))
                _write_pdf(year_end_html(ctx, now=now), pdf_path)
        elif req.kind == ReportKind.ARCHIVE:
            if req.person is None and req.study_group is None:
                raise ReportUnavailable(_("A study archive is for one member or one study group."))
            progress(10, _("Reading the records"))
            html, sheets, sessions = archive_html(req, now=now)
            if want_pdf:
                progress(40, _("Laying out the PDF"))
                _write_pdf(html, pdf_path)
            if want_xlsx:
                progress(80, _("Writing the workbook"))
                write_xlsx(xlsx_path, sheets=sheets)
        elif req.bulletin is not None:
            from reports.bulletins import bulletin_pdf

            if req.format != ReportFormat.PDF:
                raise ReportUnavailable(_("A bulletin is a PDF."))
            progress(20, _("Laying out the PDF"))
            pdf_path.write_bytes(bulletin_pdf(req.bulletin))
        else:
            raise ReportUnavailable(_("Choose the bulletin to render."))
        progress(95, _("Saving the file"))
        built = work / "out"
        if req.format == ReportFormat.ZIP:
            files = archive_files(req, sessions) if sessions else []
            _zip(built, [(p.name, p) for p in (xlsx_path, pdf_path) if p.exists()], files)
        else:
            os.replace(pdf_path if req.format == ReportFormat.PDF else xlsx_path, built)
        os.replace(built, target)


def _with_progress(sheets, progress: Progress, start: int, end: int):
    """Report each sheet as it starts (the sheets are written one after another)."""
    from reports.selectors import PACK_SHEETS

    total = max(len(PACK_SHEETS), 1)
    for index, sheet in enumerate(sheets):
        progress(start + (end - start) * index // total, _("Writing the sheet %(name)s") % {"name": sheet.title})
        yield sheet
