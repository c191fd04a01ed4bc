"""Streaming XLSX writer for exports.

Rows come from any iterable (a generator, ``queryset.iterator()``) and go straight to disk through
openpyxl's write-only mode, so memory stays flat however many rows there are. Only the first
``WIDTH_SAMPLE_ROWS`` rows of each sheet are held at once, to size the columns.

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
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Literal

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_CHARS = 32_767  # Excel's limit, counted in UTF-16 code units
MAX_SHEET_TITLE = 31
WIDTH_SAMPLE_ROWS = 100  # header plus this many rows decide a column's width
MIN_WIDTH = 6
MAX_WIDTH = 60
SPOOL_MAX_BYTES = 8 * 1024 * 1024  # xlsx_file keeps smaller files in memory, larger ones on disk

Kind = Literal["text", "number", "date", "datetime"]
_KINDS = ("text", "number", "date", "datetime")
_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "number": "General", "text": "General"}
_DEFAULT_WIDTHS = {"number": 8, "date": 12, "datetime": 17}
_FORBIDDEN_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")


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
    """Write ``sheets`` to ``target`` (a path or a binary file object), consuming each sheet's rows once."""
    workbook = Workbook(write_only=True)
    titles: list[str] = []
    try:
        for sheet in sheets:
            title = sheet_title(sheet.title, titles)
            titles.append(title)
            _write_sheet(workbook.create_sheet(title), title, sheet)
        if not titles:
            raise ValueError("An XLSX file needs at least one sheet")
    except BaseException:
        _discard(workbook)
        raise
    workbook.save(target)


def _discard(workbook: Workbook) -> None:
    """Finish and delete the half-written sheets' temporary files (openpyxl keeps them until exit)."""
    for ws in workbook.worksheets:
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
            ws._writer.cleanup()


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


def _write_sheet(ws, title: str, sheet: Sheet) -> None:
    columns = list(sheet.columns)
    preamble = list(sheet.preamble)
    first = len(preamble) + 2  # the first data row's number
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    sample_cells = [_row_values(title, columns, row, number) for number, row in enumerate(sample, start=first)]

    # Write-only sheets take dimensions and panes before the first row.
    for index, column in enumerate(columns):
        width = column.width
        if width is None:
            sampled = [values[index] for values in sample_cells if index < len(values)]
            width = max([_DEFAULT_WIDTHS.get(column.kind, 0), display_width(column.header) + 2])
            width = max(
                [width]
                + [
                    display_width(str(value)) + 2
                    for value, kind in sampled
                    if value is not None and kind in ("text", "number")
                ]
            )
        ws.column_dimensions[get_column_letter(index + 1)].width = min(max(width, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = f"A{first}"

    bold = Font(bold=True)
    for number, line in enumerate(preamble, start=1):
        ws.append([_cell(ws, title, number, line, "text")])
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for column in columns:
        cell = _cell(ws, title, first - 1, column.header, "text")
        cell.font = bold
        cell.alignment = centre
        header.append(cell)
    ws.append(header)

    formats = [column.number_format or _NUMBER_FORMATS[column.kind] for column in columns]
    for number, values in enumerate(
        itertools.chain(
            sample_cells, (_row_values(title, columns, row, n) for n, row in enumerate(rows, start=len(sample) + first))
        )
    ):
        row = []
        for index, (value, kind) in enumerate(values):
            cell = _cell(ws, title, number + first, value, kind)
            if kind != "text" and formats[index] != "General":
                cell.number_format = formats[index]
            row.append(cell)
        ws.append(row)


def _row_values(title: str, columns: list[Column], row: Sequence[object], number: int) -> list[tuple[object, str]]:
    """(value, kind written) for each cell of a row: a declared kind is kept only for a value of that type."""
    if len(row) > len(columns):
        raise ValueError(f"Sheet {title!r} row {number} has {len(row)} values for {len(columns)} columns")
    return [_convert(value, column.kind) for value, column in zip(row, columns, strict=False)]


def _convert(value: object, kind: str) -> tuple[object, str]:
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
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _cell(ws, title: str, row_number: int, value: object, kind: str) -> WriteOnlyCell:
    if kind != "text" or value is None:
        return WriteOnlyCell(ws, value=value)
    text: str = value  # type: ignore[assignment]
    if len(text.encode("utf-16-le")) // 2 > MAX_CELL_CHARS:
        raise CellTooLong(
            f"Sheet {title!r} row {row_number}: a value of {len(text)} characters is longer than "
            f"the {MAX_CELL_CHARS} an Excel cell holds"
        )
    # Control characters cannot be stored in XLSX at all; show where they were instead of failing.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # a str starting with "=" was taken for a formula: keep it inert text
    return cell


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
