"""The report kinds rendered without Celery: PDF text and fonts, XLSX sheets checked row by row."""

import datetime
import io
import subprocess
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from reports.models import ReportKind, SummaryNarrative
from reports.rendering import ReportRequest, build
from studygroups.models import Attendance, Reflection, StudySession
from tests.studygroups.factories import ReflectionFactory, local


def pdf_text(path) -> str:
    """The PDF's text with all white space removed (lines wrap anywhere in Chinese)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def assert_fonts_embedded(path):
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    cjk = [line for line in rows if "CJK" in line]
    assert cjk, fonts
    # emb = yes and sub = yes: the fonts are embedded as subsets, and never as Type 3 bitmaps.
    for line in rows:
        assert "Type 3" not in line, fonts
        columns = line.split()
        assert columns[-5:-3] == ["yes", "yes"], fonts


def test_half_year_pdf_of_the_county_holds_its_names_and_numbers(county, tmp_path):
    home = county.home
    SummaryNarrative.objects.create(
        org=home.county,
        year=2025,
        half=1,
        practices="坚持一把手带头学。",
        problems="督学制度落实不够。",
        plan="下半年完成两个调研课题。",
    )
    out = tmp_path / "summary.pdf"
    build(ReportRequest(kind=ReportKind.HALF_YEAR, format="pdf", year=2025, half=1, org=home.county), out)
    text = pdf_text(out)
    assert "2025年甲旗理论学习中心组上半年总结及下半年学习计划" in text
    assert "共开展中心组集中学习3次" in text
    assert "集中学习1次" in text and "专题研讨1次" in text and "专家辅导1次" in text
    assert "出勤率60.0%" in text
    assert "组长出勤率100.0%" in text
    for name in (
        home.dept_group.name,
        home.town_group.name,
        "学习全会精神",
        "基层理论宣讲调研",
        "铸牢中华民族共同体意识",
    ):
        assert "".join(name.split()) in text
    for written in ("坚持一把手带头学。", "督学制度落实不够。", "下半年完成两个调研课题。"):
        assert written in text
    # Which numbers were computed, and when.
    assert "系统计算的数字" in text
    assert f"{timezone.localdate():%Y-%m-%d}" in text
    assert_fonts_embedded(out)


def test_half_year_of_one_group_has_only_its_numbers(county, tmp_path):
    home = county.home
    out = tmp_path / "group.pdf"
    build(
        ReportRequest(
            kind=ReportKind.HALF_YEAR, format="pdf", year=2025, half=1, org=home.dept, study_group=home.dept_group
        ),
        out,
    )
    text = pdf_text(out)
    # Department only: 2 sessions, expected 4, attended 3 (75.0 %).
    assert "共开展中心组集中学习2次" in text
    assert "出勤率75.0%" in text
    assert "新质生产力专家辅导" not in text


def test_half_year_xlsx_annex_holds_the_computed_numbers(county, tmp_path):
    out = tmp_path / "annex.xlsx"
    build(ReportRequest(kind=ReportKind.HALF_YEAR, format="xlsx", year=2025, half=1, org=county.home.county), out)
    book = openpyxl.load_workbook(out)
    numbers = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert numbers["已举行活动"] == 3
    assert numbers["应参学人次"] == 5
    assert numbers["实际参学人次"] == 3
    assert numbers["出勤率（%）"] == 60
    assert numbers["组长出勤率（%）"] == 100
    assert numbers["心得体会"] == 1


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_year_end_pack_sheets_match_the_database_row_by_row(county, tmp_path):
    home = county.home
    out = tmp_path / "pack.zip"
    build(ReportRequest(kind=ReportKind.YEAR_END, format="zip", year=2025, org=home.county), out)
    with zipfile.ZipFile(out) as pack:
        names = pack.namelist()
        workbook = next(n for n in names if n.endswith(".xlsx"))
        assert any(n.endswith(".pdf") for n in names)
        book = openpyxl.load_workbook(io.BytesIO(pack.read(workbook)))
        listing = pack.read(next(n for n in names if n.endswith(".txt"))).decode()
    assert [ws.title for ws in book.worksheets] == [
        "中心组",
        "学习活动",
        "考勤",
        "心得体会",
        "巡听旁听",
        "整改",
        "考核结果",
        "补录记录",
    ]
    assert len(listing.splitlines()) == 2

    groups = _rows(book["中心组"])
    assert [r[1] for r in groups] == [home.dept_group.name, home.town_group.name]
    # Department: 3 sessions in 2025 (March, April, September), expected 6, attended 4; township 1, 1, 0.
    assert groups[0][2:6] == [2, 3, 6, 4]
    assert groups[1][2:6] == [1, 1, 1, 0]

    sessions = StudySession.objects.filter(study_group__unit__path__startswith=home.county.descendant_prefix)
    sheet = _rows(book["学习活动"])
    assert sorted(r[0] for r in sheet) == sorted(sessions.values_list("pk", flat=True))
    for row in sheet:
        s = sessions.get(pk=row[0])
        assert row[1] == s.study_group.name and row[4] == s.title and row[5] == s.get_kind_display()
        assert row[2] == timezone.localtime(s.starts_at).replace(tzinfo=None)

    attendance = _rows(book["考勤"])
    assert len(attendance) == Attendance.objects.filter(session__in=sessions).count() == 6
    for row in attendance:
        a = Attendance.objects.get(session_id=row[0], person__name=row[4])
        assert row[5] == a.get_status_display() and (row[6] or "") == a.reason
        expected_check_in = timezone.localtime(a.checked_in_at).replace(tzinfo=None) if a.checked_in_at else None
        assert row[8] == expected_check_in

    reflections = _rows(book["心得体会"])
    assert [(r[0], r[4], r[6]) for r in reflections] == [
        (r.session_id, r.person.name, r.text) for r in Reflection.objects.all()
    ]
    # Every row of the fixture was entered today, long after its 2025 session: 6 attendance rows, 1 reflection.
    assert sorted(r[0] for r in _rows(book["补录记录"])) == ["心得体会"] + ["考勤"] * 6


def test_late_entries_sheet_lists_records_entered_after_the_limit(county, tmp_path, settings):
    settings.LATE_ENTRY_DAYS = 7
    s1 = county.sessions[0]
    s1.record = "会议记录"
    s1.record_entered_at = s1.starts_at + timezone.timedelta(days=30)
    s1.save()
    out = tmp_path / "pack.xlsx"
    build(ReportRequest(kind=ReportKind.YEAR_END, format="xlsx", year=2025, org=county.home.county), out)
    late = _rows(openpyxl.load_workbook(out)["补录记录"])
    # Every attendance and reflection row was created today, long after its 2025 session: all late too.
    kinds = sorted(r[0] for r in late)
    assert kinds.count("学习记录") == 1
    assert kinds.count("考勤") == 6 and kinds.count("心得体会") == 1
    record = next(r for r in late if r[0] == "学习记录")
    assert record[1] == s1.pk and record[8] == 30


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)", "-2+3"])
def test_formula_text_in_a_record_leaves_no_formula_in_the_sheet_xml(county, tmp_path, evil):
    reflection = county.reflection
    reflection.text = evil
    reflection.save()
    session = county.sessions[0]
    session.title = evil
    session.save()
    out = tmp_path / "pack.xlsx"
    build(ReportRequest(kind=ReportKind.YEAR_END, format="xlsx", year=2025, org=county.home.county), out)
    with zipfile.ZipFile(out) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(book.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml
    values = [c for ws in openpyxl.load_workbook(out).worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert evil in values


def test_archive_of_a_member_shows_check_in_times_and_reflections(county, tmp_path):
    home = county.home
    out = tmp_path / "archive.zip"
    build(ReportRequest(kind=ReportKind.ARCHIVE, format="zip", year=2025, org=home.dept, person=home.member), out)
    with zipfile.ZipFile(out) as pack:
        pdf_name = next(n for n in pack.namelist() if n.endswith(".pdf"))
        (tmp_path / "a.pdf").write_bytes(pack.read(pdf_name))
        book = openpyxl.load_workbook(io.BytesIO(pack.read(next(n for n in pack.namelist() if n.endswith(".xlsx")))))
    text = pdf_text(tmp_path / "a.pdf")
    assert home.member.name in text
    assert "2025-03-1009:20:00" in text  # the QR check-in time, to the second
    assert "深刻领会全会精神的体会" in text
    rows = _rows(book.worksheets[0])
    assert [r[2] for r in rows] == ["学习全会精神", "乡村振兴专题研讨", "下半年学习"]
    assert [r[3] for r in rows] == ["迟到", "请假", "未登记"]


def test_year_end_pack_has_the_visits_and_rectifications_row_by_row(county, tmp_path):
    """One scored, published visit on the March session with two problems (one closed), and one visit in
    another county that the pack leaves out."""
    from decimal import Decimal

    from inspections.models import Finding, PlanTarget, VisitKind
    from tests.inspections.factories import make_plan, make_template, make_visit

    home, world = county.home, county.world
    staff, inspector = world.users.staff, world.users.inspector
    make_template(home.county)
    target = PlanTarget.objects.create(
        plan=make_plan(home.county, 2025), study_group=home.dept_group, kind=VisitKind.KEY, planned_visits=2
    )
    visit = make_visit(target, inspectors=[inspector], session=county.sessions[0])
    visit.total, visit.max_total, visit.scored_at = Decimal("42.5"), Decimal("50"), county.sessions[0].starts_at
    visit.overall, visit.problems = "主题突出", '=HYPERLINK("http://x")'
    visit.published_at, visit.published_by = timezone.now(), staff
    visit.save()
    closed = Finding.objects.create(
        visit=visit,
        category=Finding.Category.choices[0][0],
        description="研讨不够深入",
        advice="围绕主题深入研讨",
        deadline=datetime.date(2025, 4, 30),
        status=Finding.Status.CLOSED,
        answered_at=timezone.now(),
        verified_at=timezone.now(),
        verified_by=staff,
    )
    still_open = Finding.objects.create(
        visit=visit,
        category=Finding.Category.choices[1][0],
        description="材料准备不足",
        advice="提前报送材料",
        deadline=datetime.date(2025, 5, 30),
    )
    make_template(world.other.county)
    other = PlanTarget.objects.create(plan=make_plan(world.other.county, 2025), study_group=world.other.dept_group)
    make_visit(other, inspectors=[inspector], starts_at=local(2025, 3, 3))

    out = tmp_path / "pack.xlsx"
    build(ReportRequest(kind=ReportKind.YEAR_END, format="xlsx", year=2025, org=home.county), out)
    book = openpyxl.load_workbook(out)

    visits = _rows(book["巡听旁听"])
    assert len(visits) == 1
    row = visits[0]
    assert row[0] == visit.pk and row[1] == home.dept_group.name and row[3] == county.sessions[0].title
    assert row[4] == visit.get_kind_display() and row[5] == inspector.person.name
    assert (row[6], row[7]) == (42.5, 50) and row[12] == "主题突出"
    assert row[13] == '=HYPERLINK("http://x")'  # kept as text, never a formula
    items = _rows(book["整改"])
    assert [(r[0], r[1], r[4], r[7]) for r in items] == [
        (closed.pk, visit.pk, "研讨不够深入", closed.get_status_display()),
        (still_open.pk, visit.pk, "材料准备不足", still_open.get_status_display()),
    ]
    assert items[0][12] == staff.username and items[1][12] in ("", None)
    assert items[0][6] == datetime.datetime(2025, 4, 30)


def _attach(owner, original_name: str, data: bytes, suffix: str):
    from django.core.files.base import ContentFile

    from core.models import Attachment

    kind, content_type = ("image", "image/png") if suffix == ".png" else ("pdf", "application/pdf")
    attachment = Attachment(
        owner=owner, original_name=original_name, kind=kind, content_type=content_type, size=len(data)
    )
    attachment.file.save(f"upload{suffix}", ContentFile(data), save=False)
    attachment.save()
    return attachment


def test_archive_zip_holds_each_sessions_files_in_a_folder_under_safe_names(county, tmp_path):
    """The member's archive: the files of their sessions and of their own reflection, byte for byte, one folder
    per session, with names no unzip tool can be led astray by; a colleague's reflection file and another
    group's session file stay out. The group's archive holds the colleague's file too."""
    import hashlib

    home = county.home
    march, april, may = county.sessions[:3]
    photo, photo2, minutes, essay, lead = (
        b"\x89PNG-1" * 50,
        b"\x89PNG-2",
        b"%PDF-minutes",
        b"%PDF-essay",
        b"%PDF-lead",
    )
    _attach(march, "../../etc/现场照片.png", photo, ".png")
    _attach(march, "现场照片.jpg", photo2, ".png")  # same name once made safe, stored as the PNG it is
    _attach(march, "nul.会议记录:1?.pdf", minutes, ".pdf")  # a Windows device name, ":" and "?"
    _attach(county.reflection, "心得\u202egpj.exe", essay, ".pdf")  # a right-to-left override, a lying suffix
    colleague = ReflectionFactory(session=april, person=home.leader, text="组长的体会")
    _attach(colleague, "组长心得.pdf", lead, ".pdf")
    _attach(may, "镇里的照片.png", b"\x89PNG-town", ".png")

    out = tmp_path / "member.zip"
    build(ReportRequest(kind=ReportKind.ARCHIVE, format="zip", year=2025, org=home.dept, person=home.member), out)
    folder = "附件/2025-03-10 学习全会精神/"
    expected = {
        folder + "现场照片.png": photo,
        folder + "现场照片 (2).png": photo2,
        folder + "_nul.会议记录_1_.pdf": minutes,
        folder + "心得_gpj.pdf": essay,
    }
    with zipfile.ZipFile(out) as pack:
        files = {n: pack.read(n) for n in pack.namelist() if n.startswith("附件/")}
        sums = pack.read("SHA-256校验清单.txt").decode()
    assert files == expected
    for name, data in expected.items():
        assert f"{hashlib.sha256(data).hexdigest()}  {name}" in sums

    out = tmp_path / "group.zip"
    build(
        ReportRequest(kind=ReportKind.ARCHIVE, format="zip", year=2025, org=home.dept, study_group=home.dept_group), out
    )
    with zipfile.ZipFile(out) as pack:
        names = {n for n in pack.namelist() if n.startswith("附件/")}
        assert pack.read("附件/2025-04-15 乡村振兴专题研讨/组长心得.pdf") == lead
    assert names == set(expected) | {"附件/2025-04-15 乡村振兴专题研讨/组长心得.pdf"}


def test_a_file_missing_from_the_store_fails_the_archive_with_its_name(county, tmp_path):
    from reports.rendering import ReportUnavailable

    attachment = _attach(county.sessions[0], "签到表.pdf", b"%PDF-sheet", ".pdf")
    attachment.file.storage.delete(attachment.file.name)
    out = tmp_path / "member.zip"
    with pytest.raises(ReportUnavailable, match="签到表.pdf"):
        build(
            ReportRequest(
                kind=ReportKind.ARCHIVE, format="zip", year=2025, org=county.home.dept, person=county.home.member
            ),
            out,
        )
    assert not out.exists()


def test_attached_files_go_into_the_zip_in_chunks_not_whole(county, tmp_path):
    """A 4 MB file passes through the ZIP with a memory peak far below its size (read from storage in chunks)."""
    import os
    import tracemalloc

    from reports.rendering import _zip

    data = os.urandom(4 * 1024 * 1024)
    attachment = _attach(county.sessions[0], "录像截图.png", data, ".png")
    tracemalloc.start()
    try:
        _zip(tmp_path / "a.zip", [], [("附件/a.png", attachment)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, peak
    with zipfile.ZipFile(tmp_path / "a.zip") as pack:
        assert pack.read("附件/a.png") == data


def test_year_end_pack_assessment_sheet_is_the_published_snapshot(county, tmp_path):
    """The county's published 2025 results, row by row against the stored results; a county (the other
    one, in the region's pack) whose results are not published has its one "not published" row; a record
    edited after publication does not change the sheet."""
    from decimal import Decimal

    from assessment import services
    from assessment.models import Result, Scheme, SchemeIndicator

    home, staff = county.home, county.world.users.staff
    scheme = Scheme.objects.create(county=home.county, year=2025, name="2025年度考核", pass_threshold=Decimal(50))
    SchemeIndicator.objects.create(
        scheme=scheme, source="studygroups.concentrated_sessions", weight=Decimal(10), target=Decimal(4),
        params={"kinds": ["concentrated", "seminar", "lecture"]}, order=1,
    )  # fmt: skip
    cutoff = timezone.make_aware(datetime.datetime(2026, 1, 10, 9))
    run = services.compute(scheme=scheme, cutoff=cutoff, user=staff)
    _adjustment, run = services.adjust(run=run, study_group=home.town_group, points=1, reason="承办现场会", user=staff)
    services.publish(run=run, user=staff)
    # After publication: one more department session, which the snapshot does not count.
    StudySession.objects.create(
        study_group=home.dept_group, title="补充学习", starts_at=local(2025, 12, 1), ends_at=local(2025, 12, 1, 12)
    )

    out = tmp_path / "pack.xlsx"
    build(ReportRequest(kind=ReportKind.YEAR_END, format="xlsx", year=2025, org=home.county.parent), out)
    sheet = _rows(openpyxl.load_workbook(out)["考核结果"])
    # The department: 3 sessions of 2025 (March, April, September) → 10 × 3/4 = 7.50; the township: one
    # lecture (May) → 2.50 + 1 = 3.50. Pass mark 50: both fail.
    dept, town = (Result.objects.get(run=run, study_group=g) for g in (home.dept_group, home.town_group))
    assert (dept.score, dept.total, dept.rank, town.total, town.rank) == (
        Decimal("7.50"), Decimal("7.50"), 1, Decimal("3.50"), 2,
    )  # fmt: skip
    published = timezone.localtime(run.published_at).replace(tzinfo=None, microsecond=0)
    mine = [r for r in sheet if r[0] == home.county.name]
    assert [r[:5] + r[6:12] for r in mine] == [
        [home.county.name, 1, home.dept.name, home.dept_group.name, "县直部门", 7.5, 0, None, 7.5, 1, "不合格"],
        [home.county.name, 2, home.town.name, home.town_group.name, "乡镇（苏木）", 2.5, 1, "1.00：承办现场会", 3.5, 1, "不合格"],
    ]  # fmt: skip
    assert mine[0][5] == "集中学习次数：7.50"
    assert [r[12].replace(microsecond=0) for r in mine] == [published, published]
    other = [r for r in sheet if r[0] == county.world.other.county.name]
    assert other == [
        [county.world.other.county.name, None, None, None, None, "2025年度考核结果尚未公布。"] + [None] * 7
    ]
