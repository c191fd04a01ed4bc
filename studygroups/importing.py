"""Excel import of units, study groups and members for propaganda staff.

The whole file is read and checked first; every problem is collected with its sheet and Excel row
number. Only a clean file is written, inside one transaction, so a file is imported whole or not at
all. Rows whose stored values already match the file are not saved again: re-importing the same file
writes nothing and adds no history rows.

The workbook format (sheet names, headers, allowed values) is Chinese by design: it is what county
staff fill in, whatever the interface language.
"""

from __future__ import annotations

import datetime
import io
import os
import warnings
from dataclasses import dataclass, field
from typing import IO

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from core.models import Membership, OrgUnit, Person, StudyGroup

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "导入模板.xlsx"
# Data rows over both sheets. A county has a few thousand at most; rows are saved one by one for the
# audit trail (about 5 ms each), so this keeps an import within the time of one web request.
MAX_ROWS = 5_000

UNIT_SHEET = "单位"
MEMBER_SHEET = "成员"
NOTES_SHEET = "说明"
UNIT_HEADERS = ("单位名称", "单位类型", "党组织类型", "中心组名称")
MEMBER_HEADERS = ("单位名称", "姓名", "性别", "职务", "电话", "中心组职务", "起始日期", "终止日期")

UNIT_KINDS = {"部门": OrgUnit.Kind.DEPARTMENT, "乡镇": OrgUnit.Kind.TOWNSHIP}
PARTY_BODIES = {"党委": OrgUnit.PartyBody.COMMITTEE, "党组": OrgUnit.PartyBody.GROUP}
GENDERS = {"男": Person.Gender.MALE, "女": Person.Gender.FEMALE}
ROLES = {
    "组长": Membership.Role.LEADER,
    "副组长": Membership.Role.DEPUTY,
    "成员": Membership.Role.MEMBER,
    "学习秘书": Membership.Role.SECRETARY,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
# Text a spreadsheet would run as a formula when the value is exported and opened again (CSV/formula
# injection). A leading "-" stays allowed: "-" alone and negative numbers are ordinary values.
FORMULA_STARTS = ("=", "+", "@")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowError:
    sheet: str  # "" when the problem concerns the whole file
    row: int  # Excel row number; 0 when the problem concerns the whole file or sheet
    code: str
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    units: Counts = field(default_factory=Counts)
    groups: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    memberships: Counts = field(default_factory=Counts)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        def part(counts: Counts) -> str:
            return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % vars(counts)

        return _(
            "Import finished. Units: %(units)s; study groups: %(groups)s; people: %(people)s; "
            "memberships: %(memberships)s."
        ) % {
            "units": part(self.units),
            "groups": part(self.groups),
            "people": part(self.people),
            "memberships": part(self.memberships),
        }


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str
    kind: str
    party_body: str
    group_name: str  # "" keeps an existing group's name, or gives a new group the default name


@dataclass(frozen=True)
class MemberRow:
    row: int
    unit_name: str
    name: str
    gender: str
    title: str  # "" keeps the stored value
    phone: str  # "" keeps the stored value
    role: str
    start_date: datetime.date
    end_date: datetime.date | None  # None keeps the stored value


Cells = list[tuple[int, dict[str, object]]]  # (Excel row number, {header: value}) per non-blank row


class _Errors(list[RowError]):
    def add(self, sheet: str, row: int, code: str, message: str, /, **params) -> None:
        self.append(RowError(sheet=sheet, row=row, code=code, message=message % params if params else message))


class _Rollback(Exception):
    pass


# ---------------------------------------------------------------- public entry points


def import_workbook(*, file: IO[bytes], county: OrgUnit, user) -> ImportResult:
    """Import ``file`` (an uploaded XLSX) into ``county``: all rows or, on any error, nothing."""
    if county.kind != OrgUnit.Kind.COUNTY:
        raise ValueError("Units are imported under a county.")
    if not OrgUnit.objects.editable_by(user).filter(pk=county.pk).exists():
        raise PermissionDenied
    errors = _Errors()
    sheets = _read_file(file, errors)
    if sheets is None:
        return ImportResult(errors=list(errors))
    unit_cells, member_cells = sheets
    _check_formulas(UNIT_SHEET, unit_cells, errors)
    _check_formulas(MEMBER_SHEET, member_cells, errors)
    units = [unit for row, cells in unit_cells if (unit := _parse_unit(row, cells, errors))]
    members = [member for row, cells in member_cells if (member := _parse_member(row, cells, errors))]
    _check_across_rows(unit_cells, member_cells, county, errors)
    if errors:
        return ImportResult(errors=sorted(errors, key=_error_order))
    result = ImportResult()
    try:
        with transaction.atomic():
            _write(units, members, county=county, user=user, result=result, errors=errors)
            if errors:
                raise _Rollback
    except _Rollback:
        return ImportResult(errors=sorted(errors, key=_error_order))
    return result


def build_template() -> bytes:
    """The blank workbook staff download: header rows only, plus a sheet explaining the columns."""
    wb = openpyxl.Workbook()
    units = wb.active
    units.title = UNIT_SHEET
    members = wb.create_sheet(MEMBER_SHEET)
    for ws, headers in ((units, UNIT_HEADERS), (members, MEMBER_HEADERS)):
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = 16
        ws.freeze_panes = "A2"
    # Drop-down lists guide the typing; the import checks the values anyway.
    _add_choices(units, "B", UNIT_KINDS)
    _add_choices(units, "C", PARTY_BODIES)
    _add_choices(members, "C", GENDERS)
    _add_choices(members, "F", ROLES)
    units.column_dimensions["A"].width = members.column_dimensions["A"].width = 28
    units.column_dimensions["D"].width = 36

    notes = wb.create_sheet(NOTES_SHEET)
    for line in NOTES:
        notes.append(line)
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 10), ("B", 14), ("C", 10), ("D", 80)):
        notes.column_dimensions[letter].width = width

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


NOTES = (
    ("工作表", "列", "是否必填", "说明"),
    (UNIT_SHEET, "单位名称", "必填", "本县（旗）直属部门或乡镇的名称；系统中已有同名单位时更新其类型和党组织类型。"),
    (UNIT_SHEET, "单位类型", "必填", "部门 或 乡镇"),
    (UNIT_SHEET, "党组织类型", "必填", "党委 或 党组"),
    (
        UNIT_SHEET,
        "中心组名称",
        "选填",
        "留空时，新建的中心组命名为“单位名称＋党组织类型＋理论学习中心组”，已有的中心组保留原名称。",
    ),
    (
        MEMBER_SHEET,
        "单位名称",
        "必填",
        "成员所在中心组的单位：须为“单位”表中的单位，或系统中本县（旗）已有中心组的单位。",
    ),
    (MEMBER_SHEET, "姓名", "必填", "同一单位的同一姓名在文件中只能出现一次；系统中已有此人时更新其信息。"),
    (MEMBER_SHEET, "性别", "必填", "男 或 女"),
    (MEMBER_SHEET, "职务", "选填", "行政职务，如“局长”；留空时保留系统中原有的职务。"),
    (MEMBER_SHEET, "电话", "选填", "留空时保留系统中原有的电话。"),
    (MEMBER_SHEET, "中心组职务", "必填", "组长、副组长、成员 或 学习秘书"),
    (MEMBER_SHEET, "起始日期", "必填", "Excel 日期，或文本 2024-01-01、2024/1/1、2024年1月1日。"),
    (MEMBER_SHEET, "终止日期", "选填", "仍在任时留空；不得早于起始日期；留空时保留系统中原有的终止日期。"),
    (),
    ("注意", "", "", "第一行是表头，请勿修改；从第二行起每行一条记录，空行会被忽略。"),
    ("", "", "", "导入前整个文件一并校验，任何一行有误都不会写入任何数据，并列出有误的行号和原因。"),
    ("", "", "", "单元格中不能有公式，文字也不能以 =、+、@ 开头（电子表格会把它当作公式执行）。"),
    ("", "", "", "重复导入同一文件不会产生任何变化。"),
    ("", "", "", f"每个文件最多 {MAX_ROWS} 行。"),
)


def _add_choices(ws, column: str, choices: dict) -> None:
    validation = DataValidation(type="list", formula1='"{}"'.format(",".join(choices)), allow_blank=True)
    validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
    ws.add_data_validation(validation)


# ---------------------------------------------------------------- reading


def _read_file(file: IO[bytes], errors: _Errors) -> tuple[Cells, Cells] | None:
    """The data rows of both sheets, or None (with the reason in ``errors``) when the file is unusable."""
    if _size(file) > settings.UPLOAD_MAX_BYTES:
        limit = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        errors.add("", 0, "too_large", _("The file is larger than %(limit).1f MB."), limit=limit)
        return None
    # Judge the content, not the file name: an XLSX is a zip archive that openpyxl can open.
    file.seek(0)
    head = file.read(len(ZIP_MAGIC))
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions and styles it does not read
        wb = None
        if head == ZIP_MAGIC:
            try:
                # Formulas as written (data_only=False), so a formula cell is seen and refused rather
                # than read as its cached value.
                wb = openpyxl.load_workbook(file, read_only=True, data_only=False)
            except Exception:  # any failure to parse untrusted content means "not a workbook"
                wb = None
        if wb is None:
            errors.add("", 0, "not_xlsx", _("The file is not an Excel workbook (.xlsx). Please use the template."))
            return None
        try:
            unit_cells = _sheet_rows(wb, UNIT_SHEET, UNIT_HEADERS, errors)
            member_cells = _sheet_rows(wb, MEMBER_SHEET, MEMBER_HEADERS, errors)
        finally:
            wb.close()
    if errors:
        return None
    if len(unit_cells) + len(member_cells) > MAX_ROWS:
        errors.add("", 0, "too_many_rows", _("The file has more than %(max)s rows."), max=MAX_ROWS)
        return None
    if not unit_cells and not member_cells:
        errors.add("", 0, "empty", _("The file has no rows to import."))
        return None
    return unit_cells, member_cells


def _size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    return size


def _sheet_rows(wb, sheet: str, headers: tuple[str, ...], errors: _Errors) -> Cells:
    """The non-blank data rows of ``sheet``, or [] (with the reason in ``errors``) when it is unusable."""
    if sheet not in wb.sheetnames:
        errors.add(sheet, 0, "missing_sheet", _("The workbook has no sheet named “%(sheet)s”."), sheet=sheet)
        return []
    ws = wb[sheet]
    # Some programs write wrong sheet dimensions, which would cut rows off in read-only mode.
    ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True)
    found = [_text(value) for value in next(rows, ())]
    missing = [header for header in headers if header not in found]
    if missing:
        errors.add(sheet, 1, "bad_headers", _("Missing columns: %(columns)s."), columns="、".join(missing))
        return []
    index = {header: found.index(header) for header in headers}
    result = []
    for number, values in enumerate(rows, start=2):
        if all(_text(value) == "" for value in values):
            continue
        if len(result) >= MAX_ROWS:  # stop reading early; the caller reports the excess
            result.append((number, {}))
            break
        result.append((number, {h: values[i] if i < len(values) else None for h, i in index.items()}))
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers typed as numbers
    return str(value).strip()


def _date(value) -> datetime.date | None:
    """A date from an Excel date cell or text; None when empty; ValueError when not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    if isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                pass
    raise ValueError(text)


def _check_formulas(sheet: str, rows: Cells, errors: _Errors) -> None:
    """Refuse formula cells and text starting like a formula (=, +, @): stored, it would run in the
    spreadsheet of whoever exports and opens it later."""
    for row, cells in rows:
        for header, value in cells.items():
            # openpyxl gives a formula cell as its text "=..." or, for array and table formulas, an object.
            is_formula = isinstance(value, (ArrayFormula, DataTableFormula))
            if is_formula or _text(value).startswith(FORMULA_STARTS):
                message = _("“%(column)s” starts with %(sign)s, which a spreadsheet would run as a formula.")
                errors.add(sheet, row, "formula", message, column=header, sign="=" if is_formula else _text(value)[0])


def _check_length(errors: _Errors, sheet: str, row: int, model, field_name: str, header: str, value: str) -> None:
    limit = model._meta.get_field(field_name).max_length
    if len(value) > limit:
        message = _("“%(column)s” is longer than %(max)s characters.")
        errors.add(sheet, row, "too_long", message, column=header, max=limit)


def _parse_unit(row: int, cells: dict[str, object], errors: _Errors) -> UnitRow | None:
    before = len(errors)
    name = _text(cells["单位名称"])
    kind = _text(cells["单位类型"])
    party_body = _text(cells["党组织类型"])
    group_name = _text(cells["中心组名称"])
    if not name:
        errors.add(UNIT_SHEET, row, "missing_unit_name", _("The unit name is missing."))
    _check_length(errors, UNIT_SHEET, row, OrgUnit, "name", "单位名称", name)
    _check_length(errors, UNIT_SHEET, row, StudyGroup, "name", "中心组名称", group_name)
    if kind not in UNIT_KINDS:
        message = _("Unknown unit kind “%(value)s”; use 部门 or 乡镇.")
        errors.add(UNIT_SHEET, row, "unknown_unit_kind", message, value=kind)
    if party_body not in PARTY_BODIES:
        message = _("Unknown party body “%(value)s”; use 党委 or 党组.")
        errors.add(UNIT_SHEET, row, "unknown_party_body", message, value=party_body)
    if len(errors) > before:
        return None
    return UnitRow(row, name, UNIT_KINDS[kind], PARTY_BODIES[party_body], group_name)


def _parse_member(row: int, cells: dict[str, object], errors: _Errors) -> MemberRow | None:
    before = len(errors)
    sheet = MEMBER_SHEET
    unit_name = _text(cells["单位名称"])
    name = _text(cells["姓名"])
    gender = _text(cells["性别"])
    title = _text(cells["职务"])
    phone = _text(cells["电话"])
    role = _text(cells["中心组职务"])
    if not unit_name:
        errors.add(sheet, row, "missing_unit_name", _("The unit name is missing."))
    if not name:
        errors.add(sheet, row, "missing_person_name", _("The name is missing."))
    _check_length(errors, sheet, row, Person, "name", "姓名", name)
    _check_length(errors, sheet, row, Person, "title", "职务", title)
    _check_length(errors, sheet, row, Person, "phone", "电话", phone)
    if gender not in GENDERS:
        errors.add(sheet, row, "bad_gender", _("Unknown gender “%(value)s”; use 男 or 女."), value=gender)
    if role not in ROLES:
        message = _("Unknown group role “%(value)s”; use 组长, 副组长, 成员 or 学习秘书.")
        errors.add(sheet, row, "unknown_role", message, value=role)
    start_date = end_date = None
    try:
        start_date = _date(cells["起始日期"])
        if start_date is None:
            errors.add(sheet, row, "bad_start_date", _("The start date is missing."))
    except ValueError as exc:
        message = _("The start date “%(value)s” is not a date; write it like 2024-01-01.")
        errors.add(sheet, row, "bad_start_date", message, value=exc.args[0])
    try:
        end_date = _date(cells["终止日期"])
    except ValueError as exc:
        message = _("The end date “%(value)s” is not a date; write it like 2024-01-01.")
        errors.add(sheet, row, "bad_end_date", message, value=exc.args[0])
    if start_date and end_date and end_date < start_date:
        errors.add(sheet, row, "end_before_start", _("The end date is before the start date."))
    if len(errors) > before:
        return None
    return MemberRow(row, unit_name, name, GENDERS[gender], title, phone, ROLES[role], start_date, end_date)


# ---------------------------------------------------------------- checks across rows


def _existing_groups(county: OrgUnit) -> dict[str, StudyGroup]:
    """The county's own group and its units' groups, by unit name (a unit of the county wins a tie)."""
    groups = StudyGroup.objects.filter(Q(unit=county) | Q(unit__parent=county)).select_related("unit")
    return {g.unit.name: g for g in sorted(groups, key=lambda g: g.unit_id != county.pk)}


def _check_across_rows(unit_cells: Cells, member_cells: Cells, county: OrgUnit, errors: _Errors) -> None:
    """Duplicates and unknown units; on the raw cells, so they are reported along with bad cells."""
    first_unit_row: dict[str, int] = {}
    for row, cells in unit_cells:
        name = _text(cells["单位名称"])
        if name and name in first_unit_row:
            message = _("The unit “%(name)s” is already listed in row %(first)s.")
            errors.add(UNIT_SHEET, row, "duplicate_unit", message, name=name, first=first_unit_row[name])
        elif name:
            first_unit_row[name] = row
    known = set(_existing_groups(county)) | set(first_unit_row)
    first_person_row: dict[tuple[str, str], int] = {}
    for row, cells in member_cells:
        unit_name, name = _text(cells["单位名称"]), _text(cells["姓名"])
        if not unit_name:
            continue  # reported as a missing unit name
        if unit_name not in known:
            message = _(
                "The unit “%(name)s” is neither in the sheet 单位 nor a unit of this county with a study group."
            )
            errors.add(MEMBER_SHEET, row, "unknown_unit", message, name=unit_name)
        if name and (unit_name, name) in first_person_row:
            message = _("%(name)s of %(unit)s is already listed in row %(first)s.")
            params = {"name": name, "unit": unit_name, "first": first_person_row[(unit_name, name)]}
            errors.add(MEMBER_SHEET, row, "duplicate_person", message, **params)
        elif name:
            first_person_row[(unit_name, name)] = row


def _error_order(error: RowError) -> tuple[int, int]:
    return ({UNIT_SHEET: 0, MEMBER_SHEET: 1}.get(error.sheet, -1), error.row)


# ---------------------------------------------------------------- writing


def _write(
    units: list[UnitRow],
    members: list[MemberRow],
    *,
    county: OrgUnit,
    user,
    result: ImportResult,
    errors: _Errors,
) -> None:
    groups_by_name = _existing_groups(county)
    existing_units = {u.name: u for u in OrgUnit.objects.filter(parent=county)}
    groups_by_unit = {g.unit_id: g for g in groups_by_name.values()}

    for row in units:
        unit = existing_units.get(row.name) or OrgUnit(parent=county, name=row.name)
        values = {"kind": row.kind, "party_body": row.party_body}
        if not _save(unit, values, user=user, counts=result.units, errors=errors, sheet=UNIT_SHEET, row=row.row):
            continue
        group = groups_by_unit.get(unit.pk) or StudyGroup(unit=unit)
        name = row.group_name or (group.name if group.pk else StudyGroup.default_name(unit))
        if _save(group, {"name": name}, user=user, counts=result.groups, errors=errors, sheet=UNIT_SHEET, row=row.row):
            groups_by_name[unit.name] = group
    if errors:
        return

    unit_ids = [g.unit_id for g in groups_by_name.values()]
    people = {(p.unit_id, p.name): p for p in Person.objects.filter(unit__in=unit_ids)}
    seats = {
        (m.study_group_id, m.person_id, m.start_date): m
        for m in Membership.objects.filter(study_group__in=list(groups_by_name.values()))
    }
    for row in members:
        group = groups_by_name[row.unit_name]
        person = people.get((group.unit_id, row.name)) or Person(unit=group.unit, name=row.name)
        values = {"gender": row.gender} | ({"title": row.title} if row.title else {})
        values |= {"phone": row.phone} if row.phone else {}
        if not _save(person, values, user=user, counts=result.people, errors=errors, sheet=MEMBER_SHEET, row=row.row):
            continue
        seat = seats.get((group.pk, person.pk, row.start_date)) or Membership(
            study_group=group, person=person, start_date=row.start_date
        )
        values = {"role": row.role} | ({"end_date": row.end_date} if row.end_date else {})
        _save(seat, values, user=user, counts=result.memberships, errors=errors, sheet=MEMBER_SHEET, row=row.row)


def _save(obj: models.Model, values: dict, *, user, counts: Counts, errors: _Errors, sheet: str, row: int) -> bool:
    """Save ``obj`` with ``values`` only when new or changed, so unchanged rows leave no history."""
    adding = obj._state.adding
    changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
    if not adding and not changed:
        counts.unchanged += 1
        return True
    for name, value in changed.items():
        setattr(obj, name, value)
    # Related rows were just loaded or saved, and identity (unit + name, group + person + start) comes
    # from the lookups above, so skip the per-row existence and uniqueness queries; clean() still runs.
    foreign_keys = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.add(sheet, row, "invalid", " ".join(exc.messages))
        return False
    if adding:
        obj.created_by = user
    obj._history_user = user  # history rows name the importer even outside a request
    obj.save()
    if adding:
        counts.created += 1
    else:
        counts.updated += 1
    return True
