"""Run in its own process by test_sqlite_concurrency.py: secretaries save attendance at the same moment
against a SQLite file, through the whole request stack (middleware, ATOMIC_REQUESTS, the view).

    python -m tests.studygroups.sqlite_writers DB_PATH WRITERS [--plain]

``--plain`` drops the SQLite OPTIONS of config/settings.py (no WAL, no busy wait beyond sqlite3's 5 s
default, deferred transactions), to show what the settings prevent. Prints one JSON line:
{"statuses": [...], "errors": [...], "saved": n, "expected": n}.
"""

import json
import logging
import os
import sys
import threading


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main(db_path: str, writers: int, plain: bool) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django
    from django.conf import settings

    # The settings under test, or none; the schema and data are written first without waiting on the disk.
    options = {} if plain else dict(settings.DATABASES["default"].get("OPTIONS", {}))
    settings.DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"}
    # The tables straight from the models (no migration holds data or SQL of its own): seconds, not a minute.
    settings.DATABASES["default"]["TEST"] = {"NAME": db_path, "MIGRATE": False}
    django.setup()

    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse

    from core.models import Role
    from studygroups.models import Attendance
    from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory, UserFactory
    from tests.studygroups.factories import past_session

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    group = StudyGroupFactory(unit=OrgUnitFactory(name="并发测试旗"))
    people = [MembershipFactory(study_group=group).person for _ in range(8)]
    secretary = UserFactory(username="secretary", role=Role.SECRETARY, study_group=group)
    sessions = [past_session(group, days=2 + i) for i in range(writers)]
    clients = []
    for _ in sessions:
        client = Client(raise_request_exception=True)
        client.force_login(secretary)
        clients.append(client)
    connections.close_all()
    connections.settings["default"]["OPTIONS"] = options

    statuses: list[int] = []
    errors: list[str] = []
    # A database error answers the 503 page (core.middleware.DatabaseUnavailableMiddleware), which logs why.
    collect = _Collect()
    logging.getLogger("core.database").addHandler(collect)
    start = threading.Barrier(writers)

    def save(client, session, n: int) -> None:
        data = {
            "form-TOTAL_FORMS": str(len(people)),
            "form-INITIAL_FORMS": str(len(people)),
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "_submission": f"writer-{n}",
        }
        for i, person in enumerate(people):
            status = Attendance.Status.LEAVE if i == n % len(people) else Attendance.Status.PRESENT
            data |= {f"form-{i}-person": str(person.pk), f"form-{i}-status": status, f"form-{i}-reason": "出差"}
        start.wait()
        try:
            response = client.post(reverse("studygroups:attendance_edit", args=[session.pk]), data)
            statuses.append(response.status_code)
        except Exception as exc:  # the request's own error, re-raised by the test client
            statuses.append(500)
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(c, s, n)) for n, (c, s) in enumerate(zip(clients, sessions, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = Attendance.objects.filter(session__in=sessions).count()
    errors += collect.messages
    return {"statuses": statuses, "errors": errors, "saved": saved, "expected": writers * len(people)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), "--plain" in sys.argv[3:])))
