"""manage.py build_report renders synchronously, for operators and benchmarks."""

import subprocess

import openpyxl
import pytest
from django.core.management import CommandError, call_command


def test_build_report_writes_the_half_year_annex_and_the_pack_workbook(county, tmp_path):
    out = tmp_path / "annex.xlsx"
    call_command(
        "build_report",
        "half_year",
        "--year",
        "2025",
        "--half",
        "1",
        "--org",
        str(county.home.county.pk),
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    numbers = {r[0]: r[1] for r in openpyxl.load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert numbers["已举行活动"] == 3 and numbers["应参学人次"] == 5
    # --org defaults to the top of the tree (the region: both counties).
    pack = tmp_path / "pack.xlsx"
    call_command("build_report", "year_end", "--year", "2025", "--format", "xlsx", "--output", str(pack))
    assert openpyxl.load_workbook(pack)["考勤"].max_row == 7


def test_build_report_makes_a_group_summary_pdf(county, tmp_path):
    out = tmp_path / "group.pdf"
    call_command(
        "build_report",
        "half_year",
        "--year",
        "2025",
        "--half",
        "1",
        "--org",
        str(county.home.dept.pk),
        "--format",
        "pdf",
        "--output",
        str(out),
    )
    text = "".join(
        subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "".join(county.home.dept_group.name.split()) in text and "共开展中心组集中学习2次" in text


def test_build_report_refuses_what_it_cannot_make(county, tmp_path):
    with pytest.raises(CommandError, match="--half"):
        call_command(
            "build_report", "half_year", "--year", "2025", "--format", "pdf", "--output", str(tmp_path / "x.pdf")
        )
    with pytest.raises(CommandError):
        call_command(
            "build_report", "bulletin", "--year", "2025", "--format", "pdf", "--output", str(tmp_path / "x.pdf")
        )
