"""Twenty people (or one impatient one) sending the same form at the same moment get one consistent result
(issue 12, faults): the attendance of a session is stored once per person, a bulletin is published once
with one number. Through the real views, on PostgreSQL, each request on its own connection."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.load.forms import form_fields
from reports import bulletins
from reports.models import Bulletin
from studygroups.models import Attendance, StudySession
from tests.factories import UserFactory

PARALLEL = 20

pytestmark = pytest.mark.slow


def _all_at_once(clients, url, data) -> list[int]:
    """POST ``data`` to ``url`` from every client at the same moment; the status codes."""
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(client):
        try:
            barrier.wait()
            statuses.append(client.post(url, data).status_code)
        except Exception as exc:  # noqa: BLE001 (a crash is a result: counted below)
            statuses.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _clients(user) -> list[Client]:
    clients = []
    for _ in range(PARALLEL):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def test_the_same_attendance_form_sent_twenty_times_is_stored_once(transactional_db, world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    home = world.home
    start = timezone.now() - datetime.timedelta(hours=1)
    session = StudySession.objects.create(
        study_group=home.dept_group, title="并发点名", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    url = reverse("studygroups:attendance_edit", args=[session.pk])
    clients = _clients(world.users.secretary)
    page = clients[0].get(url)
    assert page.status_code == 200
    # "All present" for the whole roster: the leader and the member of the home department's group.
    data = form_fields(page.content.decode(), "attendance-form") | {"all_present": "1"}
    statuses = _all_at_once(clients, url, data)
    assert statuses == [302] * PARALLEL  # each one answered, none crashed
    rows = Attendance.objects.filter(session=session)
    assert sorted(rows.values_list("person_id", "status")) == sorted(
        [(home.leader.pk, "present"), (home.member.pk, "present")]
    )
    # Written once each: the nineteen others found nothing to change.
    assert Attendance.history.filter(session_id=session.pk).count() == 2


def test_the_same_bulletin_published_twenty_times_is_published_once(transactional_db, world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    staff = world.users.staff
    bulletin = bulletins.bulletin_create(
        user=staff,
        org=world.home.county,
        year=2025,
        title="关于2025年第一季度中心组学习巡听情况的通报",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 3, 31),
        body="巡听旁听工作情况。",
    )
    second = UserFactory(username="staff2", role="staff", scope_unit=world.home.county)
    bulletins.bulletin_approve(user=second, bulletin_id=bulletin.pk)
    statuses = _all_at_once(_clients(staff), bulletin.get_absolute_url(), {"action": "publish"})
    # Every request ends on the bulletin's page (one says "published", the others that it already is).
    assert statuses == [302] * PARALLEL
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.number) == (Bulletin.Status.PUBLISHED, 1)
    assert list(Bulletin.objects.filter(org=world.home.county, year=2025).values_list("number", flat=True)) == [1]
    assert bulletin.history.filter(status=Bulletin.Status.PUBLISHED).count() == 1
