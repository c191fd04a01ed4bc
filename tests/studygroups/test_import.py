"""The Excel import: a good file is written whole, a bad one not at all, and re-importing changes nothing."""

import datetime
import io
import zipfile
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl.worksheet.formula import ArrayFormula

from core.models import Membership, OrgUnit, Person, StudyGroup
from studygroups import importing
from studygroups.importing import (
    MEMBER_HEADERS,
    MEMBER_SHEET,
    UNIT_HEADERS,
    UNIT_SHEET,
    XLSX_CONTENT_TYPE,
    build_template,
    import_workbook,
)

UPLOAD_URL = reverse("studygroups:import_upload")
TEMPLATE_URL = reverse("studygroups:import_template")
MODELS = (OrgUnit, StudyGroup, Person, Membership)


def workbook(units=(), members=(), *, unit_headers=UNIT_HEADERS, member_headers=MEMBER_HEADERS, sheets=None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, headers, rows in ((UNIT_SHEET, unit_headers, units), (MEMBER_SHEET, member_headers, members)):
        if sheets is not None and title not in sheets:
            continue
        ws = wb.create_sheet(title)
        ws.append(headers)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows(world):
    units = [
        ("甲旗财政局", "部门", "党组", None),
        ("甲旗东风镇", "乡镇", "党委", "东风镇党委中心组"),
    ]
    members = [
        ("甲旗财政局", "张伟", "男", "局长", 13800000000, "组长", datetime.datetime(2024, 1, 1), None),
        ("甲旗东风镇", "李娜", "女", "镇长", "0477-1234567", "副组长", "2024/1/1", "2024年12月31日"),
        # An existing group of the county that is not in the sheet 单位.
        (world.home.dept.name, "王芳", "女", "", None, "学习秘书", "2023-03-15", None),
    ]
    return units, members


def counts() -> dict[str, int]:
    rows = {model.__name__: model.objects.count() for model in MODELS}
    history = {f"{model.__name__} history": model.history.count() for model in MODELS}
    return rows | history


def run(world, data: bytes, *, county=None, user=None):
    return import_workbook(file=io.BytesIO(data), county=county or world.home.county, user=user or world.users.staff)


def codes(result) -> list[tuple[str, int, str]]:
    return [(e.sheet, e.row, e.code) for e in result.errors]


# ---------------------------------------------------------------- a good file


def test_good_file_is_imported(world):
    staff, county = world.users.staff, world.home.county
    result = run(world, workbook(*good_rows(world)))

    assert result.ok, result.errors
    finance = OrgUnit.objects.get(parent=county, name="甲旗财政局")
    town = OrgUnit.objects.get(parent=county, name="甲旗东风镇")
    assert (finance.kind, finance.party_body, finance.path) == ("department", "group", county.descendant_prefix)
    assert (town.kind, town.party_body) == ("township", "committee")
    assert finance.study_group.name == "甲旗财政局党组理论学习中心组"
    assert town.study_group.name == "东风镇党委中心组"

    zhang = Person.objects.get(unit=finance, name="张伟")
    assert (zhang.gender, zhang.title, zhang.phone) == ("M", "局长", "13800000000")
    li = Person.objects.get(unit=town, name="李娜")
    assert (li.gender, li.title, li.phone) == ("F", "镇长", "0477-1234567")
    wang = Person.objects.get(unit=world.home.dept, name="王芳")
    assert (wang.gender, wang.title, wang.phone) == ("F", "", "")

    seats = {m.person.name: m for m in Membership.objects.filter(person__in=[zhang, li, wang]).select_related("person")}
    assert (seats["张伟"].study_group, seats["张伟"].role, seats["张伟"].role_order) == (
        finance.study_group,
        "leader",
        0,
    )
    assert (seats["张伟"].start_date, seats["张伟"].end_date) == (datetime.date(2024, 1, 1), None)
    assert (seats["李娜"].study_group, seats["李娜"].role) == (town.study_group, "deputy")
    assert (seats["李娜"].start_date, seats["李娜"].end_date) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 31),
    )
    assert (seats["王芳"].study_group, seats["王芳"].role) == (world.home.dept_group, "secretary")
    assert seats["王芳"].start_date == datetime.date(2023, 3, 15)

    new_rows = [finance, town, finance.study_group, town.study_group, zhang, li, wang, *seats.values()]
    assert all(row.created_by == staff for row in new_rows)
    assert all(row.history.get().history_user == staff for row in new_rows)
    created = {kind: getattr(result, kind).created for kind in ("units", "groups", "people", "memberships")}
    assert created == {"units": 2, "groups": 2, "people": 3, "memberships": 3}
    assert "单位：新增 2，更新 0，未变 0" in result.summary()  # shown to staff in Chinese


def test_reimport_changes_nothing(world):
    data = workbook(*good_rows(world))
    assert run(world, data).ok
    before = counts()
    stamps = {model: list(model.objects.order_by("pk").values_list("pk", "updated_at")) for model in MODELS}

    result = run(world, data)

    assert result.ok, result.errors
    assert counts() == before
    assert {model: list(model.objects.order_by("pk").values_list("pk", "updated_at")) for model in MODELS} == stamps
    for kind, n in (("units", 2), ("groups", 2), ("people", 3), ("memberships", 3)):
        assert vars(getattr(result, kind)) == {"created": 0, "updated": 0, "unchanged": n}


def test_existing_rows_are_matched_and_a_changed_title_updates_one_person(world):
    member = world.home.member  # factory: title 科员, male, member of the department's group since 2024-01-01
    row = (world.home.dept.name, member.name, "男", "科员", None, "成员", "2024-01-01", None)
    dept_row = (world.home.dept.name, "部门", "党组", None)
    before = counts()
    matched = run(world, workbook([dept_row], [row]))
    assert matched.ok and (matched.people.unchanged, matched.memberships.unchanged) == (1, 1)
    assert counts() == before  # matched, so nothing was written

    changed = (*row[:3], "副局长", *row[4:])
    result = run(world, workbook([dept_row], [changed]))

    assert result.ok, result.errors
    assert (result.people.updated, result.people.unchanged, result.memberships.unchanged) == (1, 0, 1)
    assert result.units.unchanged == result.groups.unchanged == 1
    member.refresh_from_db()
    assert member.title == "副局长"
    after = counts()
    assert after.pop("Person history") == before.pop("Person history") + 1
    assert after == before
    last = member.history.first()
    assert (last.history_type, last.title, last.history_user) == ("~", "副局长", world.users.staff)


def test_empty_optional_cells_keep_stored_values(world):
    member = world.home.left  # has an end date of 2024-06-30
    member.phone = "13900000000"
    member.save()
    row = (world.home.dept.name, member.name, "男", "", None, "成员", "2024-01-01", None)
    result = run(world, workbook([], [row]))
    assert result.ok and result.people.unchanged == 1 and result.memberships.unchanged == 1
    member.refresh_from_db()
    assert (member.title, member.phone) == ("科员", "13900000000")
    assert member.memberships.get().end_date == datetime.date(2024, 6, 30)


def test_existing_unit_kind_and_group_name_are_updated(world):
    result = run(world, workbook([(world.home.dept.name, "部门", "党委", "教育局中心组")]))
    assert result.ok, result.errors
    world.home.dept.refresh_from_db()
    world.home.dept_group.refresh_from_db()
    assert world.home.dept.party_body == "committee"
    assert world.home.dept_group.name == "教育局中心组"
    assert (result.units.updated, result.groups.updated) == (1, 1)


# ---------------------------------------------------------------- bad rows


GOOD_UNIT = ("甲旗财政局", "部门", "党组", None)
GOOD_MEMBER = ("甲旗财政局", "张伟", "男", "局长", None, "组长", "2024-01-01", None)


def with_cell(row: tuple, index: int, value) -> tuple:
    return (*row[:index], value, *row[index + 1 :])


@pytest.mark.parametrize(
    ("units", "members", "expected"),
    [
        ([with_cell(GOOD_UNIT, 0, None)], [], (UNIT_SHEET, 2, "missing_unit_name")),
        ([with_cell(GOOD_UNIT, 1, "局")], [], (UNIT_SHEET, 2, "unknown_unit_kind")),
        ([with_cell(GOOD_UNIT, 1, None)], [], (UNIT_SHEET, 2, "unknown_unit_kind")),
        ([with_cell(GOOD_UNIT, 2, "支部")], [], (UNIT_SHEET, 2, "unknown_party_body")),
        ([GOOD_UNIT, GOOD_UNIT], [], (UNIT_SHEET, 3, "duplicate_unit")),
        ([with_cell(GOOD_UNIT, 0, "局" * 101)], [], (UNIT_SHEET, 2, "too_long")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 1, " ")], (MEMBER_SHEET, 2, "missing_person_name")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 0, None)], (MEMBER_SHEET, 2, "missing_unit_name")),
        ([GOOD_UNIT], [GOOD_MEMBER, with_cell(GOOD_MEMBER, 5, "成员")], (MEMBER_SHEET, 3, "duplicate_person")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 2, "M")], (MEMBER_SHEET, 2, "bad_gender")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 5, "书记")], (MEMBER_SHEET, 2, "unknown_role")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 6, None)], (MEMBER_SHEET, 2, "bad_start_date")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 6, "2024-13-01")], (MEMBER_SHEET, 2, "bad_start_date")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 6, 45292)], (MEMBER_SHEET, 2, "bad_start_date")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 7, "明年")], (MEMBER_SHEET, 2, "bad_end_date")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 7, "2023-12-31")], (MEMBER_SHEET, 2, "end_before_start")),
        ([GOOD_UNIT], [with_cell(GOOD_MEMBER, 0, "甲旗税务局")], (MEMBER_SHEET, 2, "unknown_unit")),
        # A unit of the other county is unknown here.
        ([], [with_cell(GOOD_MEMBER, 0, "乙旗教育局")], (MEMBER_SHEET, 2, "unknown_unit")),
        # A branch has no study group.
        ([], [with_cell(GOOD_MEMBER, 0, "甲旗红旗村")], (MEMBER_SHEET, 2, "unknown_unit")),
    ],
)
def test_bad_row_rejects_the_file(world, units, members, expected):
    before = counts()
    result = run(world, workbook(units, members))
    assert codes(result) == [expected]
    assert result.errors[0].message
    assert counts() == before


def test_all_errors_are_collected_with_row_numbers(world):
    units = [GOOD_UNIT, ("甲旗东风镇", "镇", "党委", None), (None, None, None, None), ("甲旗西风镇", "乡镇", "", None)]
    members = [
        GOOD_MEMBER,
        ("甲旗东风镇", "李娜", "女", "", None, "组长", "2024-01-01", None),
        ("甲旗财政局", "", "男", "", None, "组长", "2024-01-01", None),  # row 4
        ("甲旗财政局", "张伟", "男", "", None, "成员", "2024年1月1日", "2023/1/1"),  # row 5
    ]
    before = counts()
    result = run(world, workbook(units, members))
    # The blank unit row (4) is skipped; the unit row with an error still counts as named for the members.
    assert codes(result) == [
        (UNIT_SHEET, 3, "unknown_unit_kind"),
        (UNIT_SHEET, 5, "unknown_party_body"),
        (MEMBER_SHEET, 4, "missing_person_name"),
        (MEMBER_SHEET, 5, "end_before_start"),
        (MEMBER_SHEET, 5, "duplicate_person"),
    ]
    assert counts() == before


def test_error_found_while_writing_rolls_everything_back(world):
    # A second open-ended seat for the same person overlaps the first: only the model's clean() sees it.
    member = world.home.member
    row = (world.home.dept.name, member.name, "男", "", None, "组长", "2025-01-01", None)
    before = counts()
    result = run(world, workbook([GOOD_UNIT], [GOOD_MEMBER, row]))
    assert codes(result) == [(MEMBER_SHEET, 3, "invalid")]
    assert counts() == before
    assert not OrgUnit.objects.filter(name="甲旗财政局").exists()


# ---------------------------------------------------------------- bad files


def test_text_file_named_xlsx_is_refused(world):
    assert codes(run(world, "单位名称,单位类型\n".encode())) == [("", 0, "not_xlsx")]


def test_zip_that_is_not_a_workbook_is_refused(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert codes(run(world, out.getvalue())) == [("", 0, "not_xlsx")]


def test_oversize_file_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    before = counts()
    assert codes(run(world, workbook(*good_rows(world)))) == [("", 0, "too_large")]
    assert counts() == before


def test_missing_sheet_and_wrong_headers_are_refused(world):
    assert codes(run(world, workbook([GOOD_UNIT], sheets=[UNIT_SHEET]))) == [(MEMBER_SHEET, 0, "missing_sheet")]
    bad_headers = ("单位", "类型", "党组织类型", "中心组名称")
    assert codes(run(world, workbook([GOOD_UNIT], unit_headers=bad_headers))) == [(UNIT_SHEET, 1, "bad_headers")]


def test_columns_may_come_in_any_order(world):
    order = [3, 2, 1, 0]
    headers = tuple(UNIT_HEADERS[i] for i in order)
    result = run(world, workbook([tuple(GOOD_UNIT[i] for i in order)], unit_headers=headers))
    assert result.ok, result.errors
    assert OrgUnit.objects.get(name="甲旗财政局").party_body == "group"


def test_too_many_rows_are_refused(world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    units = [(f"单位{i}", "部门", "党组", None) for i in range(2)]
    members = [(f"单位{i}", "张伟", "男", "", None, "成员", "2024-01-01", None) for i in range(2)]
    assert codes(run(world, workbook(units, members))) == [("", 0, "too_many_rows")]
    assert run(world, workbook(units, members[:1])).ok


def test_blank_template_imports_as_empty_file(world):
    result = run(world, build_template())
    assert codes(result) == [("", 0, "empty")]


def test_import_into_a_non_county_is_a_programming_error(world):
    with pytest.raises(ValueError):
        run(world, workbook([GOOD_UNIT]), county=world.home.dept)


# ---------------------------------------------------------------- views


def upload(client, data: bytes, name: str = "units.xlsx", follow: bool = False, **fields):
    file = SimpleUploadedFile(name, data, content_type=XLSX_CONTENT_TYPE)
    return client.post(UPLOAD_URL, {"file": file, **fields}, follow=follow)


def test_template_download_is_a_workbook_with_the_headers(world, client):
    client.force_login(world.users.staff)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert f"filename*=UTF-8''{quote('导入模板.xlsx')}" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [UNIT_SHEET, MEMBER_SHEET, "说明"]
    assert tuple(c.value for c in wb[UNIT_SHEET][1]) == UNIT_HEADERS
    assert tuple(c.value for c in wb[MEMBER_SHEET][1]) == MEMBER_HEADERS
    assert wb[UNIT_SHEET].max_row == wb[MEMBER_SHEET].max_row == 1  # no example rows to import by accident


def test_staff_upload_page_and_good_upload(world, client):
    client.force_login(world.users.staff)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert "county" not in page.context["form"].fields
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert TEMPLATE_URL in page.content.decode()

    response = upload(client, workbook(*good_rows(world)), follow=True)
    assert response.redirect_chain == [(UPLOAD_URL, 302)]
    assert OrgUnit.objects.filter(parent=world.home.county, name="甲旗财政局").exists()
    [message] = list(response.context["messages"])
    assert message.level_tag == "success"


def test_bad_upload_shows_rows_and_writes_nothing(world, client):
    client.force_login(world.users.staff)
    before = counts()
    response = upload(client, workbook([GOOD_UNIT], [with_cell(GOOD_MEMBER, 2, "男性")]))
    assert response.status_code == 200
    assert [(e.sheet, e.row, e.code) for e in response.context["errors"]] == [(MEMBER_SHEET, 2, "bad_gender")]
    assert 'id="import-errors"' in response.content.decode()
    assert counts() == before


def test_formula_cells_are_refused_with_chinese_row_errors_and_nothing_is_saved(world, client):
    members = [
        with_cell(GOOD_MEMBER, 1, '=HYPERLINK("http://x","y")'),  # openpyxl stores it as a formula cell
        ("甲旗财政局", "李娜", "女", "+1", None, "成员", "2024-01-01", None),
        ("甲旗财政局", "王芳", "女", "", "@SUM(A1)", "成员", "2024-01-01", None),
    ]
    data = workbook([with_cell(GOOD_UNIT, 3, "  =1+1")], members)
    assert openpyxl.load_workbook(io.BytesIO(data))[MEMBER_SHEET]["B2"].data_type == "f"
    client.force_login(world.users.staff)
    before = counts()
    response = upload(client, data)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e.sheet, e.row, e.code) for e in errors] == [
        (UNIT_SHEET, 2, "formula"),
        (MEMBER_SHEET, 2, "formula"),
        (MEMBER_SHEET, 3, "formula"),
        (MEMBER_SHEET, 4, "formula"),
    ]
    messages = [e.message for e in errors]
    assert messages[1] == "“姓名”以“=”开头，电子表格会把它当作公式执行；请直接填写内容，不要以该符号开头。"
    assert messages[0].startswith("“中心组名称”以“=”开头") and messages[2].startswith("“职务”以“+”开头")
    assert messages[3].startswith("“电话”以“@”开头")
    html = response.content.decode()
    assert 'id="import-errors"' in html and "“姓名”以“=”开头" in html and "<td>成员</td><td>3</td>" in html
    assert counts() == before


def test_array_formula_cells_are_refused(world):
    wb = openpyxl.load_workbook(io.BytesIO(workbook([GOOD_UNIT], [GOOD_MEMBER])))
    wb[MEMBER_SHEET]["D2"] = ArrayFormula("D2", "=UPPER(B2)")
    out = io.BytesIO()
    wb.save(out)
    result = run(world, out.getvalue())
    assert codes(result) == [(MEMBER_SHEET, 2, "formula")]


def test_a_leading_minus_is_an_ordinary_value(world):
    result = run(world, workbook([GOOD_UNIT], [with_cell(GOOD_MEMBER, 4, "-")]))
    assert result.ok, result.errors
    assert Person.objects.get(name="张伟").phone == "-"


def test_upload_spooled_to_disk_is_read(world, client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # a TemporaryUploadedFile, as for big files
    client.force_login(world.users.staff)
    assert upload(client, workbook([GOOD_UNIT])).status_code == 302
    assert OrgUnit.objects.filter(parent=world.home.county, name="甲旗财政局").exists()


def test_upload_renamed_text_file_is_refused(world, client):
    client.force_login(world.users.staff)
    response = upload(client, b"just text", name="units.xlsx")
    assert response.status_code == 200
    assert [e.code for e in response.context["errors"]] == ["not_xlsx"]


def test_superuser_picks_the_county(world, client):
    client.force_login(world.users.superuser)
    page = client.get(UPLOAD_URL)
    choices = set(page.context["form"].fields["county"].queryset)
    assert choices == {world.home.county, world.other.county}

    missing = upload(client, workbook([GOOD_UNIT]))
    assert missing.status_code == 200 and "county" in missing.context["form"].errors
    assert not OrgUnit.objects.filter(name="甲旗财政局").exists()

    response = upload(client, workbook([GOOD_UNIT]), county=world.other.county.pk)
    assert response.status_code == 302
    unit = OrgUnit.objects.get(name="甲旗财政局")
    assert unit.parent == world.other.county and unit.created_by == world.users.superuser


@pytest.mark.parametrize("role", ["inspector", "secretary", "member", "auditor", "norole", "region_auditor"])
@pytest.mark.parametrize("url", [UPLOAD_URL, TEMPLATE_URL])
def test_other_roles_are_forbidden(world, client, role, url, client_as):
    client_as(role)
    assert client.get(url).status_code == 403


def test_other_roles_cannot_post_either(world, client):
    client.force_login(world.users.inspector)
    before = counts()
    assert upload(client, workbook([GOOD_UNIT])).status_code == 403
    assert counts() == before


@pytest.mark.parametrize("url", [UPLOAD_URL, TEMPLATE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
