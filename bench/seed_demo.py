#!/usr/bin/env python
"""Benchmark: time `manage.py seed_demo` on a fresh PostgreSQL database.

Creates the database (dropping it first if it exists), migrates it, times seed_demo at the given scale
(default: prefecture: 1,500 groups, three years of sessions, about 750,000 attendance rows), prints the
time and exits non-zero when seeding fails or takes longer than --limit seconds (default 300, the
issue's budget). With --flush it then times `seed_demo --flush` too (deleting it all, each deletion
audited, and building again), against the same limit. The database is dropped afterwards unless --keep.

    .venv/bin/python bench/seed_demo.py [--scale prefecture] [--seed 1] [--limit 300] [--flush] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432/studycenter_bench]

The URL also comes from BENCH_DATABASE_URL. Its database name must contain "bench": it is dropped.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/studycenter_bench"


def admin_connection(url: str):
    """A connection to the server's maintenance database, in autocommit (CREATE/DROP DATABASE need it)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        autocommit=True,
    )


def recreate(url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="prefecture", choices=["demo", "county", "prefecture"])
    parser.add_argument("--seed", default="1")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds allowed (default 300)")
    parser.add_argument("--flush", action="store_true", help="then time seed_demo --flush (delete and rebuild)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("the benchmark runs on PostgreSQL: give a postgres:// URL")
    name = unquote(urlsplit(url).path.lstrip("/"))
    if "bench" not in name:
        parser.error(f"refusing to drop database {name!r}: its name must contain 'bench'")

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
    }
    print(f"bench: fresh database {name}", flush=True)
    recreate(url, name)
    try:
        if manage(env, "migrate", "--noinput", "-v0").returncode:
            print("bench: migrate failed", file=sys.stderr)
            return 2
        runs = [("seed_demo", [])] + ([("seed_demo --flush", ["--flush"])] if args.flush else [])
        timings = []
        for label, extra in runs:
            print(f"bench: {label} --scale {args.scale} --seed {args.seed}", flush=True)
            started = time.monotonic()
            result = manage(env, "seed_demo", "--scale", args.scale, "--seed", args.seed, *extra)
            elapsed = time.monotonic() - started
            if result.returncode:
                print(f"bench: {label} failed (exit {result.returncode}) after {elapsed:.1f} s", file=sys.stderr)
                return 2
            timings.append((label, elapsed))
    finally:
        if not args.keep:
            drop(url, name)

    slow = False
    for label, elapsed in timings:
        verdict = "OK" if elapsed <= args.limit else "TOO SLOW"
        slow = slow or elapsed > args.limit
        print(f"bench: {label} --scale {args.scale}: {elapsed:.1f} s (limit {args.limit:.0f} s) {verdict}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
