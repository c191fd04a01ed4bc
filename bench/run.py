#!/usr/bin/env python
"""`make bench`: seed each scale on its own PostgreSQL database, time every page, write docs/benchmarks.md.

For each scale (default: county, then prefecture), bench/seed_demo.py creates a fresh database named
``studycenter_bench_<scale>`` (never the test or the development database: the name must contain "bench"),
times ``seed_demo`` and keeps the database; bench/pages.py then times every page on it. The results go to
var/bench/<scale>.json and, together, to docs/benchmarks.md (machine, date, command, one table per scale).

    .venv/bin/python bench/run.py [--scales county prefecture] [--repeat 15] [--keep]
        [--server postgres://postgres@127.0.0.1:5432]

``--reuse`` skips the seeding when the scale's database already holds the demo (for runs after a code change).
The databases are dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "var" / "bench"
DOC = BASE_DIR / "docs" / "benchmarks.md"
SEED_LINE = re.compile(r"seed_demo --scale \w+: ([\d.]+) s")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at the start"
    return f"{cpu}, {os.cpu_count()} cores{memory}{load}; Python {platform.python_version()}, {platform.system()}"


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def seed(url: str, scale: str) -> float | None:
    """Seed a fresh database for the scale; the seed time in seconds (None if it failed)."""
    command = [sys.executable, str(BASE_DIR / "bench" / "seed_demo.py"), "--scale", scale, "--keep"]
    result = subprocess.run([*command, "--database-url", url], cwd=BASE_DIR, capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    match = SEED_LINE.search(result.stdout)
    return float(match.group(1)) if match and result.returncode in (0, 1) else None


def migrate(url: str) -> None:
    """A database seeded before (--reuse) may predate the code's latest migrations."""
    env = os.environ | {"DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)


def vacuum_analyze(url: str) -> None:
    """What autovacuum does in a running deployment after the seed's bulk load (it may be off on a test
    machine, as here): planner statistics, without which PostgreSQL guesses a handful of rows per table, and
    the visibility map, without which no index-only scan skips the table's pages (/makeups/ at prefecture
    scale: 330 ms before, 131 ms after)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def pages(url: str, scale: str, repeat: int) -> dict:
    out = OUT_DIR / f"{scale}.json"
    command = [sys.executable, str(BASE_DIR / "bench" / "pages.py"), "--database-url", url, "--scale", scale]
    subprocess.run([*command, "--repeat", str(repeat), "--json", str(out)], cwd=BASE_DIR, check=True)
    return json.loads(out.read_text())


def table(data: dict) -> list[str]:
    lines = [
        "| page | account | p50 ms | p95 ms | queries | KB | × floor |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    skipped = []
    for row in sorted(data["results"], key=lambda r: (r["kind"] != "floor", -r["p95_ms"])):
        if row["kind"] == "skipped":
            skipped.append(f"- `{row['label']}` not measured: {row['note']}")
            continue
        url = row["url"] if row["url"] != "-" else row["label"]
        status = "" if row["status"] == 200 else f" ({row['status']})"
        lines.append(
            f"| `{url}`{status} | {row['account']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['queries']} | {row['bytes'] / 1024:.0f} | {row['ratio']:.1f} |"
        )
    return lines + ([""] + skipped if skipped else [])


def summary(data: dict) -> str:
    """The page targets (p95 under 150 ms, at most 15 queries, the aim of 5 × floor) count pages only: report
    builds are Celery jobs with budgets of their own (docs/benchmarks.md, "Report builds")."""
    pages = [r for r in data["results"] if r["kind"] not in ("floor", "skipped", "report")]
    reports = [r for r in data["results"] if r["kind"] == "report"]
    over_time = sum(1 for r in pages if r["p95_ms"] > 150)
    over_queries = sum(1 for r in pages if r["queries"] > 15)
    over_ratio = sum(1 for r in pages if r["ratio"] > 5)
    return (
        f"{len(pages)} page cases: {over_time} with p95 over 150 ms, {over_queries} over 15 queries, "
        f"{over_ratio} over 5 × floor; {len(reports)} report builds (budgets of their own); "
        f"framework floor p50 {next(r['p50_ms'] for r in data['results'] if r['kind'] == 'floor')} ms"
    )


def write_doc(runs: list[tuple[str, float | None, dict]], command: str, pg: str) -> None:
    """Replace the generated section of docs/benchmarks.md, keeping the hand-written notes before it."""
    marker = "<!-- make bench writes below this line -->"
    head = DOC.read_text().split(marker)[0] if DOC.exists() else "# Benchmarks\n\n"
    body = [
        marker,
        "",
        f"## Latest run: {runs[0][2]['date'] if runs else ''}",
        "",
        f"- Command: `{command}`",
        f"- Machine: {machine()}; PostgreSQL {pg}",
        "- Method: Django test `Client` in one process (whole middleware stack, logged in, no network): server "
        "time of each GET, body read included; queries counted with a connection execute wrapper.",
    ]
    for scale, seed_seconds, data in runs:
        counts = ", ".join(f"{value:,} {name}" for name, value in data["counts"].items())
        seeded = f"{seed_seconds:.1f} s" if seed_seconds is not None else "reused"
        body += [
            "",
            f"### {scale} ({counts}; seed_demo {seeded}; {data['repeat']} requests per case)",
            "",
            summary(data),
            "",
            *table(data),
        ]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(head.rstrip("\n") + "\n\n" + "\n".join(body) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", default=os.environ.get("BENCH_SCALES", "county prefecture").split())
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "15")))
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    runs = []
    for scale in args.scales:
        url = f"{args.server.rstrip('/')}/studycenter_bench_{scale}"
        started = time.monotonic()
        seed_seconds = None if args.reuse and _seeded(url) else seed(url, scale)
        if seed_seconds is None and not (args.reuse and _seeded(url)):
            print(f"bench: seeding {scale} failed", file=sys.stderr)
            return 2
        if seed_seconds is None:
            migrate(url)
        vacuum_analyze(url)
        runs.append((scale, seed_seconds, pages(url, scale, args.repeat)))
        print(f"bench: {scale} done in {time.monotonic() - started:.0f} s", flush=True)
        if not args.keep:
            _drop(url)
    command = "make bench" if os.environ.get("MAKELEVEL") else " ".join(["bench/run.py", *sys.argv[1:]])
    write_doc(runs, command, postgres_version(f"{args.server.rstrip('/')}/postgres"))
    for scale, _seed, data in runs:
        print(f"bench: {scale}: {summary(data)}")
    print(f"bench: wrote {DOC.relative_to(BASE_DIR)}")
    return 0


def _seeded(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM core_user WHERE username = 'auditor'").fetchone()[0] == 1
    except psycopg.Error:
        return False


def _drop(url: str) -> None:
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from seed_demo import drop

    drop(url, url.rsplit("/", 1)[-1])


if __name__ == "__main__":
    sys.exit(main())
