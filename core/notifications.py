"""The one way any app notifies people: an in-app notification, and mail once the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from core.models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    users: Iterable,
    kind: str,
    message: str,
    subject: str = "",
    target: models.Model | None = None,
    dedup_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each user; with a ``dedup_key`` a user gets one notification per key, re-opened when sent again.

    Mail goes out only after the surrounding transaction commits (never while it holds locks, never for
    work that rolls back); a failing mail server is logged and the in-app notification stays.
    """
    from core.registry import notification_kinds

    if kind not in notification_kinds:
        raise ValueError(f"Unknown notification kind {kind!r}: register it in core.registry.notification_kinds.")
    link = {}
    if target is not None:
        link = {
            "target_type": ContentType.objects.get_for_model(target),
            "target_id": target.pk,
            "url": target.get_absolute_url() if hasattr(target, "get_absolute_url") else "",
        }
    notifications, mails = [], []
    for user in users:
        fields = {"kind": kind, "subject": subject, "message": message, **link}
        if dedup_key:
            notification = Notification.objects.filter(user=user, dedup_key=dedup_key).first()
            if notification is None:
                notification = Notification.objects.create(user=user, dedup_key=dedup_key, **fields)
            elif any(getattr(notification, k) != v for k, v in fields.items()) or notification.read_at:
                for name, value in fields.items():
                    setattr(notification, name, value)
                notification.read_at = None
                notification.save()
        else:
            notification = Notification.objects.create(user=user, **fields)
        notifications.append(notification)
        if email and user.email:
            mails.append((subject or message[:60], message, user.email))
    if mails:
        transaction.on_commit(lambda: _send_mails(mails))
    return notifications


def _send_mails(mails: list[tuple[str, str, str]]) -> int:
    sent = 0
    for subject, body, address in mails:
        try:
            send_mail(subject, body, None, [address])
            sent += 1
        except Exception:  # the in-app notification still reaches them
            logger.exception("Mail to %s failed", address)
    return sent


def notifications_mark_read(*, user) -> int:
    """Mark all of the user's unread notifications read (each saved, so the audit trail has it)."""
    now = timezone.now()
    unread = list(Notification.objects.visible_to(user).unread())
    for notification in unread:
        notification.read_at = now
        notification._history_user = user
        notification.save(update_fields=["read_at", "updated_at"])
    return len(unread)
