"""Streaming XLSX writer for exports.

Rows come from any iterable (a generator, ``queryset.iterator()``) and go straight into the ZIP package as
sheet XML, so memory stays flat however many rows there are. Only the first ``WIDTH_SAMPLE_ROWS`` rows of each
sheet are held at once, to size the columns. The package is the minimal one Excel, LibreOffice and openpyxl
read (workbook, styles, sheets); each cell's XML is made by one function chosen per column beforehand, which
is what makes this about twice as fast as openpyxl's write-only mode (one object per cell).

Every ``str`` is written as an inline string cell, never as a formula: ``=1+1``, ``+SUM(A1)``, ``-2+3``
and ``@cmd`` stay inert text (no CSV/formula injection). Numbers, dates and date-times keep their type
only in columns declared with that ``kind``. A value longer than an Excel cell holds raises
``CellTooLong``; nothing is truncated silently.

    write_xlsx(path_or_file, sheets=[Sheet("成员", [Column("姓名"), Column("入组日期", kind="date")], rows)])
    return xlsx_response("中心组成员.xlsx", "成员", columns, rows)          # one sheet, in a view
    return xlsx_sheets_response("年终资料.xlsx", sheets=[...])               # several sheets
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import itertools
import math
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from django.http import FileResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units
MAX_SHEET_TITLE = 31
WIDTH_SAMPLE_ROWS = 100  # header plus this many rows decide a column's width
MIN_WIDTH = 6
MAX_WIDTH = 60
SPOOL_MAX_BYTES = 8 * 1024 * 1024  # xlsx_file keeps smaller files in memory, larger ones on disk
FLUSH_ROWS = 500  # rows joined into one write to the compressor
COMPRESS_LEVEL = 3  # zlib: level 6 (the default) costs a third more time for files 5 % smaller

Kind = Literal["text", "number", "date", "datetime"]
_KINDS = ("text", "number", "date", "datetime")
_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "number": "General", "text": "General"}
_DEFAULT_WIDTHS = {"number": 8, "date": 12, "datetime": 17}
_FORBIDDEN_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")
# What XML 1.0 cannot hold at all (control characters, lone surrogates, U+FFFE/U+FFFF).
ILLEGAL_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = datetime.datetime(1899, 12, 30)  # Excel's day 0 (Windows 1900 date system)
_DAY = datetime.timedelta(days=1)


class CellTooLong(ValueError):
    """A value does not fit in one Excel cell."""


@dataclass(frozen=True)
class Column:
    """One column: its header, what its values are, and optionally a fixed width in characters."""

    header: str
    kind: Kind = "text"
    width: float | None = None
    number_format: str | None = None  # e.g. "0.00" or "0.0%"; defaults by kind

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"Column kind must be one of {_KINDS}, not {self.kind!r}")


@dataclass
class Sheet:
    """A worksheet: a title (sanitised to what Excel accepts), its columns and an iterable of rows."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]
    # Lines of text above the header (an export's filters and time), each in column A, kept inert like any text.
    preamble: Sequence[str] = ()


def display_width(text: str) -> int:
    """Width of the longest line in character cells: East Asian wide and full-width characters count 2."""
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line) for line in text.splitlines()),
        default=0,
    )


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """``title`` made acceptable to Excel: no ``[]:*?/\\``, no edge apostrophes, 31 characters, unique."""
    clean = _FORBIDDEN_TITLE_CHARS.sub("_", title).strip().strip("'").strip() or "Sheet"
    if clean.casefold() == "history":  # reserved by Excel
        clean = f"{clean}_"
    taken_folded = {t.casefold() for t in taken}
    candidate = clean[:MAX_SHEET_TITLE]
    for n in itertools.count(2):
        if candidate.casefold() not in taken_folded:
            return candidate
        suffix = f"({n})"
        candidate = clean[: MAX_SHEET_TITLE - len(suffix)] + suffix
    raise AssertionError("unreachable")


def write_xlsx(target: str | os.PathLike | IO[bytes], *, sheets: Iterable[Sheet]) -> None:
    """Write ``sheets`` to ``target`` (a path or a binary file object), consuming each sheet's rows once.

    A path is written whole or not at all (a temporary file beside it, renamed at the end)."""
    if not isinstance(target, str | os.PathLike):
        _write_package(target, sheets)
        return
    target = Path(target)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_package(f, sheets)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def xlsx_file(*, sheets: Iterable[Sheet]) -> tempfile.SpooledTemporaryFile:
    """The workbook in a temporary file, rewound to the start; whoever reads it closes it."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES, suffix=".xlsx")
    try:
        write_xlsx(spool, sheets=sheets)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def xlsx_sheets_response(filename: str, *, sheets: Iterable[Sheet]) -> FileResponse:
    """A download of the workbook; ``filename`` may be Chinese (sent per RFC 5987 by Django)."""
    if not filename.lower().endswith(".xlsx"):
        filename = f"{filename}.xlsx"
    return FileResponse(xlsx_file(sheets=sheets), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def xlsx_response(
    filename: str, title: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]
) -> FileResponse:
    """A download of a one-sheet workbook."""
    return xlsx_sheets_response(filename, sheets=[Sheet(title, columns, rows)])


# --- the package ---------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_HEADER_STYLE = 1  # bold, centred (cellXfs index)


class _Styles:
    """The cell formats the sheets use: 0 plain, 1 the bold header, then one per number format."""

    def __init__(self):
        self.formats: dict[str, int] = {}

    def of(self, number_format: str) -> int:
        if number_format == "General":
            return 0
        if number_format not in self.formats:
            self.formats[number_format] = 2 + len(self.formats)
        return self.formats[number_format]

    def xml(self) -> str:
        num_fmts = "".join(
            f'<numFmt numFmtId="{164 + i}" formatCode="{_attr(code)}"/>' for i, code in enumerate(self.formats)
        )
        xfs = "".join(
            f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            for i in range(len(self.formats))
        )
        return (
            f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.formats)}">{num_fmts}</numFmts>' if self.formats else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(self.formats)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
            '<alignment horizontal="center" vertical="center"/></xf>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        )


def _write_package(target: IO[bytes], sheets: Iterable[Sheet]) -> None:
    styles = _Styles()
    titles: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as package:
        for sheet in sheets:
            title = sheet_title(sheet.title, titles)
            titles.append(title)
            with package.open(f"xl/worksheets/sheet{len(titles)}.xml", "w") as part:
                _write_sheet(part, title, sheet, styles)
        if not titles:
            raise ValueError("An XLSX file needs at least one sheet")
        n = len(titles)
        package.writestr(
            "[Content_Types].xml",
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, n + 1)
            )
            + "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{_attr(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
            + "</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        package.writestr("xl/styles.xml", styles.xml())


def _write_sheet(part: IO[bytes], title: str, sheet: Sheet, styles: _Styles) -> None:
    columns = list(sheet.columns)
    preamble = list(sheet.preamble)
    first = len(preamble) + 2  # the first data row's number
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    for number, row in enumerate(sample, start=first):
        _check_length(title, columns, row, number)

    cols = []
    for index, column in enumerate(columns):
        width = column.width
        if width is None:
            width = max([_DEFAULT_WIDTHS.get(column.kind, 0), display_width(column.header) + 2])
            for row in sample:
                if index < len(row):
                    value, kind = _convert(row[index], column.kind)
                    if value is not None and kind in ("text", "number"):
                        width = max(width, display_width(str(value)) + 2)
        width = min(max(width, MIN_WIDTH), MAX_WIDTH)
        cols.append(f'<col min="{index + 1}" max="{index + 1}" width="{width:g}" customWidth="1"/>')
    part.write(
        (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{first - 1}" topLeftCell="A{first}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{first}" sqref="A{first}"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + "".join(cols) + "</cols>" if cols else ""}'
            "<sheetData>"
        ).encode()
    )

    text = _text_cell(title)
    head = [f'<row r="{n}">{text(line, "A", n, 0)}</row>' for n, line in enumerate(preamble, start=1)]
    letters = [_column_letter(i) for i in range(len(columns))]
    header_cells = "".join(text(c.header, letters[i], first - 1, _HEADER_STYLE) for i, c in enumerate(columns))
    head.append(f'<row r="{first - 1}">{header_cells}</row>')
    part.write("".join(head).encode())

    cells = [_cell_writer(column, styles, text) for column in columns]
    width = len(columns)
    out: list[str] = []
    number = first
    for row in itertools.chain(sample, rows):
        if len(row) > width:
            _check_length(title, columns, row, number)
        out.append(
            f'<row r="{number}">'
            + "".join([cell(value, letter, number) for cell, letter, value in zip(cells, letters, row, strict=False)])
            + "</row>"
        )
        number += 1
        if len(out) >= FLUSH_ROWS:
            part.write("".join(out).encode())
            out.clear()
    out.append("</sheetData></worksheet>")
    part.write("".join(out).encode())


def _check_length(title: str, columns: list[Column], row: Sequence[object], number: int) -> None:
    if len(row) > len(columns):
        raise ValueError(f"Sheet {title!r} row {number} has {len(row)} values for {len(columns)} columns")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _attr(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_cell(title: str) -> Callable[..., str]:
    """An inline-string cell (never a formula, whatever the text starts with), checked for length."""
    half = MAX_CELL_CHARS // 2
    illegal = ILLEGAL_CHARACTERS_RE.search

    def text_cell(value: object, letter: str, row: int, style: int = 0) -> str:
        if value is None or value == "":  # an empty cell, as openpyxl leaves it
            return ""
        text = value if type(value) is str else str(value)
        # Any character takes at most two UTF-16 units: only long values need counting.
        if len(text) > half and len(text.encode("utf-16-le")) // 2 > MAX_CELL_CHARS:
            raise CellTooLong(
                f"Sheet {title!r} row {row}: a value of {len(text)} characters is longer than "
                f"the {MAX_CELL_CHARS} an Excel cell holds"
            )
        if illegal(text):  # cannot be stored in XLSX at all: show where they were instead of failing
            text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
        style_attr = f' s="{style}"' if style else ""
        return (
            f'<c r="{letter}{row}"{style_attr} t="inlineStr"><is><t xml:space="preserve">{_escape(text)}</t></is></c>'
        )

    return text_cell


def _cell_writer(column: Column, styles: _Styles, text: Callable[..., str]) -> Callable[[object, str, int], str]:
    """The function making one cell's XML for the column's kind; a value of another type is text."""
    style = styles.of(column.number_format or _NUMBER_FORMATS[column.kind])
    s = f' s="{style}"' if style else ""
    kind = column.kind
    if kind == "text":
        return text

    if kind == "number":

        def number_cell(value, letter, row):
            t = type(value)
            if t is int or ((t is float or t is decimal.Decimal) and math.isfinite(value)):
                return f'<c r="{letter}{row}"{s}><v>{value}</v></c>'
            if isinstance(value, int) and not isinstance(value, bool):
                return f'<c r="{letter}{row}"{s}><v>{int(value)}</v></c>'
            if isinstance(value, float | decimal.Decimal) and math.isfinite(value):
                return f'<c r="{letter}{row}"{s}><v>{value}</v></c>'
            return text(value, letter, row)  # NaN and infinities have no place in a number cell

        return number_cell

    zone = timezone.get_current_timezone()

    def date_cell(value, letter, row):
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:  # Excel has no time zones: shown in the site's zone
                value = value.astimezone(zone)
            value = value.replace(tzinfo=None)
            serial = _serial(value.date() if kind == "date" else value)
        elif isinstance(value, datetime.date):
            serial = _serial(value)
        else:
            return text(value, letter, row)
        return f'<c r="{letter}{row}"{s}><v>{serial}</v></c>'

    return date_cell


def _serial(value: datetime.date) -> float | int:
    """Excel's day number (as openpyxl's to_excel: days before 1900-03-01 shifted by Excel's 1900 leap day)."""
    if isinstance(value, datetime.datetime):
        delta = value - _EPOCH
        days = delta.days
        if 0 < days <= 60:
            days -= 1
        return (
            days + (delta.seconds + delta.microseconds / 1e6) / 86400 if delta.seconds or delta.microseconds else days
        )
    days = (value - _EPOCH.date()).days
    return days - 1 if 0 < days <= 60 else days


def _convert(value: object, kind: str) -> tuple[object, str]:
    """(value, kind written) of one cell: a declared kind is kept only for a value of that type."""
    if value is None:
        return None, "text"
    if kind == "number" and isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return value, "number"
    if kind == "datetime" and isinstance(value, datetime.datetime):
        return _naive_local(value), "datetime"
    if kind == "date" and isinstance(value, datetime.datetime):
        return _naive_local(value).date(), "date"
    if kind in ("date", "datetime") and isinstance(value, datetime.date):
        return value, "date" if kind == "date" else "datetime"
    return str(value), "text"


def _naive_local(value: datetime.datetime) -> datetime.datetime:
    """Excel has no time zones: aware date-times are shown in the site's zone (Asia/Shanghai)."""
    if value.tzinfo is not None:
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


__all__ = [
    "XLSX_CONTENT_TYPE",
    "CellTooLong",
    "Column",
    "Sheet",
    "display_width",
    "sheet_title",
    "write_xlsx",
    "xlsx_file",
    "xlsx_response",
    "xlsx_sheets_response",
]
