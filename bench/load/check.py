#!/usr/bin/env python
"""After a load run: every write locust saw succeed is in the database, no request failed, p95 under target.

Reads the plan (var/load/plan.json), the writes locust logged (var/load/writes-<run>.jsonl), every request it
made with its phase (var/load/requests-<run>.jsonl) and the errors inside the simulated users (locust's
``--csv`` prefix, default var/load/locust). No request may fail in either phase; the p95 target applies to the
steady phase (every user logged in). Prints one line per check and exits 1 if any fails.

    DATABASE_URL=... .venv/bin/python bench/load/check.py [--p95 500] [--report-wait 120]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
VAR = BASE_DIR / "var" / "load"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", default=str(VAR / "plan.json"))
    parser.add_argument("--csv", default=str(VAR / "locust"))
    parser.add_argument("--p95", type=float, default=500.0, help="target p95 in ms over all requests")
    parser.add_argument("--report-wait", type=float, default=120.0, help="seconds to wait for report jobs")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from core.models import User
    from reports.models import ReportJob
    from studygroups.models import Attendance, StudySession

    plan = json.loads(Path(args.plan).read_text("utf-8"))
    run = plan["run"]
    path = VAR / f"writes-{run}.jsonl"
    writes = [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []
    by_kind = Counter(w["kind"] for w in writes)
    results: list[tuple[bool, str]] = []

    def check(ok: bool, message: str) -> None:
        results.append((ok, message))
        print(("ok    " if ok else "FAIL  ") + message)

    # Every request locust made (bench/load/locustfile.py logs them with their phase): failures over the whole
    # run, the p95 target over the steady phase (every user logged in), the arrival phase printed apart.
    log = VAR / f"requests-{run}.jsonl"
    made = [json.loads(line) for line in log.read_text("utf-8").splitlines()] if log.exists() else []
    steady = [r for r in made if r["phase"] == "steady"]
    arrival = [r for r in made if r["phase"] != "steady"]
    failed = [r for r in made if r["failed"]]
    check(bool(steady), f"{len(made)} requests made: {len(arrival)} while users arrived, {len(steady)} steady")
    with open(f"{args.csv}_exceptions.csv", encoding="utf-8") as handle:
        exceptions = list(csv.DictReader(handle))
    check(not exceptions, f"{len(exceptions)} errors inside the simulated users")
    for row in exceptions[:3]:
        print(f"      {row.get('Count')} × {row.get('Message', '')[:150]}")
    check(not failed, f"{len(failed)} failed requests")
    for row in failed[:3]:
        print(f"      {row['name']}: {row.get('error', '')}")
    p95 = percentile([r["ms"] for r in steady], 95)
    check(p95 < args.p95, f"p95 {p95:.0f} ms over the steady phase's requests (target < {args.p95:.0f} ms)")
    print(f"      p50 {percentile([r['ms'] for r in steady], 50):.0f} ms over the steady phase")
    print(
        f"      arrival: p95 {percentile([r['ms'] for r in arrival], 95):.0f} ms over {len(arrival)} requests; "
        f"logins p95 {percentile([r['ms'] for r in made if r['name'] == 'log in'], 95):.0f} ms; "
        f"whole run p95 {percentile([r['ms'] for r in made], 95):.0f} ms"
    )
    by_name: dict[str, list[float]] = {}
    for r in steady:
        by_name.setdefault(r["name"], []).append(r["ms"])
    for name, times in sorted(by_name.items(), key=lambda item: -percentile(item[1], 95))[:6]:
        print(f"      p95 {percentile(times, 95):6.0f} ms  {name} ({len(times)} requests)")
    print(f"      writes seen by locust: {dict(by_kind)}")

    # Records: each saved token is in exactly one history row, and no refused (409) token is anywhere.
    history = StudySession.history.model.objects.filter(record__contains=f"LOAD-{run}-")
    in_db = Counter(token for text in history.values_list("record", flat=True) for token in _tokens(text, run))
    saved = {w["token"] for w in writes if w["kind"] == "record"}
    refused = {w["token"] for w in writes if w["kind"] == "record_conflict"}
    check(set(in_db) == saved, f"records: {len(saved)} saves seen, {len(in_db)} in the history")
    check(all(n == 1 for n in in_db.values()), "records: each save written once")
    check(not refused & set(in_db), f"records: {len(refused)} refused saves (409) left nothing")
    # The last save of each session is what the session holds now.
    last = {w["session"]: w["token"] for w in writes if w["kind"] == "record"}
    held = dict(StudySession.objects.filter(pk__in=last).values_list("pk", "record"))
    check(all(last[pk] in held[pk] for pk in last), f"records: {len(last)} sessions hold their last save")

    # Check-ins: each (session, person) locust saw checked in has its attendance row, checked in.
    usernames = {w["username"] for w in writes if w["kind"] == "checkin"}
    people = dict(User.objects.filter(username__in=usernames).values_list("username", "person_id"))
    seen = {(w["session"], people[w["username"]]) for w in writes if w["kind"] == "checkin"}
    found = set(
        Attendance.objects.filter(session_id__in={s for s, _ in seen}, checked_in_at__isnull=False).values_list(
            "session_id", "person_id"
        )
    )
    check(seen <= found, f"check-ins: {len(seen)} people checked in, {len(seen & found)} found")

    # Attendance: every session saved has its rows (all present or as checked in), one per person.
    sessions = {w["session"] for w in writes if w["kind"] == "attendance"}
    marked = Counter(Attendance.objects.filter(session_id__in=sessions).values_list("session_id", flat=True))
    check(all(marked[s] > 0 for s in sessions), f"attendance: {len(sessions)} sessions saved, all with rows")

    # Reports: every job asked for completes with its file (the worker may still be at it: wait).
    jobs = {w["job"] for w in writes if w["kind"] == "report"}
    deadline = time.monotonic() + args.report_wait
    while time.monotonic() < deadline:
        states = Counter(ReportJob.objects.filter(pk__in=jobs).values_list("status", flat=True))
        if not states.get("queued") and not states.get("running"):
            break
        time.sleep(2)
    done = ReportJob.objects.filter(pk__in=jobs, status=ReportJob.Status.DONE).exclude(file_name="")
    asked = ReportJob.objects.filter(requested_by__username__in=plan["auditors"], created_at__gte=plan["started"])
    check(done.count() == len(jobs), f"reports: {len(jobs)} asked, {done.count()} done with a file")
    check(asked.count() == len(jobs), f"reports: {asked.count()} jobs in the database for the {len(jobs)} seen")

    failed = [message for ok, message in results if not ok]
    print(f"load check: {len(results) - len(failed)} of {len(results)} checks passed")
    return 1 if failed else 0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _tokens(text: str, run: str) -> list[str]:
    import re

    return re.findall(rf"LOAD-{run}-\d+-\d+", text)


if __name__ == "__main__":
    sys.exit(main())
