"""The demo's notifications: what the schedule would have sent the demo accounts is there, and notices fall
due right after seeding, so the worker `make run` starts sends new ones while the demo is served."""

import datetime
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction

from core.models import Notification
from demo import seed
from demo.context import moment
from studygroups.models import StudySession
from studygroups.services.sessions import NOTICE, RECORD_REMINDER, send_due_notices, sessions_due_notice

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)
NOW = moment(TODAY)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed.build("demo", seed=7, today=TODAY)
        transaction.set_rollback(True)


def test_the_demo_accounts_have_the_notices_and_reminders_the_schedule_sent(demo):
    accounts = demo.accounts
    secretary, member = accounts["secretary"], accounts["member"]
    kinds = Counter(Notification.objects.values_list("user__username", "kind"))
    assert kinds[("secretary", NOTICE)] >= 20 and kinds[("member", NOTICE)] >= 20
    assert kinds[("secretary", RECORD_REMINDER)] >= 1 and kinds[("member", RECORD_REMINDER)] == 0
    # Staff and the auditor have neither a group nor a seat; the inspector is a person of the propaganda
    # department and may sit in its group, so may get that group's notices.
    assert {"secretary", "member"} <= {user for user, _kind in kinds} <= {"secretary", "member", "inspector"}
    group_sessions = StudySession.objects.filter(study_group=secretary.study_group)
    # One notice for each session announced, sent when the session says, linking to it.
    announced = group_sessions.exclude(notice_sent_at=None)
    notices = Notification.objects.filter(user=secretary, kind=NOTICE)
    assert notices.count() == announced.count()
    for notification in notices.select_related("target_type"):
        session = notification.target
        assert notification.created_at == session.notice_sent_at < NOW
        assert notification.dedup_key == f"session:{session.pk}:{NOTICE}"
        assert notification.url == session.get_absolute_url() and session.title in notification.subject
    reminded = group_sessions.exclude(record_reminder_sent_at=None)
    assert Notification.objects.filter(user=secretary, kind=RECORD_REMINDER).count() == reminded.count()
    # The member got the notices of the sessions of the days they held a seat: all of the group's here.
    assert set(Notification.objects.filter(user=member, kind=NOTICE).values_list("target_id", flat=True)) <= set(
        announced.values_list("pk", flat=True)
    )
    # Read, except those of the last week.
    for notification in Notification.objects.filter(user__in=[secretary, member]):
        recent = notification.created_at >= NOW - datetime.timedelta(days=7)
        assert (notification.read_at is None) == recent
    assert Notification.history.filter(history_type="+").count() == Notification.objects.count()


def test_notices_fall_due_right_after_seeding_and_the_task_sends_them_once(demo):
    secretary, member = demo.accounts["secretary"], demo.accounts["member"]
    group = secretary.study_group
    later_today = NOW + datetime.timedelta(hours=10)
    due = sessions_due_notice(now=later_today).filter(study_group=group).count()
    assert due >= 1  # announced at the worker's first run
    tomorrow = NOW + datetime.timedelta(days=1, hours=1)
    assert sessions_due_notice(now=tomorrow).filter(study_group=group).count() > due  # and more the next day
    before = Notification.objects.filter(user__in=[secretary, member], read_at=None).count()
    assert send_due_notices(now=later_today) >= 1
    new = Notification.objects.filter(user__in=[secretary, member], read_at=None).count() - before
    assert new == 2 * due  # the member and the secretary, once each
    assert send_due_notices(now=later_today) == 0


def test_the_worker_checks_for_due_notices_every_five_minutes():
    # So a notice falling due while the demo is served arrives within minutes, not at the next hour.
    schedule = settings.CELERY_BEAT_SCHEDULE["send-session-notices"]["schedule"]
    assert schedule.minute == set(range(0, 60, 5)) and schedule.hour == set(range(24))
