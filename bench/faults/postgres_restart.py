#!/usr/bin/env python
"""Fault: PostgreSQL restarts (and stays down a few seconds) while users load pages and save forms.

Expected: while it is down every request answers the short Chinese 503 page (never a 500, never a hang),
and once it is back pages answer 200 again without restarting gunicorn (core.middleware closes the broken
connections). Saves answered 302 are in the database.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import uuid

from harness import Browser, Checks, Processes, ensure_database, pg, pg_ready, say, sql

PAGES = ["/", "/sessions/", "/reflections/", "/people/"]


def main() -> int:
    check = Checks("postgres_restart")
    ensure_database()
    group = int(sql("SELECT study_group_id FROM core_user WHERE username = 'secretary'"))
    session = int(
        sql(
            f"SELECT id FROM studygroups_studysession WHERE study_group_id = {group} "
            "AND starts_at < now() - interval '1 day' ORDER BY starts_at DESC LIMIT 1"
        )
    )
    with Processes() as procs:
        procs.start_redis()
        procs.start_web(workers=2)
        web_pid = procs.web.pid
        users = [Browser("staff"), Browser("secretary"), Browser("auditor"), Browser("inspector")]
        results: dict[str, list] = collections.defaultdict(list)  # phase -> [(status, is 503 page)]
        saved: list[str] = []
        phase = {"now": "before"}
        stop = threading.Event()

        def browse(user: Browser, n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                now = phase["now"]
                try:
                    if user.username == "secretary" and i % 3 == 0:
                        text = f"数据库重启期间 FAULT-{uuid.uuid4().hex[:8]}"
                        answer = user.submit(f"/sessions/{session}/record/", {"record": text})
                        if answer.status_code == 302:
                            saved.append(text)
                    else:
                        answer = user.get(PAGES[(i + n) % len(PAGES)], timeout=20)
                    results[now].append((answer.status_code, "Retry-After" in answer.headers))
                except OSError as exc:  # no answer at all (timeout, connection refused)
                    results[now].append((repr(exc)[:60], False))
                time.sleep(0.2)

        threads = [threading.Thread(target=browse, args=(u, n)) for n, u in enumerate(users)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        say("stopping PostgreSQL")
        phase["now"] = "down"
        pg("stop", "-m", "fast")
        time.sleep(6)
        say("starting PostgreSQL")
        pg("start")
        pg_ready()
        phase["now"] = "restarting"
        time.sleep(3)
        phase["now"] = "after"
        time.sleep(8)
        stop.set()
        for thread in threads:
            thread.join()

        for name in ("before", "down", "restarting", "after"):
            print(f"      {name:10} {dict(collections.Counter(status for status, _ in results[name]))}")
        down = results["down"]
        pages_503 = sum(1 for status, page in down if status == 503 and page)
        check(
            pages_503 > 0 and all(s in (200, 302) or (s == 503 and page) for s, page in down),
            f"while down: {len(down)} requests, {pages_503} answered with the 503 page (Retry-After), none otherwise",
        )
        check(all(s in (200, 302, 503) for s, _ in down + results["restarting"]), "no 500, no request unanswered")
        after = results["after"]
        check(
            bool(after) and all(s in (200, 302) for s, _ in after),
            f"after the restart: {len(after)} requests, all answered",
        )
        check(procs.web.pid == web_pid and procs.web.poll() is None, "the same gunicorn, not restarted")
        in_history = sum(
            sql(f"SELECT count(*) FROM studygroups_historicalstudysession WHERE id = {session} AND record = $${t}$$")
            != "0"
            for t in saved
        )
        check(in_history == len(saved), f"{in_history} of {len(saved)} records saved (302) are in the database")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
