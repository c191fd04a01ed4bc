"""notify(): one function for every app; de-duplicated, linked to any record, mailed after commit."""

import pytest
from django.core import mail
from django.db import transaction

from core.models import Notification
from core.notifications import notify
from studygroups.services.sessions import NOTICE
from tests.studygroups.factories import StudySessionFactory


@pytest.fixture
def users(world):
    member, secretary = world.users.member, world.users.secretary
    member.email = "member@example.cn"
    member.save()
    return member, secretary


def test_it_links_any_record_and_mails_after_commit(world, users, django_capture_on_commit_callbacks):
    session = StudySessionFactory(study_group=world.home.dept_group)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=users, kind=NOTICE, subject="学习通知", message="周一学习", target=session)
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["member@example.cn"]]  # the secretary has no address
    rows = Notification.objects.order_by("user_id")
    assert [(n.target, n.url) for n in rows] == [(session, session.get_absolute_url())] * 2


def test_no_mail_when_the_work_rolls_back(world, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(users=users, kind=NOTICE, message="会回滚")
            raise RuntimeError
    assert mail.outbox == [] and not Notification.objects.exists()


def test_the_same_key_is_one_notification_reopened(world, users):
    member = users[0]
    first = notify(users=[member], kind=NOTICE, message="第一次", dedup_key="k1", email=False)[0]
    first.read_at = first.created_at
    first.save()
    again = notify(users=[member], kind=NOTICE, message="改期了", dedup_key="k1", email=False)[0]
    assert again.pk == first.pk and again.read_at is None and again.message == "改期了"
    notify(users=[member], kind=NOTICE, message="另一件事", dedup_key="k2", email=False)
    assert Notification.objects.filter(user=member).count() == 2


def test_an_unknown_kind_is_refused(world, users):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(users=users, kind="nobody.registered", message="x")


def test_the_kind_reads_as_its_registered_label(world, users):
    notification = notify(users=users[:1], kind=NOTICE, message="x", email=False)[0]
    assert notification.get_kind_display() == "学习预先通知"
