"""Advance notices and record reminders: which sessions are picked, who is told, and that running twice
changes nothing. One test runs the task through a real Celery worker against Redis."""

import datetime
import time

import pytest
from django.core import mail
from django.utils import timezone

from core.models import Notification, Role
from studygroups.models import StudySession
from studygroups.services.sessions import (
    NOTICE,
    RECORD_REMINDER,
    send_due_notices,
    send_due_record_reminders,
    session_update,
    sessions_due_notice,
    sessions_due_record_reminder,
)
from studygroups.tasks import remind_missing_records, send_session_notices
from tests.factories import MembershipFactory, UserFactory
from tests.studygroups.factories import StudySessionFactory, local
from tests.workers import celery_worker

NOW = local(2025, 3, 10, 10, 0)


def _session(world, starts_at, hours=2, **kwargs):
    kwargs.setdefault("study_group", world.home.dept_group)
    return StudySessionFactory(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours), **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Advance notices
# ---------------------------------------------------------------------------------------------------------------


def test_notice_selection(world):
    due = {
        "in_two_days": _session(world, local(2025, 3, 12, 9, 0)),
        "last_day_of_window": _session(world, local(2025, 3, 13, 23, 0)),  # 13th = today + 3
        "later_today": _session(world, local(2025, 3, 10, 15, 0)),
        "own_longer_notice": _session(world, local(2025, 3, 20, 9, 0), notice_days=10),
        "other_county": _session(world, local(2025, 3, 11, 9, 0), study_group=world.other.dept_group),
    }
    _session(world, local(2025, 3, 14, 0, 30))  # too far ahead: the 14th is 4 days away
    _session(world, local(2025, 3, 21, 9, 0), notice_days=10)  # 11 days away
    _session(world, local(2025, 3, 12, 9, 0), notice_days=1)  # its own shorter notice: from the 11th
    _session(world, local(2025, 3, 10, 9, 0))  # started an hour ago
    _session(world, local(2025, 2, 10, 9, 0))  # past
    sent = _session(world, local(2025, 3, 11, 9, 0))
    sent.notice_sent_at = local(2025, 3, 8, 10, 0)
    sent.save()
    assert set(sessions_due_notice(now=NOW)) == set(due.values())
    # Notice days 0: announced on the day itself.
    same_day = _session(world, local(2025, 3, 10, 18, 0), notice_days=0)
    assert same_day in sessions_due_notice(now=NOW)
    assert _session(world, local(2025, 3, 11, 8, 0), notice_days=0) not in sessions_due_notice(now=NOW)


def test_notice_goes_to_members_of_the_day_and_secretaries_once(world, django_capture_on_commit_callbacks):
    group = world.home.dept_group
    member_user = world.users.member
    member_user.email = "member@example.cn"
    member_user.save()
    left_user = UserFactory(username="left", role=Role.MEMBER, person=world.home.left, email="left@example.cn")
    inactive = UserFactory(
        username="inactive", role=Role.MEMBER, person=MembershipFactory(study_group=group).person, is_active=False
    )
    second_secretary = UserFactory(username="sec2", role=Role.SECRETARY, study_group=group, email="sec2@example.cn")
    town_user = UserFactory(username="town", role=Role.MEMBER, person=world.home.town_member, email="t@example.cn")
    session = _session(world, local(2025, 3, 12, 9, 0), title="学习全会精神", materials="《决定》")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send_due_notices(now=NOW) == 1
        assert mail.outbox == []  # mail waits for the commit
    assert len(callbacks) == 1
    notices = Notification.objects.filter(target_id=session.pk, kind=NOTICE)
    assert set(notices.values_list("user", flat=True)) == {
        member_user.pk,
        world.users.secretary.pk,
        second_secretary.pk,
    }
    for user in (left_user, inactive, town_user, world.users.staff):
        assert not Notification.objects.filter(user=user).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.cn", "sec2@example.cn"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert "学习全会精神" in mail.outbox[0].subject and "《决定》" in mail.outbox[0].body
    session.refresh_from_db()
    assert session.notice_sent_at == NOW
    assert session.version == 1  # the system's stamp is not an edit: no conflict for an open form

    # Running again sends nothing and creates nothing.
    assert send_due_notices(now=NOW) == 0
    assert send_due_notices(now=NOW + datetime.timedelta(hours=1)) == 0
    assert notices.count() == 3 and len(mail.outbox) == 2


def test_a_rescheduled_session_is_announced_again_in_the_same_notification(world):
    session = _session(world, timezone.now() + datetime.timedelta(days=1))
    assert send_due_notices() == 1
    notice = Notification.objects.get(user=world.users.member, target_id=session.pk)
    notice.read_at = timezone.now()
    notice.save()
    new_start = session.starts_at + datetime.timedelta(hours=2)
    session_update(
        user=world.users.secretary,
        session_id=session.pk,
        version=1,
        data={"starts_at": new_start, "ends_at": new_start + datetime.timedelta(hours=2)},
    )
    session.refresh_from_db()
    assert session.notice_sent_at is None
    assert send_due_notices() == 1
    notice.refresh_from_db()
    assert notice.read_at is None
    assert f"{timezone.localtime(new_start):%H:%M}" in notice.message
    assert Notification.objects.filter(user=world.users.member, target_id=session.pk).count() == 1


def test_editing_other_fields_does_not_send_the_notice_again(world):
    session = _session(world, timezone.now() + datetime.timedelta(days=1))
    send_due_notices()
    session_update(user=world.users.secretary, session_id=session.pk, version=1, data={"materials": "新材料"})
    session.refresh_from_db()
    assert session.notice_sent_at is not None


# ---------------------------------------------------------------------------------------------------------------
# Missing-record reminders
# ---------------------------------------------------------------------------------------------------------------


def _ended(world, ago: datetime.timedelta, **kwargs):
    ends_at = NOW - ago
    return _session(world, ends_at - datetime.timedelta(hours=2), **kwargs)


def test_record_reminder_selection(world):
    days = datetime.timedelta(days=1)
    due = {
        "four_days": _ended(world, 4 * days),
        "just_over_three": _ended(world, 3 * days + datetime.timedelta(minutes=1)),
        "blank_record": _ended(world, 4 * days, record="  \n "),
        "long_ago": _ended(world, 40 * days),
        "other_county": _ended(world, 4 * days, study_group=world.other.dept_group),
    }
    _ended(world, 3 * days)  # exactly three days: not yet
    _ended(world, 2 * days)  # ended less than three days ago
    _ended(world, -2 * days)  # future
    _ended(world, 4 * days, record="已有记录")
    reminded = _ended(world, 4 * days)
    reminded.record_reminder_sent_at = NOW - days
    reminded.save()
    assert set(sessions_due_record_reminder(now=NOW)) == set(due.values())


def test_record_reminder_goes_to_the_groups_secretaries_once(world, settings, django_capture_on_commit_callbacks):
    settings.RECORD_REMINDER_DAYS = 3
    secretary = world.users.secretary
    secretary.email = "sec@example.cn"
    secretary.save()
    world.users.member.email = "member@example.cn"
    world.users.member.save()
    town_secretary = UserFactory(username="town-sec", role=Role.SECRETARY, study_group=world.home.town_group)
    session = _ended(world, datetime.timedelta(days=4), title="无记录的学习")
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_record_reminders(now=NOW) == 1
    reminders = Notification.objects.filter(kind=RECORD_REMINDER)
    assert list(reminders.values_list("user", "target_id", "url")) == [
        (secretary.pk, session.pk, session.get_absolute_url())
    ]
    assert not Notification.objects.filter(user=town_secretary).exists()
    assert [m.to for m in mail.outbox] == [["sec@example.cn"]]
    session.refresh_from_db()
    assert session.record_reminder_sent_at == NOW
    assert send_due_record_reminders(now=NOW) == 0
    assert reminders.count() == 1 and len(mail.outbox) == 1


def test_reminder_days_come_from_settings(world, settings):
    settings.RECORD_REMINDER_DAYS = 5
    four = _ended(world, datetime.timedelta(days=4))
    six = _ended(world, datetime.timedelta(days=6))
    assert list(sessions_due_record_reminder(now=NOW)) == [six]
    assert four.pk != six.pk


def test_tasks_run_eagerly_and_return_counts(world):
    _session(world, timezone.now() + datetime.timedelta(days=1))
    _session(world, timezone.now() - datetime.timedelta(days=5))
    assert send_session_notices.delay().get() == 1
    assert remind_missing_records.delay().get() == 1
    assert send_session_notices.delay().get() == 0
    assert remind_missing_records.delay().get() == 0
    assert Notification.objects.filter(kind=NOTICE).count() == 2  # member + secretary
    assert Notification.objects.filter(kind=RECORD_REMINDER).count() == 1


# ---------------------------------------------------------------------------------------------------------------
# A real worker
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_notice_task_runs_in_a_real_worker(transactional_db, world, settings):
    session = _session(world, timezone.now() + datetime.timedelta(days=1))
    expected = {world.users.member.pk, world.users.secretary.pk}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_worker("sessions", settings_module="config.test_settings") as (queue, worker, log):
        result = send_session_notices.apply_async(queue=queue)
        assert result.id
        # No result backend is configured (CELERY_RESULT_BACKEND = None): watch the database instead.
        deadline = time.monotonic() + 60
        notices = Notification.objects.filter(target_id=session.pk, kind=NOTICE)
        output = ""
        while time.monotonic() < deadline and worker.poll() is None:
            session.refresh_from_db()
            log.seek(0)
            output = log.read()
            done = session.notice_sent_at and set(notices.values_list("user", flat=True)) == expected
            # The worker's log proves the task ran there, not eagerly in this process.
            if done and f"{result.id}] succeeded" in output:
                break
            time.sleep(0.5)
        assert f"{result.id}] succeeded" in output, f"The worker did not run the task:\n{output[-4000:]}"
        output = output[-4000:]
        assert worker.poll() is None, f"The worker stopped:\n{output}"
    assert session.notice_sent_at is not None, f"The worker did not send the notice in 60 s:\n{output}"
    assert set(notices.values_list("user", flat=True)) == expected
    assert StudySession.objects.get(pk=session.pk).version == 1
