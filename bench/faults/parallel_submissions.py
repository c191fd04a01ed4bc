#!/usr/bin/env python
"""Fault: the same form sent 20 times at the same moment (double clicks, several tabs, a retrying phone),
through gunicorn: the attendance of one session ("all present") and the publication of one bulletin.

Expected: one consistent result. Each person has one attendance row, written once; the bulletin is
published once, with number 1, and no request crashes. (The same, in-process: tests/test_parallel_submissions.py.)
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading

from harness import BASE_DIR, ENV, VAR, Browser, Checks, Processes, ensure_database, form_fields, manage, sql

PARALLEL = 20

MAKE_BULLETIN = """
import datetime
from core.models import User
from reports import bulletins
staff = User.objects.get(username="staff")
second, _ = User.objects.get_or_create(username="staff-faults", defaults={"role": "staff", "scope_unit": staff.scope_unit})
b = bulletins.bulletin_create(user=staff, org=staff.scope_unit, year=2031, title="并发发布测试通报",
    period_start=datetime.date(2031, 1, 1), period_end=datetime.date(2031, 3, 31), body="巡听情况。")
bulletins.bulletin_approve(user=second, bulletin_id=b.pk)
print(b.pk)
"""


def all_at_once(browser: Browser, path: str, data: dict) -> collections.Counter:
    barrier = threading.Barrier(PARALLEL)
    statuses: list = []

    def send():
        barrier.wait()
        try:
            statuses.append(browser.post(path, data, timeout=60).status_code)
        except OSError as exc:
            statuses.append(repr(exc)[:60])

    threads = [threading.Thread(target=send) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return collections.Counter(statuses)


def main() -> int:
    check = Checks("parallel_submissions")
    ensure_database()
    plan_path = VAR / "plan.json"
    prepare = [sys.executable, "bench/load/prepare.py", "--groups", "1", "--plan", str(plan_path)]
    subprocess.run(prepare, cwd=BASE_DIR, env=ENV, check=True, stdout=subprocess.DEVNULL)
    seat = json.loads(plan_path.read_text("utf-8"))["groups"][0]
    session = seat["now_session"]
    bulletin = int(manage("shell", "--no-imports", "-c", MAKE_BULLETIN, capture=True).strip().splitlines()[-1])
    with Processes() as procs:
        procs.start_redis()
        procs.start_web(workers=3)

        secretary = Browser(seat["secretary"])
        url = f"/sessions/{session}/attendance/"
        data = form_fields(secretary.get(url).text, "attendance-form") | {"all_present": "1"}
        statuses = all_at_once(secretary, url, data)
        print(f"      attendance: {PARALLEL} submissions answered {dict(statuses)}")
        check(set(statuses) <= {302}, "attendance: every submission answered with the saved page")
        rows = sql(
            f"SELECT count(*) || ' ' || count(DISTINCT person_id) FROM studygroups_attendance WHERE session_id = {session}"
        )
        history = sql(f"SELECT count(*) FROM studygroups_historicalattendance WHERE session_id = {session}")
        total, people = rows.split()
        check(total == people and int(total) > 0, f"attendance: {total} rows for {people} people")
        check(history == total, f"attendance: each row written once ({history} history rows)")

        staff = Browser("staff")
        numbered = "SELECT count(*) FROM reports_bulletin WHERE year = 2031 AND number IS NOT NULL"
        before = int(sql(numbered))  # bulletins of the year published by earlier runs of this script
        statuses = all_at_once(staff, f"/bulletins/{bulletin}/", {"action": "publish"})
        print(f"      bulletin: {PARALLEL} publications answered {dict(statuses)}")
        check(set(statuses) <= {302}, "bulletin: every publication answered (one published, the others told so)")
        state = sql(f"SELECT status || ' ' || number FROM reports_bulletin WHERE id = {bulletin}")
        published = sql(
            f"SELECT count(*) FROM reports_historicalbulletin WHERE id = {bulletin} AND status = 'published'"
        )
        numbers = int(sql(numbered))
        check(state == f"published {before + 1}", f"bulletin: {state} (the next number of the year)")
        check(published == "1" and numbers == before + 1, f"bulletin: published once ({published} history row)")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
