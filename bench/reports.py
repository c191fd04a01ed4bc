#!/usr/bin/env python
"""Benchmark the reports (issue 10, item 7) on a seeded PostgreSQL database.

Seeds a fresh database (unless --reuse names one already seeded), then measures, each in a process of its
own so peak memory (max RSS) is that measurement's alone:

- ``pack``: the year-end pack (ZIP: workbook with every sheet + PDF summary) of the first county;
  budget 30 s at county scale.
- ``attendance``: the attendance sheet of the whole tree streamed from the database through core.xlsx,
  and openpyxl's write-only mode writing the same rows from a Python list read beforehand (the list's
  reading not timed); budget: peak memory under 300 MB, at least half openpyxl's speed. With
  ``--synthetic-rows N`` the rows are generated instead (no database), e.g. 720000 without a prefecture.
- ``pdf``: each PDF kind (half-year summary of the county, the year-end summary, a group's archive, the
  inspection bulletin of the county's year, built unsaved since a seeded database holds none; budget 10 s): the
  whole build, and WeasyPrint alone laying out the same HTML with the same style sheets, each twice in
  turn and the best of each kept; budget 1.25 x.

    .venv/bin/python bench/reports.py [--scale county] [--reuse] [--keep] [--synthetic-rows 720000]
        [--database-url postgres://postgres@127.0.0.1:5432/studycenter_bench_reports]

The database name must contain "bench" (it is dropped unless --keep or --reuse).

``bench_cases(users)`` gives bench/pages.py (and so ``make bench``) the report builds to time beside the pages:
the year-end pack, the attendance sheet, a group's study archive and the half-year annex, each built as the
account that would ask for it, and each returning the file's bytes (pages.py records their size).
"""

import argparse
import atexit
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/studycenter_bench_reports"
PDF_ROUNDS = 2  # each PDF measured this many times (best kept)


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _year() -> int:
    from studygroups.models import StudySession

    last = StudySession.objects.order_by("-starts_at").values_list("starts_at", flat=True).first()
    from django.utils import timezone

    return timezone.localtime(last).year - 1 if last else timezone.localdate().year


def measure_pack(out: Path) -> dict:
    _setup()
    from core.models import OrgUnit
    from reports.rendering import ReportRequest, build

    county = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("pk").first()
    year = _year()
    started = time.perf_counter()
    build(ReportRequest(kind="year_end", format="zip", year=year, org=county), out / "pack.zip")
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "bytes": (out / "pack.zip").stat().st_size}


def _attendance_source(synthetic: int):
    import datetime

    from django.utils import timezone

    if synthetic:
        start = timezone.make_aware(datetime.datetime(2025, 3, 10, 9))
        return (
            [
                n // 12,
                "某某旗教育局党组理论学习中心组",
                start,
                "学习贯彻全会精神",
                f"成员{n}",
                "出席",
                "",
                "秘书登记",
                start,
                None,
                start,
            ]
            for n in range(synthetic)
        )
    from reports.selectors import attendance_rows
    from studygroups.models import StudySession

    return attendance_rows(StudySession.objects.all())


def measure_stream(out: Path, synthetic: int) -> dict:
    _setup()
    from core.xlsx import Sheet, write_xlsx
    from reports.selectors import attendance_columns

    rows = 0

    def counted():
        nonlocal rows
        for row in _attendance_source(synthetic):
            rows += 1
            yield row

    started = time.perf_counter()
    write_xlsx(out / "stream.xlsx", sheets=[Sheet("考勤", attendance_columns(), counted())])
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "rows": rows}


def measure_openpyxl(out: Path, synthetic: int) -> dict:
    _setup()
    from django.utils.functional import Promise
    from openpyxl import Workbook

    from core.xlsx import _naive_local

    def plain(v):
        if isinstance(v, Promise):  # translated labels: openpyxl takes str only
            return str(v)
        return _naive_local(v) if getattr(v, "tzinfo", None) else v

    data = [[plain(v) for v in row] for row in _attendance_source(synthetic)]
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("考勤")
    for row in data:
        sheet.append(row)
    book.save(out / "plain.xlsx")
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "rows": len(data)}


def _bulletin(county, year: int):
    """A published bulletin of the county's year, not saved (the seeded database holds none): every group of
    the county in its table, the praised and criticised lists as the inspections give them."""
    import datetime

    from django.utils import timezone

    from reports.bulletins import bulletin_data
    from reports.models import Bulletin

    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    data = bulletin_data(org=county, first_day=first, last_day=last)
    return Bulletin(
        org=county,
        year=year,
        title=f"关于{year}年度理论学习中心组学习巡听旁听情况的通报",
        period_start=first,
        period_end=last,
        body="现将巡听旁听情况通报如下。",
        praised="\n".join(data.praised),
        criticised="\n".join(data.criticised),
        status=Bulletin.Status.PUBLISHED,
        number=1,
        document_number=f"{county.short_name or county.name[:1]}宣〔{year}〕1号",
        published_at=timezone.now(),
    )


def measure_pdfs(out: Path) -> dict:
    _setup()
    import weasyprint
    from django.utils import translation

    from core.models import OrgUnit, StudyGroup
    from reports import pdf
    from reports.bulletins import bulletin_html
    from reports.rendering import ReportRequest, archive_html, build, half_year_html, year_end_html
    from reports.selectors import PackContext, half_year_data

    county = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("pk").first()
    group = StudyGroup.objects.under(county).order_by("pk").first()
    year = _year()
    css = pdf.stylesheet("document.css")
    kinds = {
        "half_year": (
            ReportRequest(kind="half_year", format="pdf", year=year, half=1, org=county),
            lambda: half_year_html(half_year_data(org=county, group=None, year=year, half=1)),
        ),
        "year_end_summary": (
            ReportRequest(kind="year_end", format="pdf", year=year, org=county),
            lambda: year_end_html(PackContext(org=county, year=year)),
        ),
        "archive_group": (
            ReportRequest(kind="archive", format="pdf", year=year, org=group.unit, study_group=group),
            lambda: archive_html(
                ReportRequest(kind="archive", format="pdf", year=year, org=group.unit, study_group=group)
            )[0],
        ),
    }
    bulletin = _bulletin(county, year)
    kinds["bulletin"] = (
        ReportRequest(kind="bulletin", format="pdf", year=year, org=county, bulletin=bulletin),
        lambda: bulletin_html(bulletin),
    )
    results = {}
    with translation.override("zh-hans"):
        for name, (request, html_of) in kinds.items():
            # Each side twice, alternately, the best of each kept: on a shared machine one sample of a
            # second-long layout varies by a third from run to run, more than the margin being checked.
            wholes, alones = [], []
            for _ in range(PDF_ROUNDS):
                gc.collect()  # each side starts from the same heap, not with the other's garbage to collect
                started = time.perf_counter()
                build(request, out / f"{name}.pdf")
                wholes.append(time.perf_counter() - started)
                html = html_of()
                gc.collect()
                started = time.perf_counter()
                weasyprint.HTML(string=html).write_pdf(
                    stylesheets=[weasyprint.CSS(string=pdf.font_css()), weasyprint.CSS(string=css)]
                )
                alones.append(time.perf_counter() - started)
            whole, alone = min(wholes), min(alones)
            results[name] = {"seconds": whole, "weasyprint_alone": alone, "ratio": whole / alone}
    return results


def bench_cases(users: dict) -> list[tuple[str, object]]:
    """(label, build) pairs for bench/pages.py: each build renders one report into a temporary file, as the
    demo account that would ask for it (their scope), and returns its bytes. Django is set up by the caller."""
    from core.models import OrgUnit, StudyGroup
    from core.xlsx import Sheet, write_xlsx
    from reports.rendering import ReportRequest, build
    from reports.selectors import attendance_columns, attendance_rows

    staff, secretary = users.get("staff"), users.get("secretary")
    county = (staff.scope_unit if staff and staff.scope_unit_id else None) or (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("pk").first()
    )
    if county is None:
        return []
    group = (secretary.study_group if secretary and secretary.study_group_id else None) or (
        StudyGroup.objects.under(county).order_by("pk").first()
    )
    year = _year()
    out = Path(tempfile.mkdtemp(prefix="bench-report-cases-"))
    atexit.register(shutil.rmtree, out, True)

    def built(request: ReportRequest, name: str):
        def run() -> bytes:
            build(request, out / name)
            return (out / name).read_bytes()

        return run

    def attendance() -> bytes:
        from reports.selectors import PackContext

        target = out / "attendance.xlsx"
        rows = attendance_rows(PackContext(org=county, year=year).sessions())
        write_xlsx(target, sheets=[Sheet("考勤", attendance_columns(), rows)])
        return target.read_bytes()

    reader = {"reader": staff} if staff else {}
    cases = [
        (
            f"report: year-end pack {year} (ZIP: workbook + PDF), {county.name}",
            built(ReportRequest(kind="year_end", format="zip", year=year, org=county, **reader), "pack.zip"),
        ),
        (f"report: attendance sheet {year} (XLSX), {county.name}", attendance),
        (
            f"report: half-year summary {year} H1 annex (XLSX), {county.name}",
            built(ReportRequest(kind="half_year", format="xlsx", year=year, half=1, org=county, **reader), "h1.xlsx"),
        ),
    ]
    if group is not None:
        group_reader = {"reader": secretary} if secretary and secretary.study_group_id == group.pk else reader
        request = ReportRequest(
            kind="archive", format="zip", year=year, org=group.unit, study_group=group, **group_reader
        )
        cases.append((f"report: study archive {year} (ZIP), {group.name}", built(request, "archive.zip")))
    return cases


def child(name: str, out: str, synthetic: int) -> None:
    out_dir = Path(out)
    result = {
        "pack": lambda: measure_pack(out_dir),
        "stream": lambda: measure_stream(out_dir, synthetic),
        "openpyxl": lambda: measure_openpyxl(out_dir, synthetic),
        "pdf": lambda: measure_pdfs(out_dir),
    }[name]()
    print("RESULT " + json.dumps(result))


def run_child(env: dict, name: str, out: Path, synthetic: int = 0) -> dict:
    command = [sys.executable, __file__, "--child", name, "--out", str(out), "--synthetic-rows", str(synthetic)]
    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise SystemExit(f"bench: {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(line[len("RESULT ") :])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="county", choices=["demo", "county", "prefecture"])
    parser.add_argument("--reuse", action="store_true", help="use the database as it is (already seeded)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--synthetic-rows", type=int, default=0, help="generate N attendance rows instead of reading them"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-pack", action="store_true", help="skip the year-end pack measurement")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out, args.synthetic_rows)
        return 0

    url = args.database_url
    name = unquote(urlsplit(url).path.lstrip("/"))
    if "bench" not in name:
        parser.error(f"refusing to use database {name!r}: its name must contain 'bench'")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from seed_demo import drop, manage, recreate

    if not args.reuse:
        print(f"bench: seeding {name} at {args.scale} scale", flush=True)
        recreate(url, name)
        if (
            manage(env, "migrate", "--noinput", "-v0").returncode
            or manage(env, "seed_demo", "--scale", args.scale, "--no-progress", "-v0").returncode
        ):
            return 2
    failed = False
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            out = Path(tmp)
            pack = None if args.skip_pack else run_child(env, "pack", out)
            ok = pack is None or pack["seconds"] <= 30
            failed |= not ok
            pack and print(
                f"bench: year-end pack ({args.scale}): {pack['seconds']:.1f} s, peak {pack['peak_mb']:.0f} MB, "
                f"{pack['bytes'] / 1e6:.1f} MB {'OK' if ok else 'TOO SLOW'} (limit 30 s at county scale)"
            )
            stream = run_child(env, "stream", out, args.synthetic_rows)
            plain = run_child(env, "openpyxl", out, args.synthetic_rows)
            speed = plain["seconds"] / stream["seconds"]
            ok = stream["peak_mb"] < 300 and speed >= 0.5
            failed |= not ok
            print(
                f"bench: attendance sheet, {stream['rows']} rows: streamed {stream['seconds']:.1f} s, peak "
                f"{stream['peak_mb']:.0f} MB; openpyxl write-only from a list {plain['seconds']:.1f} s, peak "
                f"{plain['peak_mb']:.0f} MB; speed {speed:.2f} x openpyxl {'OK' if ok else 'FAIL'} "
                "(limits: < 300 MB, >= 0.5 x)"
            )
            for kind, r in run_child(env, "pdf", out).items():
                ok = r["ratio"] <= 1.25
                # The bulletin of a county (150 groups at county scale) has a time limit of its own.
                in_time = kind != "bulletin" or args.scale != "county" or r["seconds"] < 10
                failed |= not (ok and in_time)
                print(
                    f"bench: PDF {kind}: {r['seconds']:.2f} s, WeasyPrint alone {r['weasyprint_alone']:.2f} s, "
                    f"ratio {r['ratio']:.2f} {'OK' if ok else 'TOO SLOW'} (limit 1.25"
                    + (f"; under 10 s {'OK' if in_time else 'TOO SLOW'})" if kind == "bulletin" else ")")
                )
    finally:
        if not args.keep and not args.reuse:
            drop(url, name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
