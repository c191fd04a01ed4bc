"""Every list exports as XLSX what it shows: the same rows in the same order, filters, search and sort applied,
the filters and time named in the first rows, user text never a formula, and a constant number of queries."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from studygroups.models import StudySession
from tests.studygroups.factories import StudySessionFactory, local
from tests.studygroups.test_list_queries import LISTS, _fill


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _split(ws):
    """(preamble lines, header, data rows): the header is the first row with more than one cell filled."""
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    header_at = next(i for i, row in enumerate(rows) if sum(v is not None for v in row) > 1)
    preamble = [row[0] for row in rows[:header_at]]
    return preamble, rows[header_at], rows[header_at + 1 :]


def _screen_titles(html: str) -> list[str]:
    return re.findall(r'<td\s+data-label="[^"]*"><a href="/sessions/\d+/">([^<]*)</a>', html)


def test_session_export_matches_the_filtered_searched_sorted_list(client_as, world):
    group, other_group = world.home.dept_group, world.home.town_group
    for day, title in [(3, "乙课"), (1, "春课"), (2, "丙课"), (5, "春外")]:
        StudySessionFactory(study_group=group, starts_at=local(2025, 3, day, 9, 0), title=title, host=world.home.leader)
    StudySessionFactory(study_group=other_group, starts_at=local(2025, 3, 4, 9, 0), title="春镇", host=None)
    StudySessionFactory(study_group=group, starts_at=local(2024, 3, 4, 9, 0), title="春旧", host=world.home.leader)
    client = client_as("staff")
    params = {"study_group": group.pk, "year": "2025", "q": "春", "sort": "starts_at"}
    screen = client.get(reverse("studygroups:session_list"), params).content.decode()
    # By hand: the home group's 2025 sessions with 春 in the title, oldest first.
    assert _screen_titles(screen) == ["春课", "春外"]

    preamble, header, rows = _split(
        _workbook(client.get(reverse("studygroups:session_list"), params | {"export": "xlsx"}))
    )
    assert header[:3] == ["时间", "学习主题", "中心组"]
    assert [row[1] for row in rows] == ["春课", "春外"]
    assert rows[0][0] == "2025-03-01 09:00" and rows[0][2] == group.name
    assert preamble[0] == "学习活动"
    assert f"筛选 · 中心组：{group.name}" in preamble
    assert "筛选 · 年度：2025" in preamble and "筛选 · 搜索：春" in preamble
    assert "排序：时间（升序）" in preamble
    assert any(line.startswith("导出时间：") for line in preamble)


def test_an_export_without_filters_says_so_and_keeps_every_visible_row_in_order(client_as, world):
    for day in (1, 2, 3):
        StudySessionFactory(study_group=world.home.dept_group, starts_at=local(2025, 3, day, 9, 0), title=f"课{day}")
    StudySessionFactory(study_group=world.other.dept_group, starts_at=local(2025, 3, 9, 9, 0), title="外县")
    preamble, _header, rows = _split(
        _workbook(client_as("secretary").get(reverse("studygroups:session_list"), {"export": "xlsx"}))
    )
    assert [row[1] for row in rows] == ["课3", "课2", "课1"]  # newest first, as the list; no other county
    assert "筛选：无（您可见的全部记录）" in preamble


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)", "-2+3"])
def test_formula_text_stays_text(client_as, world, text):
    StudySessionFactory(study_group=world.home.dept_group, starts_at=local(2025, 3, 1, 9, 0), title=text)
    _preamble, _header, rows = _split(
        _workbook(client_as("staff").get(reverse("studygroups:session_list"), {"q": text, "export": "xlsx"}))
    )
    assert [row[1] for row in rows] == [text]
    response = client_as("staff").get(reverse("studygroups:session_list"), {"q": text, "export": "xlsx"})
    xml = (
        __import__("zipfile").ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("xl/worksheets/sheet1.xml")
    )
    assert b"<f>" not in xml and b"<f " not in xml


def test_the_list_page_offers_the_export_with_its_filters(client_as, world):
    response = client_as("staff").get(reverse("studygroups:session_list"), {"q": "春", "page": "1"})
    assert 'id="export-link" href="?q=%E6%98%A5&amp;export=xlsx"' in response.content.decode()


# The report queue and the bulletins are documents downloaded as PDF or XLSX themselves, not rows to export.
EXPORTED_LISTS = [name for name in LISTS if name not in ("reports:job_list", "reports:bulletin_list")]


@pytest.mark.parametrize("name", EXPORTED_LISTS)
def test_every_list_exports_in_a_constant_number_of_queries(client_as, page_queries, world, name):
    _fill(world, 2)
    client = client_as("staff")
    page_queries(client, reverse(name), {"export": "xlsx"})  # caches filled once a process (content types)
    first = page_queries(client, reverse(name), {"export": "xlsx"})
    _fill(world, 5)
    assert page_queries(client, reverse(name), {"export": "xlsx"}) == first
    _preamble, header, rows = _split(_workbook(client.get(reverse(name), {"export": "xlsx"})))
    assert header and all(isinstance(value, str) for value in header)


def test_an_export_of_another_countys_group_finds_nothing(client_as, world):
    StudySessionFactory(study_group=world.other.dept_group, starts_at=local(2025, 3, 1, 9, 0), title="外县")
    response = client_as("staff").get(
        reverse("studygroups:session_list"), {"study_group": world.other.dept_group.pk, "export": "xlsx"}
    )
    _preamble, _header, rows = _split(_workbook(response))
    assert rows == [] and StudySession.objects.count() == 1


@pytest.mark.parametrize("name", EXPORTED_LISTS)
def test_an_export_does_not_count_the_rows_for_a_page(client_as, world, name):
    """The export streams every row; the count a page needs for its pagination is not made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(world, 2)
    client = client_as("staff")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if 'AS "__count"' in q["sql"]]
