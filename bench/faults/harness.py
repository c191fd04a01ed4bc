"""What the fault scripts share: a PostgreSQL cluster and a Redis of their own (stopping them disturbs nobody
else on the machine), the demo seeded on it, gunicorn and a Celery worker, and a logged-in browser.

The cluster (PostgreSQL 15, cluster "faults", port 5439, trust on loopback) is made by pg_createcluster the
first time and kept for the next script (``bench/faults/run_all.py`` drops it at the end, ``--keep`` not);
Redis runs on port 6391 without persistence, started and stopped by the script.
"""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))
from bench.load.forms import form_fields  # noqa: E402

VAR = BASE_DIR / "var" / "faults"
BIN = Path(sys.executable).parent
PG_VERSION, PG_CLUSTER, PG_PORT = "15", "faults", 5439
REDIS_PORT = 6391
WEB_PORT = 8766
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/studycenter_bench_faults"
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
HOST = f"http://127.0.0.1:{WEB_PORT}"
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo12345")

ENV = os.environ | {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "MEDIA_ROOT": str(VAR / "media"),
    "CELERY_DATA_DIR": str(VAR / "celery"),
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Checks:
    def __init__(self, name: str):
        self.name, self.results = name, []

    def __call__(self, ok: bool, message: str) -> bool:
        self.results.append(ok)
        print(("ok    " if ok else "FAIL  ") + message, flush=True)
        return ok

    def exit_code(self) -> int:
        passed = sum(self.results)
        print(f"{self.name}: {passed} of {len(self.results)} checks passed", flush=True)
        return 0 if self.results and all(self.results) else 1


# --- PostgreSQL ----------------------------------------------------------------------------------


def pg(*action: str) -> None:
    subprocess.run(["pg_ctlcluster", PG_VERSION, PG_CLUSTER, *action], check=True)


def pg_ready(seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT)], capture_output=True)
        if ready.returncode == 0:
            return True
        time.sleep(0.5)
    return False


def ensure_database() -> None:
    """The cluster running and the demo seeded on it (seeded once, kept between scripts)."""
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    if not any(line.split()[:2] == [PG_VERSION, PG_CLUSTER] for line in clusters.splitlines()):
        say(f"creating the PostgreSQL cluster {PG_VERSION}/{PG_CLUSTER} on port {PG_PORT}")
        create = ["pg_createcluster", PG_VERSION, PG_CLUSTER, "-p", str(PG_PORT), "--", "--auth=trust"]
        subprocess.run(create, check=True, capture_output=True)
    if not pg_ready(1):
        pg("start")
    if not pg_ready():
        raise SystemExit("the fault cluster did not start")
    seeded = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", "studycenter_bench_faults", "-tAc"]
        + ["SELECT count(*) FROM core_user WHERE username = 'auditor'"],
        capture_output=True,
        text=True,
    )
    if seeded.stdout.strip() != "1":
        say("seeding the demo on the fault cluster")
        seed = [sys.executable, "bench/seed_demo.py", "--scale", "demo", "--keep", "--database-url", DATABASE_URL]
        subprocess.run(seed, cwd=BASE_DIR, check=True, stdout=subprocess.DEVNULL)
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v0")  # a cluster kept from before may predate the latest migrations
    manage("collectstatic", "--noinput", "-v0")


def drop_cluster() -> None:
    subprocess.run(["pg_dropcluster", PG_VERSION, PG_CLUSTER, "--stop"], check=False)


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=ENV, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def sql(query: str) -> str:
    """One value from the fault database (psql, so that it works while the app's settings are elsewhere)."""
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", "studycenter_bench_faults", "-tAc"]
        + [query],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


# --- processes -----------------------------------------------------------------------------------


class Processes:
    """Redis, gunicorn and a Celery worker, started here and stopped by ``stop_all`` (or the ``with``)."""

    def __init__(self):
        self.redis = self.web = self.worker = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()

    def _start(self, command: list[str], log: str) -> subprocess.Popen:
        handle = open(VAR / log, "a")  # noqa: SIM115 (closed with the process)
        return subprocess.Popen(command, cwd=BASE_DIR, env=ENV, stdout=handle, stderr=subprocess.STDOUT)

    def start_redis(self) -> None:
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        self.redis = self._start([*command, "no"], "redis.log")
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("redis did not start")

    def stop_redis(self) -> None:
        _stop(self.redis)
        self.redis = None

    def start_web(self, workers: int = 2) -> None:
        command = [str(BIN / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{WEB_PORT}"]
        self.web = self._start([*command, "-t", "60"], "gunicorn.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{HOST}/healthz", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # 503: up, with Redis or the database still down
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer")

    def start_worker(self) -> None:
        command = [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", "1"]
        self.worker = self._start([*command, "-n", f"faults-{os.getpid()}@%h"], "worker.log")

    def stop_worker(self, sig: int = signal.SIGTERM) -> None:
        _stop(self.worker, sig)
        self.worker = None

    def stop_all(self) -> None:
        for process in (self.web, self.worker, self.redis):
            _stop(process)


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


# --- a browser -----------------------------------------------------------------------------------


@dataclass
class Answer:
    status_code: int
    text: str
    headers: dict
    url: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A logged-in user (urllib with a cookie jar: no third-party client needed)."""

    def __init__(self, username: str):
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.follow = urllib.request.build_opener(cookies)
        self.stay = urllib.request.build_opener(cookies, _NoRedirect)
        self.username = username
        page = self.get("/accounts/login/")
        answer = self.post(
            "/accounts/login/", form_fields(page.text) | {"username": username, "password": PASSWORD}, follow=True
        )
        if "/accounts/login/" in answer.url:
            raise SystemExit(f"login of {username} refused")

    def _open(self, opener, request, timeout) -> Answer:
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:  # 3xx not followed, 4xx, 5xx
            response = error
        body = response.read().decode("utf-8", "replace")
        return Answer(response.status, body, dict(response.headers), response.geturl())

    def get(self, path: str, timeout: float = 30) -> Answer:
        return self._open(self.follow, urllib.request.Request(urljoin(HOST, path)), timeout)

    def post(self, path: str, data: dict, follow: bool = False, timeout: float = 30) -> Answer:
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(urljoin(HOST, path), body, headers={"Referer": HOST + "/"})
        request.add_header("X-CSRFToken", csrf)
        return self._open(self.follow if follow else self.stay, request, timeout)

    def submit(self, path: str, changes: dict, form_id: str | None = None) -> Answer:
        """Open the form at ``path``, change some fields and send it (as a browser would)."""
        page = self.get(path)
        if page.status_code != 200:
            return page
        return self.post(path, form_fields(page.text, form_id) | changes)

    def ask_report(self, group_id: int, year: int) -> int | None:
        page = self.get("/reports/")
        data = form_fields(page.text) | {"kind": "archive", "year": str(year), "study_group": str(group_id)}
        data.pop("org", None)
        answer = self.post("/reports/", data)
        location = answer.headers.get("Location", "")
        if answer.status_code != 302 or "/reports/" not in location:
            return None
        return int(location.rstrip("/").rsplit("/", 1)[-1])


def wait_for(predicate, seconds: float, step: float = 1.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
