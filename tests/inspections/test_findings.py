"""Rectification: every state change, who may make it, and the overdue reminders."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from core.models import Attachment, Notification, Role
from inspections.models import Finding
from inspections.services.findings import (
    OVERDUE,
    RETURNED,
    finding_answer,
    finding_close,
    finding_create,
    finding_return,
    remind_overdue_findings,
)
from inspections.services.visits import visit_publish, visit_score, visit_summarise
from tests.factories import UserFactory
from tests.inspections.factories import make_inspector, make_plan, make_target, make_template, make_visit
from tests.studygroups.factories import local


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def visit(world):
    home = world.home
    make_template(home.county, 2025)
    target = make_target(make_plan(home.county), home.dept_group)
    return make_visit(target, inspectors=[world.users.inspector])


def _publish(world, visit):
    values = {c.pk: Decimal("5") for c in visit.template.criteria.all()}
    visit_score(visit=visit, user=world.users.inspector, values=values)
    visit_summarise(visit=visit, user=world.users.inspector, overall="一般", highlights="", problems="")
    visit_publish(visit=visit, user=world.users.staff)


def _finding(world, visit, **extra):
    fields = dict(category=Finding.Category.FOCUS, description="研讨不聚焦", advice="围绕主题研讨")
    fields["deadline"] = extra.pop("deadline", timezone.localdate() + datetime.timedelta(days=30))
    return finding_create(visit=visit, user=world.users.inspector, **fields, **extra)


@pytest.mark.parametrize("who", ["staff", "secretary", "auditor", "other_inspector"])
def test_only_the_assigned_inspector_records_problems(world, visit, who):
    user = make_inspector(world.home.county) if who == "other_inspector" else getattr(world.users, who)
    with pytest.raises(PermissionDenied):
        finding_create(
            visit=visit, user=user, category="focus", description="x", advice="y", deadline=datetime.date(2030, 1, 1)
        )


def test_the_whole_cycle_answer_send_back_answer_close(world, visit):
    users = world.users
    finding = _finding(world, visit)
    assert finding.status == Finding.Status.OPEN
    # Before publication the group does not even see the item.
    with pytest.raises(PermissionDenied):
        finding_answer(finding=finding, user=users.secretary, response="已整改")
    _publish(world, visit)
    photo = SimpleUploadedFile("证据.png", png(), content_type="image/png")
    finding_answer(finding=finding, user=users.secretary, response="已组织专题研讨", uploads=[photo])
    assert finding.status == Finding.Status.ANSWERED and finding.answered_by == users.secretary
    assert Attachment.objects.of(finding).count() == 1
    with pytest.raises(ValidationError):  # answered already: waits for staff
        finding_answer(finding=finding, user=users.secretary, response="再次")
    with pytest.raises(ValidationError):
        finding_return(finding=finding, user=users.staff, reason=" ")
    finding_return(finding=finding, user=users.staff, reason="证据不足")
    assert (finding.status, finding.times_returned) == (Finding.Status.RETURNED, 1)
    assert Notification.objects.filter(user=users.secretary, kind=RETURNED).exists()
    with pytest.raises(ValidationError):  # sent back: nothing to close
        finding_close(finding=finding, user=users.staff)
    finding_answer(finding=finding, user=users.secretary, response="补充了会议记录")
    finding_close(finding=finding, user=users.staff)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED and finding.verified_by == users.staff and finding.verified_at
    statuses = [h.status for h in finding.history.order_by("history_id")]
    assert statuses == ["open", "answered", "returned", "answered", "closed"]
    assert finding.history.latest().history_user == users.staff


@pytest.mark.parametrize("who", ["inspector", "secretary", "member", "auditor", "outsider"])
def test_only_staff_of_the_county_verify(world, visit, who, outsider):
    finding = _finding(world, visit)
    _publish(world, visit)
    finding_answer(finding=finding, user=world.users.secretary, response="已整改")
    user = outsider if who == "outsider" else getattr(world.users, who)
    with pytest.raises(PermissionDenied):
        finding_close(finding=finding, user=user)
    with pytest.raises(PermissionDenied):
        finding_return(finding=finding, user=user, reason="不行")


@pytest.mark.parametrize("who", ["staff", "inspector", "member", "other_secretary"])
def test_only_the_groups_secretary_answers(world, visit, who):
    finding = _finding(world, visit)
    _publish(world, visit)
    if who == "other_secretary":
        user = UserFactory(username="town_sec", role=Role.SECRETARY, study_group=world.home.town_group)
    else:
        user = getattr(world.users, who)
    with pytest.raises(PermissionDenied):
        finding_answer(finding=finding, user=user, response="已整改")


def test_nothing_closes_without_a_verifier_and_a_time(world, visit):
    finding = _finding(world, visit)
    finding.status, finding.answered_at = Finding.Status.CLOSED, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        finding.save()


def test_overdue_items_are_reminded_once_a_day(world, visit):
    visit = make_visit(visit.target, inspectors=[world.users.inspector], starts_at=local(2025, 3, 10))
    finding = _finding(world, visit, deadline=datetime.date(2025, 4, 1))
    unpublished = make_visit(visit.target, inspectors=[world.users.inspector], starts_at=local(2025, 3, 11))
    _finding(world, unpublished, deadline=datetime.date(2025, 4, 1))
    _publish(world, visit)
    assert finding.is_overdue(today=datetime.date(2025, 4, 2))
    assert remind_overdue_findings(today=datetime.date(2025, 4, 2)) == 1  # the unpublished one waits
    assert remind_overdue_findings(today=datetime.date(2025, 4, 2)) == 0
    assert Notification.objects.filter(user=world.users.secretary, kind=OVERDUE).count() == 1
