"""Bulletins: approved by a second person only, numbered without gaps or duplicates under concurrent
publishing, released to the units below, rendered in the red-head layout."""

import datetime
import subprocess
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports import bulletins
from reports.models import Bulletin
from tests.factories import UserFactory


@pytest.fixture
def second_staff(world):
    return UserFactory(username="staff2", role="staff", scope_unit=world.home.county)


def _draft(world, n=1):
    return bulletins.bulletin_create(
        user=world.users.staff,
        org=world.home.county,
        year=2025,
        title=f"关于2025年第{n}季度中心组学习巡听情况的通报",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 3, 31),
        body="巡听旁听工作情况。",
    )


def test_the_author_cannot_approve_their_own_bulletin(world, second_staff):
    bulletin = _draft(world)
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_approve(user=world.users.staff, bulletin_id=bulletin.pk)
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_approve(user=world.users.auditor, bulletin_id=bulletin.pk)
    approved = bulletins.bulletin_approve(user=second_staff, bulletin_id=bulletin.pk)
    assert approved.status == Bulletin.Status.APPROVED and approved.approved_by == second_staff
    # The detail page offers the author no approve button.
    client = Client()
    client.force_login(world.users.staff)
    draft = _draft(world, 2)
    assert 'id="approve"' not in client.get(draft.get_absolute_url()).content.decode()
    assert client.post(draft.get_absolute_url(), {"action": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.DRAFT


def test_publishing_numbers_and_releases_to_the_units_below(world, second_staff, client_as):
    bulletin = _draft(world)
    secretary = client_as("secretary")
    assert secretary.get(bulletin.get_absolute_url()).status_code == 404  # not yet released
    bulletins.bulletin_approve(user=second_staff, bulletin_id=bulletin.pk)
    published = bulletins.bulletin_publish(user=world.users.staff, bulletin_id=bulletin.pk)
    assert published.number == 1 and published.document_number == "甲宣发〔2025〕1号"
    assert secretary.get(bulletin.get_absolute_url()).status_code == 200
    assert client_as("member").get(reverse("reports:bulletin_list")).content.decode().count("甲宣发〔2025〕1号") == 1
    assert client_as("outsider").get(bulletin.get_absolute_url()).status_code == 404
    with pytest.raises(ValidationError):
        bulletins.bulletin_publish(user=world.users.staff, bulletin_id=bulletin.pk)  # once only


@pytest.mark.slow
def test_concurrent_publishing_gives_gapless_unique_numbers(transactional_db, world, second_staff):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    drafts = [_draft(world, n) for n in range(6)]
    for b in drafts:
        bulletins.bulletin_approve(user=second_staff, bulletin_id=b.pk)
    barrier = threading.Barrier(len(drafts))
    errors = []

    def publish(pk):
        try:
            barrier.wait()
            bulletins.bulletin_publish(user=world.users.staff, bulletin_id=pk)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(b.pk,)) for b in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Bulletin.objects.filter(org=world.home.county, year=2025).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]


def test_the_bulletin_pdf_has_the_red_head_number_and_lists(world, second_staff, tmp_path):
    bulletin = _draft(world)
    bulletin.praised = "甲旗教育局党组理论学习中心组\n甲旗红旗镇党委理论学习中心组"
    bulletin.criticised = "某某局党组理论学习中心组"
    bulletin.save()
    bulletins.bulletin_approve(user=second_staff, bulletin_id=bulletin.pk)
    bulletins.bulletin_publish(user=world.users.staff, bulletin_id=bulletin.pk)
    bulletin.refresh_from_db()
    html = bulletins.bulletin_html(bulletin)
    assert 'class="red-head font-title"' in html
    out = tmp_path / "bulletin.pdf"
    out.write_bytes(bulletins.bulletin_pdf(bulletin))
    text = "".join(
        subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    for expected in (
        "中共甲旗委员会宣传部",
        "甲宣发〔2025〕1号",
        "关于2025年第1季度中心组学习巡听情况的通报",
        "甲旗教育局党组理论学习中心组",
        "某某局党组理论学习中心组",
        "—1—",
    ):
        assert expected in text, expected


def test_a_draft_takes_its_lists_and_table_from_the_inspections(world, tmp_path):
    """Two scored visits in the first quarter: 45/50 = 90 % is praised, 25/50 = 50 % criticised (the
    inspections app's thresholds), and both averages appear in the bulletin's table and PDF."""
    from decimal import Decimal

    from inspections.models import PlanTarget, VisitKind
    from tests.inspections.factories import make_plan, make_template, make_visit
    from tests.studygroups.factories import StudySessionFactory, local

    home, inspector = world.home, world.users.inspector
    make_template(home.county)
    plan = make_plan(home.county, 2025)
    for group, total, day in ((home.dept_group, "45", 10), (home.town_group, "25", 20)):
        target = PlanTarget.objects.create(plan=plan, study_group=group, kind=VisitKind.KEY, planned_visits=1)
        session = StudySessionFactory(study_group=group, starts_at=local(2025, 3, day))
        visit = make_visit(target, inspectors=[inspector], session=session)
        visit.total, visit.max_total, visit.scored_at = Decimal(total), Decimal("50"), visit.session_starts_at
        visit.save()

    bulletin = _draft(world)

    assert bulletin.lines("praised") == [home.dept_group.name]
    assert bulletin.lines("criticised") == [home.town_group.name]
    html = bulletins.bulletin_html(bulletin)
    assert "data:image/svg+xml;base64," in html  # the scores chart
    out = tmp_path / "bulletin.pdf"
    out.write_bytes(bulletins.bulletin_pdf(bulletin))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "90.0" in text and "50.0" in text
    assert home.dept_group.name in "".join(text.split()) and home.town_group.name in "".join(text.split())
