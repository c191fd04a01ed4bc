#!/usr/bin/env python
"""The load test, start to end (``make load``): seed or reuse the county demo on PostgreSQL, prepare it
(bench/load/prepare.py), start gunicorn and a Celery worker on Redis, run locust headless on loopback, stop
the servers and check the database against what locust saw (bench/load/check.py).

    .venv/bin/python bench/load/run.py [--users 50] [--time 60] [--workers 4] [--reuse]
        [--database-url postgres://postgres@127.0.0.1:5432/studycenter_bench_load]
        [--redis-url redis://127.0.0.1:6379/7] [--locust .venv/bin/locust]

Exit status: that of the check (0 when every write is found, no request failed and p95 < --p95).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
VAR = BASE_DIR / "var" / "load"
BIN = Path(sys.executable).parent


def wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url}/healthz did not answer 200 within {seconds:.0f} s")


def start(command: list[str], env: dict, log: str) -> subprocess.Popen:
    handle = open(VAR / log, "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", "50")))
    parser.add_argument("--time", type=int, default=int(os.environ.get("LOAD_TIME", "60")), help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--p95", type=float, default=500.0)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--reuse", action="store_true", help="use the database as seeded before")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/studycenter_bench_load"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--locust", default=os.environ.get("LOCUST", str(BIN / "locust")))
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)

    if not args.reuse:
        seed = [sys.executable, "bench/seed_demo.py", "--scale", args.scale, "--keep", "--limit", "3600"]
        subprocess.run([*seed, "--database-url", args.database_url], cwd=BASE_DIR, check=True)
    env = os.environ | {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_DATA_DIR": str(VAR / "celery"),
        "LOAD_TIME": str(args.time),
    }
    manage = [sys.executable, "manage.py"]
    # A database seeded before may predate the code's latest migrations.
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    # What autovacuum does after the seed's bulk load in a running deployment (bench/run.py, vacuum_analyze).
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    subprocess.run([sys.executable, "bench/load/prepare.py"], cwd=BASE_DIR, env=env, check=True)

    host = f"http://127.0.0.1:{args.port}"
    web = start(
        [str(BIN / "gunicorn"), "config.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "-t", "60"],
        env,
        "gunicorn.log",
    )
    worker = start(
        [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", "1", "-n", "load@%h"],
        env,
        "worker.log",
    )
    try:
        wait_healthy(host)
        # Users arrive over about ten seconds; the locustfile stops the run --time seconds after the last one
        # has logged in (the steady phase), so -t is only a guard.
        spawn = max(1, args.users // 10)
        locust = [args.locust, "-f", "bench/load/locustfile.py", "--headless", "--host", host]
        guard = args.time + args.users // spawn + 300
        locust += ["-u", str(args.users), "-r", str(spawn), "-t", f"{guard}s", "--csv", str(VAR / "locust")]
        locust += ["--only-summary"]
        print("$", " ".join(locust), flush=True)
        subprocess.run(locust, cwd=BASE_DIR, env=env)
        check = [sys.executable, "bench/load/check.py", "--p95", str(args.p95)]
        return subprocess.run(check, cwd=BASE_DIR, env=env).returncode
    finally:
        stop(web)
        stop(worker)


if __name__ == "__main__":
    sys.exit(main())
