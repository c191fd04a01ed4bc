#!/usr/bin/env python
"""Fault: Redis stops while users save forms and ask for reports.

Expected: pages and forms keep working (the cache falls back, the session is in the database), a report
asked for meanwhile stays queued, and once Redis is back the sweep (Celery beat, every minute; run here at
once) sends it and the worker completes it. Nothing is lost: every record saved is in the database.
"""

from __future__ import annotations

import datetime
import sys
import uuid

from harness import Browser, Checks, Processes, ensure_database, manage, say, sql, wait_for


def main() -> int:
    check = Checks("redis_down")
    ensure_database()
    secretary_group = int(sql("SELECT study_group_id FROM core_user WHERE username = 'secretary'"))
    held = sql(
        "SELECT string_agg(id::text, ',') FROM (SELECT id FROM studygroups_studysession WHERE study_group_id = "
        f"{secretary_group} AND starts_at < now() - interval '1 day' ORDER BY starts_at DESC LIMIT 5) s"
    ).split(",")
    with Processes() as procs:
        procs.start_redis()
        procs.start_web()
        procs.start_worker()
        secretary, auditor = Browser("secretary"), Browser("auditor")

        say("stopping Redis")
        procs.stop_redis()
        token = uuid.uuid4().hex[:8]
        saved = []
        for n, pk in enumerate(held):
            text = f"Redis 停止期间保存的记录 FAULT-{token}-{n}"
            answer = secretary.submit(f"/sessions/{pk}/record/", {"record": text})
            if answer.status_code == 302:
                saved.append((pk, text))
        check(len(saved) == len(held), f"{len(saved)} of {len(held)} records saved while Redis was down")
        dashboard = secretary.get("/")
        check(dashboard.status_code == 200, f"the dashboard answers {dashboard.status_code} while Redis is down")
        year = datetime.date.today().year
        job = auditor.ask_report(secretary_group, year)
        check(job is not None, f"a report asked for while Redis was down is accepted (job {job})")
        status = sql(f"SELECT status || ' ' || (dispatched_at IS NULL) FROM reports_reportjob WHERE id = {job or 0}")
        say(f"job {job} while Redis is down: {status} (status, not yet sent)")

        say("starting Redis again; the sweep sends what the broker missed")
        procs.start_redis()
        print(
            manage(
                "shell",
                "--no-imports",
                "-c",
                "from reports.services import jobs_sweep; print(jobs_sweep())",
                capture=True,
            )
        )
        state = wait_for(
            lambda: (
                sql(f"SELECT status FROM reports_reportjob WHERE id = {job or 0}") in ("done", "failed")
                and sql(f"SELECT status FROM reports_reportjob WHERE id = {job or 0}")
            ),
            180,
            2,
        )
        check(state == "done", f"the report completes once Redis is back (status {state})")
        found = sum(
            sql(f"SELECT count(*) FROM studygroups_studysession WHERE id = {pk} AND record = $${text}$$") == "1"
            for pk, text in saved
        )
        check(found == len(saved), f"{found} of {len(saved)} saved records are in the database")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
