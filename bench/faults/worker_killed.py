#!/usr/bin/env python
"""Fault: the Celery worker process rendering a report is killed (SIGKILL) in the middle of it.

Expected: the task is acknowledged late and rejected when its worker is lost (reports/tasks.py), so the
broker hands it out again; the job is rendered again from the start (services._claim: a second run, not
a failure) and completes with exactly one file. A job whose worker dies twice fails instead of looping
(tests/reports/test_services.py).
"""

from __future__ import annotations

import datetime
import os
import signal
import sys

from harness import VAR, Browser, Checks, Processes, children, ensure_database, form_fields, say, sql, wait_for


def main() -> int:
    check = Checks("worker_killed")
    ensure_database()
    county = int(sql("SELECT scope_unit_id FROM core_user WHERE username = 'staff'"))
    year = datetime.date.today().year - 1
    with Processes() as procs:
        procs.start_redis()
        procs.start_web()
        procs.start_worker()
        staff = Browser("staff")
        page = staff.get("/reports/")
        data = form_fields(page.text) | {"kind": "year_end", "year": str(year), "org": str(county)}
        for name in ("study_group", "person", "half"):
            data.pop(name, None)
        answer = staff.post("/reports/", data)
        location = answer.headers.get("Location", "")
        job = int(location.rstrip("/").rsplit("/", 1)[-1]) if answer.status_code == 302 else 0
        check(job > 0, f"a year-end pack asked for (job {job})")

        running = wait_for(lambda: sql(f"SELECT status FROM reports_reportjob WHERE id = {job}") == "running", 60, 0.05)
        pool = children(procs.worker.pid)
        check(bool(running and pool), f"the job is rendering in the worker's pool process {pool}")
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        say(
            f"killed the pool process {pool} (progress was {sql(f'SELECT progress FROM reports_reportjob WHERE id = {job}')}%)"
        )

        state = wait_for(
            lambda: (s := sql(f"SELECT status FROM reports_reportjob WHERE id = {job}")) in ("done", "failed") and s,
            300,
            1,
        )
        runs = sql(f"SELECT runs FROM reports_reportjob WHERE id = {job}")
        error = sql(f"SELECT error FROM reports_reportjob WHERE id = {job}")
        check(state == "done", f"the job completes after the kill (status {state}, {error or 'no error'})")
        check(runs == "2", f"it was rendered twice (runs = {runs})")
        folder = VAR / "media" / "reports" / str(job)
        files = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
        check(len(files) == 1, f"one file for the job: {files}")
        key = f"(SELECT key FROM reports_reportjob WHERE id = {job})"
        others = sql(f"SELECT count(*) FROM reports_reportjob WHERE key = {key} AND id > {job}")
        check(others == "0", f"no second job row made for the same request ({others})")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
