import datetime
import decimal
import io
import re
import tracemalloc
import zipfile
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from core.xlsx import (
    MAX_CELL_CHARS,
    XLSX_CONTENT_TYPE,
    CellTooLong,
    Column,
    Sheet,
    display_width,
    sheet_title,
    write_xlsx,
    xlsx_response,
    xlsx_sheets_response,
)

FORMULA_LOOKALIKES = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","点我")', "=", "=A1"]


def _write(columns, rows, title="名单") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets=[Sheet(title, columns, rows)])
    return buffer.getvalue()


def _sheet_xml(data: bytes, number: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


def _load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_formula_lookalikes_stay_inert_text():
    data = _write([Column("内容"), Column("数量", kind="number")], [[text, text] for text in FORMULA_LOOKALIKES])

    ws = _load(data).active
    cells = [row for row in ws.iter_rows(min_row=2)]
    assert [(a.value, a.data_type, b.value, b.data_type) for a, b in cells] == [
        (text, "s", text, "s") for text in FORMULA_LOOKALIKES
    ]
    xml = _sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == 2 + 2 * len(FORMULA_LOOKALIKES)


def test_a_value_too_long_for_a_cell_fails_loudly(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CellTooLong, match="row 3"):
        write_xlsx(target, sheets=[Sheet("心得", [Column("心得")], [["短"], ["长" * (MAX_CELL_CHARS + 1)]])])
    assert list(tmp_path.iterdir()) == []  # neither the file nor a half-written temporary one


def test_the_cell_limit_counts_utf16_units():
    """Characters outside the BMP take two of Excel's 32,767 units."""
    _write([Column("心得")], [["长" * MAX_CELL_CHARS]])
    with pytest.raises(CellTooLong):
        _write([Column("心得")], [["𠀀" * (MAX_CELL_CHARS // 2 + 1)]])


def test_header_is_frozen_and_bold():
    ws = _load(_write([Column("姓名"), Column("单位")], [["张三", "宣传部"]])).active

    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["B1"].font.b
    assert not ws["A2"].font.b


def test_cjk_text_gets_a_wider_column_than_ascii_of_the_same_length():
    ws = _load(_write([Column("a"), Column("b")], [["宣传部理论学习中心组", "abcdefghij"]])).active

    assert display_width("宣传部理论学习中心组") == 20
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width
    assert ws.column_dimensions["A"].width == 22
    assert ws.column_dimensions["B"].width == 12


def test_widths_are_capped_and_can_be_fixed():
    ws = _load(_write([Column("a"), Column("b", width=30)], [["学" * 500, "x"]])).active

    assert ws.column_dimensions["A"].width == 60
    assert ws.column_dimensions["B"].width == 30


def test_numbers_dates_and_datetimes_round_trip():
    shanghai = ZoneInfo("Asia/Shanghai")
    columns = [
        Column("数量", kind="number"),
        Column("金额", kind="number", number_format="0.00"),
        Column("日期", kind="date"),
        Column("时间", kind="datetime"),
        Column("备注"),
    ]
    rows = [
        [3, decimal.Decimal("12.50"), datetime.date(2024, 3, 1), datetime.datetime(2024, 3, 1, 9, 30), 42],
        # An aware UTC time is shown in Beijing time.
        [2.5, None, datetime.date(2024, 12, 31), datetime.datetime(2024, 3, 1, 1, 30, tzinfo=datetime.UTC), None],
        ["未填", "x", "2024-01-01", datetime.datetime(2024, 3, 1, 9, 30, tzinfo=shanghai), "=1"],
    ]
    ws = _load(_write(columns, rows)).active

    values = [[cell.value for cell in row] for row in ws.iter_rows(min_row=2, max_col=5)]
    assert values == [
        [3, 12.5, datetime.datetime(2024, 3, 1), datetime.datetime(2024, 3, 1, 9, 30), "42"],
        [2.5, None, datetime.datetime(2024, 12, 31), datetime.datetime(2024, 3, 1, 9, 30), None],
        ["未填", "x", "2024-01-01", datetime.datetime(2024, 3, 1, 9, 30), "=1"],
    ]
    assert ws["B2"].number_format == "0.00"
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["A4"].data_type == "s"


def test_control_characters_are_shown_not_dropped():
    ws = _load(_write([Column("内容")], [["一\x0b二"]])).active

    assert ws["A2"].value == "一\ufffd二"


def test_a_row_longer_than_the_columns_is_rejected():
    with pytest.raises(ValueError, match="3 values for 2 columns"):
        _write([Column("a"), Column("b")], [[1, 2, 3]])


def test_sheet_titles_are_sanitised_and_unique():
    assert sheet_title("2024/上半年:考勤[汇总]*?") == "2024_上半年_考勤_汇总___"
    assert sheet_title("'引号'") == "引号"
    assert sheet_title("") == "Sheet"
    assert sheet_title("History") == "History_"
    assert len(sheet_title("长" * 40)) == 31
    assert sheet_title("考勤", ["考勤"]) == "考勤(2)"
    assert sheet_title("长" * 40, ["长" * 31]) == "长" * 28 + "(2)"

    buffer = io.BytesIO()
    write_xlsx(buffer, sheets=[Sheet("考勤/汇总", [Column("a")], []), Sheet("考勤/汇总", [Column("a")], [])])
    assert _load(buffer.getvalue()).sheetnames == ["考勤_汇总", "考勤_汇总(2)"]


def test_at_least_one_sheet_is_needed():
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), sheets=[])


SMALL, LARGE = 2_000, 10_000


def _rows(count: int, consumed: list[int]):
    for i in range(count):
        consumed[0] += 1
        yield [f"成员{i:06d}", f"=单位{i}", i, datetime.date(2024, 1, 1)]


def _peak_bytes(count: int, tmp_path) -> tuple[int, int]:
    consumed = [0]
    columns = [Column("姓名"), Column("单位"), Column("序号", kind="number"), Column("日期", kind="date")]
    tracemalloc.start()
    try:
        write_xlsx(tmp_path / f"{count}.xlsx", sheets=[Sheet("成员", columns, _rows(count, consumed))])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, consumed[0]


@pytest.mark.slow
def test_rows_stream_from_a_generator_in_constant_memory(tmp_path):
    small_peak, small_consumed = _peak_bytes(SMALL, tmp_path)
    large_peak, large_consumed = _peak_bytes(LARGE, tmp_path)

    assert (small_consumed, large_consumed) == (SMALL, LARGE)
    # Holding the 8,000 extra rows would cost about 3 MB (measured: 20,000 rows in a list peak at 7 MB);
    # streamed, the peak does not grow with the row count.
    assert large_peak - small_peak < 300_000, (small_peak, large_peak)
    assert large_peak < 2_000_000, large_peak
    with zipfile.ZipFile(tmp_path / f"{LARGE}.xlsx") as archive:
        assert archive.read("xl/worksheets/sheet1.xml").count(b"</row>") == LARGE + 1


# Closing a response sends request_finished, which checks the database connection a DB test left open.
@pytest.mark.django_db
def test_response_downloads_with_a_chinese_file_name():
    response = xlsx_response("中心组成员 2024", "成员", [Column("姓名")], iter([["张三"], ["=李四"]]))

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('中心组成员 2024.xlsx')}"
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    ws = _load(body).active
    assert ws.title == "成员"
    assert [c.value for c in ws["A"]] == ["姓名", "张三", "=李四"]
    assert not re.search(r"<f[ >]", _sheet_xml(body))
    response.close()


# Closing a response sends request_finished, which checks the database connection a DB test left open.
@pytest.mark.django_db
def test_several_sheets_in_one_download():
    response = xlsx_sheets_response(
        "年终资料.xlsx",
        sheets=[Sheet("考勤", [Column("a")], [["1"]]), Sheet("心得", [Column("b")], [["2"]])],
    )
    workbook = _load(b"".join(response.streaming_content))
    assert workbook.sheetnames == ["考勤", "心得"]
    assert "filename*=utf-8''%E5%B9%B4%E7%BB%88%E8%B5%84%E6%96%99.xlsx" in response["Content-Disposition"]
    response.close()


def test_a_preamble_stands_above_the_header_and_stays_text():
    buffer = io.BytesIO()
    lines = ["成员名单", '筛选 · 搜索：=HYPERLINK("http://x")', "导出时间：2025-03-01 09:00"]
    write_xlsx(
        buffer, sheets=[Sheet("名单", [Column("姓名"), Column("人数", kind="number")], [["张三", 3]], preamble=lines)]
    )
    ws = _load(buffer.getvalue()).active
    assert [row[0].value for row in ws.iter_rows(max_row=3)] == lines
    assert [c.value for c in ws[4]] == ["姓名", "人数"] and [c.value for c in ws[5]] == ["张三", 3]
    assert ws.freeze_panes == "A5"
    assert "<f>" not in _sheet_xml(buffer.getvalue())


def test_numbers_excel_cannot_hold_are_written_as_text():
    data = _write([Column("数量", kind="number")], [[float("nan")], [decimal.Decimal("NaN")], [float("inf")], [True]])

    ws = _load(data).active
    assert [(c.value, c.data_type) for (c,) in ws.iter_rows(min_row=2)] == [
        ("nan", "s"),
        ("NaN", "s"),
        ("inf", "s"),
        ("True", "s"),
    ]
