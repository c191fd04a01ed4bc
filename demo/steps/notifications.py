"""The notifications step: what the schedule (studygroups.tasks, run by Celery beat) would have sent the demo
accounts before ``today``: the advance notice of every session of their group that the studygroups step
marks as announced, to the members seated that day and the group's secretary, and the reminder of every
missing record to the secretary. Same kinds, texts, links and de-duplication keys as the tasks, so the
worker never sends them again; read unless they arrived in the last week.

The notices the worker sends while ``make run`` serves come from the sessions whose notice falls due from
today on (the studygroups step plans two of them for the demo secretary's group).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from core.models import Notification
from demo.context import DemoContext
from demo.writers import Rows, row
from studygroups.models import StudySession
from studygroups.services.sessions import NOTICE, RECORD_REMINDER, _notice_message, _reminder_message

MODELS = ("core.Notification",)

# Notifications older than this were read by the demo accounts; newer ones wait in their list.
UNREAD_FOR = datetime.timedelta(days=7)


def build(ctx: DemoContext) -> None:
    accounts = [user for user in ctx.accounts.values() if user.person_id or user.study_group_id]
    if not accounts:
        return
    # (session, kind, account, sent at) for every message the tasks sent to a demo account.
    index = {group.pk: gi for gi, group in enumerate(ctx.groups)}
    secretaries: dict[int, list] = {}
    members: dict[int, list] = {}
    for user in accounts:
        if user.study_group_id:
            secretaries.setdefault(index[user.study_group_id], []).append(user)
        if user.person_id:
            for m in ctx.memberships:
                if m.person.pk == user.person_id:
                    members.setdefault(index[m.study_group.pk], []).append((m, user))
    sent = []
    for sim in ctx.state["studygroups"].sessions:
        gi, session = sim.group_index, sim.session
        if gi not in secretaries and gi not in members:
            continue
        day = session.starts_at.date()
        if session.notice_sent_at is not None:
            seated = {
                u for m, u in members.get(gi, ()) if m.start_date <= day and (m.end_date is None or m.end_date >= day)
            }
            for user in sorted(seated | set(secretaries.get(gi, ())), key=lambda u: u.pk):
                sent.append((session.pk, NOTICE, user, session.notice_sent_at))
        if session.record_reminder_sent_at is not None:
            for user in secretaries.get(gi, ()):
                sent.append((session.pk, RECORD_REMINDER, user, session.record_reminder_sent_at))
    if not sent:
        return

    # The texts the tasks write, from the sessions as stored (three queries, whatever their number).
    sessions = StudySession.objects.select_related("study_group", "host").prefetch_related("topics")
    sessions = sessions.in_bulk({pk for pk, *_rest in sent})
    session_type = ContentType.objects.get_for_model(StudySession)
    rows = Rows(ctx, Notification, "notifications")
    with translation.override(settings.LANGUAGE_CODE):
        texts = {}
        for pk, kind, user, at in sorted(sent, key=lambda item: (item[3], item[0], item[2].pk)):
            session = sessions[pk]
            if (pk, kind) not in texts:
                texts[pk, kind] = (_notice_message if kind == NOTICE else _reminder_message)(session)
            message = texts[pk, kind]
            read_at = at + datetime.timedelta(hours=5) if at < ctx.now - UNREAD_FOR else None
            notification = row(
                Notification,
                user=user,
                kind=kind,
                subject=message.subject,
                message=message.body,
                target_type=session_type,
                target_id=pk,
                url=session.get_absolute_url(),
                dedup_key=f"session:{pk}:{kind}",
                read_at=read_at,
            )
            rows.add(notification, at, None, updated=read_at or at)
    rows.flush()
