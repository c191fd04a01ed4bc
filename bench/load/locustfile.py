"""Load test (issue 12): a county's working day, against gunicorn with PostgreSQL and Redis.

Run by bench/load/run.py (``make load``), which prepares the database (bench/load/prepare.py writes the plan
read here), starts the servers and checks the database afterwards (bench/load/check.py). The mix:

- secretaries (weight 3): their dashboard and session list, write a session's record, take attendance of
  the session held now (all present), show the room's check-in code;
- members (weight 4): their dashboard, check in to their group's session now with the room's code;
- staff (weight 2): the dashboard and the lists (sessions, reflections, people, plan coverage);
- auditors (weight 1): their dashboard and the report list, ask for a group's study archive, wait for it
  and download it.

Every write locust sees succeed is appended to var/load/writes-<run>.jsonl, which check.py compares with
the database: each record text carries a token unique to the write.

Every request, its time and whether it failed, is appended to var/load/requests-<run>.jsonl with the phase it
fell in: "arrival" while users are still arriving and logging in (each login hashes a password: 0.6 s of CPU
here), then "steady" for LOAD_TIME seconds once every user is in, after which the run stops. check.py takes
failures over both phases and the p95 target over the steady phase, and prints the arrival figures apart.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forms import form_fields  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[2]
PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", BASE_DIR / "var" / "load" / "plan.json")).read_text("utf-8"))
RUN = PLAN["run"]
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")
WRITES = BASE_DIR / "var" / "load" / f"writes-{RUN}.jsonl"
REQUESTS = BASE_DIR / "var" / "load" / f"requests-{RUN}.jsonl"
STEADY_SECONDS = int(os.environ.get("LOAD_TIME", "60"))
_lock = threading.Lock()
_counter = itertools.count(1)
_seats = itertools.count()


def record_write(kind: str, **fields) -> None:
    with _lock, WRITES.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")


_phase = {"name": "arrival", "arrived": 0}
# One check-in screen per room (group), logged in as its secretary, shared by the group's members.
_rooms: dict[int, object] = {}
_rooms_lock = threading.Lock()


def _arrived(environment) -> None:
    """A user has logged in; when the last one has, the steady phase starts and lasts STEADY_SECONDS."""
    with _lock:
        _phase["arrived"] += 1
        if _phase["arrived"] != environment.runner.target_user_count:
            return
        _phase["name"] = "steady"
    gevent.spawn_later(STEADY_SECONDS, environment.runner.quit)


class _Account(HttpUser):
    abstract = True

    def on_start(self):
        self.arrive()  # each kind of user logs in its own way (defined by each subclass)
        _arrived(self.environment)

    def log_in(self, username: str) -> None:
        self.username = username
        page = self.client.get("/accounts/login/", name="login form")
        data = form_fields(page.text) | {"username": username, "password": PASSWORD}
        with self.client.post("/accounts/login/", data, name="log in", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"login of {username} refused")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class Secretary(_Account):
    weight = 3
    wait_time = between(2, 6)

    def arrive(self):
        self.seat = random.choice(PLAN["groups"])
        self.log_in(self.seat["secretary"])

    @task(3)
    def dashboard(self):
        self.client.get("/", name="dashboard (secretary)")

    @task(2)
    def sessions(self):
        self.client.get("/sessions/", name="session list (secretary)")

    @task(2)
    def write_record(self):
        pk = random.choice(self.seat["held_sessions"])
        url = f"/sessions/{pk}/record/"
        page = self.client.get(url, name="record form")
        if page.status_code != 200:
            return
        token = f"LOAD-{RUN}-{os.getpid()}-{next(_counter)}"
        data = form_fields(page.text, None) | {"record": f"会议记录（负载测试）{token}"}
        data = {k: v for k, v in data.items() if k not in ("q",)}
        with self.client.post(url, data, name="record save", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                record_write("record", session=pk, token=token)
            elif r.status_code == 409:
                r.success()  # someone saved it first: refused, not lost, and the page says so
                record_write("record_conflict", session=pk, token=token)
            else:
                r.failure(f"record save gave {r.status_code}")

    @task(1)
    def take_attendance(self):
        pk = self.seat["now_session"]
        url = f"/sessions/{pk}/attendance/"
        page = self.client.get(url, name="attendance form")
        if page.status_code != 200:
            return
        data = form_fields(page.text, "attendance-form") | {"all_present": "1"}
        with self.client.post(url, data, name="attendance save", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                record_write("attendance", session=pk)
            else:
                r.failure(f"attendance save gave {r.status_code}")

    @task(1)
    def room_code(self):
        self.client.get(f"/sessions/{self.seat['now_session']}/qr.json", name="check-in code")


class Member(_Account):
    weight = 4
    wait_time = between(2, 6)

    def arrive(self):
        seats = [(g, m) for g in PLAN["groups"] for m in g["members"]]
        self.seat, username = seats[next(_seats) % len(seats)]
        self.log_in(username)
        self.room = self._room()

    def _room(self):
        """The room's screen, logged in as the group's secretary: one per group, opened by its first member."""
        from requests import Session

        group = self.seat["group"]
        with _rooms_lock:
            room = _rooms.get(group)
            if room is None:
                room = _rooms[group] = Session()
                login = room.get(f"{self.host}/accounts/login/")
                fields = form_fields(login.text) | {"username": self.seat["secretary"], "password": PASSWORD}
                room.post(f"{self.host}/accounts/login/", fields)
        return room

    def _code_url(self) -> str:
        """The room's screen shows the current code (refreshed every 30 s)."""
        code = self.room.get(f"{self.host}/sessions/{self.seat['now_session']}/qr.json").json()
        return re.sub(r"^https?://[^/]+", "", code["url"])

    @task(3)
    def dashboard(self):
        self.client.get("/", name="dashboard (member)")

    @task(2)
    def check_in(self):
        url = self._code_url()
        page = self.client.get(url, name="check-in page")
        if page.status_code != 200:
            return
        data = form_fields(page.text, "checkin-form")
        with self.client.post(url, data, name="check in", catch_response=True) as r:
            if r.status_code == 200:
                record_write("checkin", session=self.seat["now_session"], username=self.username)
            else:
                r.failure(f"check-in gave {r.status_code}")


class Staff(_Account):
    weight = 2
    wait_time = between(2, 6)

    def arrive(self):
        self.log_in(random.choice(PLAN["staff"]))

    @task(3)
    def dashboard(self):
        self.client.get("/", name="dashboard (staff)")

    @task(2)
    def sessions(self):
        self.client.get("/sessions/", name="session list (staff)")

    @task(1)
    def reflections(self):
        self.client.get("/reflections/", name="reflection list (staff)")

    @task(1)
    def people(self):
        self.client.get("/people/", name="people list (staff)")

    @task(1)
    def coverage(self):
        self.client.get("/plans/coverage/", name="plan coverage (staff)")


class Auditor(_Account):
    weight = 1
    wait_time = between(3, 8)

    def arrive(self):
        self.log_in(random.choice(PLAN["auditors"]))

    @task(2)
    def dashboard(self):
        self.client.get("/", name="dashboard (auditor)")

    @task(1)
    def report(self):
        page = self.client.get("/reports/", name="report list")
        group = random.choice(PLAN["groups"])["group"]
        year = time.localtime().tm_year
        data = form_fields(page.text) | {"kind": "archive", "year": str(year), "study_group": str(group)}
        data.pop("org", None)
        with self.client.post("/reports/", data, name="report ask", allow_redirects=False, catch_response=True) as r:
            found = re.search(r"/reports/(\d+)/", r.headers.get("Location", ""))
            if r.status_code != 302 or not found:
                r.failure(f"report request gave {r.status_code}")
                return
        job = int(found.group(1))
        record_write("report", job=job)
        for _ in range(30):
            state = self.client.get(f"/reports/{job}/status/", name="report status").json()
            if state["status"] in ("done", "failed"):
                break
            time.sleep(2)
        if state["status"] == "done":
            self.client.get(state["download_url"], name="report download")


@events.test_start.add_listener
def _started(environment, **kwargs):
    WRITES.parent.mkdir(parents=True, exist_ok=True)


@events.request.add_listener
def _request(request_type, name, response_time, exception, **kwargs):
    line = {"phase": _phase["name"], "name": name, "ms": round(response_time, 1), "failed": exception is not None}
    if exception is not None:
        line["error"] = str(exception)[:200]
    with _lock, REQUESTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
