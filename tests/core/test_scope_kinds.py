"""The "assigned" and "released" scopes, declared on a model's Scope and still served by visible_to.

No model of this app uses them yet (inspections and assessments will), so each test declares them for a
moment on study sessions: ``notice_sent_at`` stands in for a publication time, ``record_entered_by`` for
the account a row is assigned to.
"""

import dataclasses
import datetime

import pytest
from django.utils import timezone

from core.models import Role
from studygroups.models import StudySession
from tests.factories import PersonFactory, UserFactory
from tests.studygroups.factories import StudySessionFactory


@pytest.fixture
def declare(monkeypatch):
    def _declare(**changes):
        monkeypatch.setattr(StudySession, "scope", dataclasses.replace(StudySession.scope, **changes))

    return _declare


def test_released_rows_reach_groups_only_once_published(world, declare):
    declare(released="notice_sent_at")
    now = timezone.now()
    draft = StudySessionFactory(study_group=world.home.dept_group, title="草稿")
    published = StudySessionFactory(study_group=world.home.dept_group, title="已发布")
    scheduled = StudySessionFactory(study_group=world.home.dept_group, title="定时发布")
    for session, when in ((published, now - datetime.timedelta(days=1)), (scheduled, now + datetime.timedelta(days=1))):
        session.notice_sent_at = when
        session.save()
    for account in ("secretary", "member"):
        assert set(StudySession.objects.visible_to(getattr(world.users, account))) == {published}, account
    for account in ("staff", "auditor", "inspector", "superuser"):
        assert {draft, published, scheduled} <= set(StudySession.objects.visible_to(getattr(world.users, account)))
    # Still scoped: another county's staff see none of them.
    outsider = UserFactory(username="other-staff", role=Role.STAFF, scope_unit=world.other.county)
    assert not StudySession.objects.visible_to(outsider).filter(pk__in=[draft.pk, published.pk]).exists()


def test_assigned_rows_reach_their_accounts_and_assigned_only_roles_see_nothing_else(world, declare):
    declare(assigned="record_entered_by", assigned_only=(Role.INSPECTOR,))
    inspector = world.users.inspector
    elsewhere = UserFactory(
        username="region-inspector",
        role=Role.INSPECTOR,
        scope_unit=world.other.county,
        person=PersonFactory(unit=world.other.county),  # an inspector account belongs to a person
    )
    mine = StudySessionFactory(study_group=world.other.dept_group, record_entered_by=inspector)
    theirs = StudySessionFactory(study_group=world.home.dept_group, record_entered_by=elsewhere)
    unassigned = StudySessionFactory(study_group=world.home.dept_group)
    # An inspector sees the rows assigned to them, even in another county, and nothing else.
    assert set(StudySession.objects.visible_to(inspector)) == {mine}
    assert set(StudySession.objects.visible_to(elsewhere)) == {theirs}
    # Staff keep their unit scope.
    assert set(StudySession.objects.visible_to(world.users.staff)) == {theirs, unassigned}
