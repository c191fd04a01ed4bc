"""QR check-in: the session page shows a signed token; a member who opens it is checked in.

The token holds the session id and its expiry (the end of the session), signed with the site's
secret, so it cannot be forged or moved to another session. Check-in opens CHECKIN_OPENS_MINUTES
before the start (people scan at the door); whoever checks in more than CHECKIN_LATE_MINUTES after
the start is recorded as late. A repeated scan keeps the first check-in time.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studygroups.models import Attendance, StudySession
from studygroups.services.attendance import ATTENDED, is_member_on_day, lock_session

SALT = "studygroups.checkin"


def opens_before() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CHECKIN_OPENS_MINUTES", 30))


def late_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CHECKIN_LATE_MINUTES", 15))


class CheckinError(Exception):
    BAD_SIGNATURE = "bad_signature"
    WRONG_SESSION = "wrong_session"
    EXPIRED = "expired"
    NOT_OPEN = "not_open"
    NOT_MEMBER = "not_member"

    MESSAGES = {
        BAD_SIGNATURE: _("This check-in code is not valid. Scan the code shown at the session again."),
        WRONG_SESSION: _("This check-in code belongs to another session."),
        EXPIRED: _("The session is over: check-in is closed."),
        NOT_OPEN: _("Check-in has not opened yet. It opens shortly before the session starts."),
        NOT_MEMBER: _("You are not a member of this study group on the day of the session, so you cannot check in."),
    }
    # Bad or misdirected codes are bad requests; a non-member is refused.
    STATUS = {NOT_MEMBER: 403}

    def __init__(self, code: str):
        self.code = code
        self.message = self.MESSAGES[code]
        self.status = self.STATUS.get(code, 400)
        super().__init__(code)


def make_checkin_token(session: StudySession) -> str:
    """A token for this session only, valid until the session ends (URL-safe)."""
    payload = {"s": session.pk, "e": int(session.ends_at.timestamp())}
    # Deterministic (no signing time inside): the page's text and its QR image show the same code.
    return signing.Signer(salt=SALT).sign_object(payload)


def read_checkin_token(token: str) -> tuple[int, datetime.datetime]:
    """(session id, expiry) of a genuine token, or CheckinError(bad_signature)."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
        return int(payload["s"]), datetime.datetime.fromtimestamp(int(payload["e"]), tz=datetime.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise CheckinError(CheckinError.BAD_SIGNATURE) from exc


def check_in(*, token: str, session: StudySession, user, now: datetime.datetime | None = None) -> Attendance:
    """Check the user's person in to the session, or raise CheckinError and change nothing."""
    now = now or timezone.now()
    session_id, expires = read_checkin_token(token)
    if session_id != session.pk:
        raise CheckinError(CheckinError.WRONG_SESSION)
    # A session moved earlier after the code was shown closes with the session.
    if now > min(expires, session.ends_at):
        raise CheckinError(CheckinError.EXPIRED)
    if now < session.starts_at - opens_before():
        raise CheckinError(CheckinError.NOT_OPEN)
    person_id = getattr(user, "person_id", None)
    if not is_member_on_day(session=session, person_id=person_id):
        raise CheckinError(CheckinError.NOT_MEMBER)
    return _record(session=session, person_id=person_id, user=user, now=now)


@transaction.atomic
def _record(*, session: StudySession, person_id: int, user, now: datetime.datetime) -> Attendance:
    lock_session(session)
    row = Attendance.objects.select_for_update().filter(session=session, person_id=person_id).first()
    if row is not None and row.checked_in_at is not None:
        return row  # a repeated scan keeps the first time
    if row is None:
        row = Attendance(session=session, person_id=person_id, created_by=user)
    if row.status not in ATTENDED or row._state.adding:
        # Marked on leave or absent in advance, then came after all: the scan wins.
        row.status = Attendance.Status.LATE if now > session.starts_at + late_after() else Attendance.Status.PRESENT
        row.reason = ""
        row.method = Attendance.Method.QR
    row.checked_in_at = now
    row._history_user = user
    row.save()
    return row
