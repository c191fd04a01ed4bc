"""QR check-in: the room shows a code that changes every 30 seconds; a member opens it and checks in.

The code is a signed token holding the session id and the 30-second step it was made in, signed with
the site's secret, so it cannot be forged or moved to another session. It is accepted during its own
step and the next one (between 30 and 60 seconds), so a photo of the code forwarded to someone who is
not in the room is useless a minute later. Opening the link only shows the session and a "check in"
button (GET never writes); the button posts back with a grant, signed for that account and session,
so a member who takes a little while to press it is not refused. Check-in opens CHECKIN_OPENS_MINUTES
before the start (people scan at the door); whoever checks in more than CHECKIN_LATE_MINUTES after the
start is recorded as late. A repeated check-in keeps the first time.
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
GRANT_SALT = "studygroups.checkin.grant"
# The code shown in the room changes every STEP_SECONDS; a code is accepted for VALID_STEPS steps.
STEP_SECONDS = 30
VALID_STEPS = 2
# How long the "check in" button of an opened code stays usable.
GRANT_SECONDS = 300


def opens_before() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CHECKIN_OPENS_MINUTES", 30))


def late_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "CHECKIN_LATE_MINUTES", 15))


class CheckinError(Exception):
    BAD_SIGNATURE = "bad_signature"
    WRONG_SESSION = "wrong_session"
    CODE_EXPIRED = "code_expired"
    EXPIRED = "expired"
    NOT_OPEN = "not_open"
    NOT_MEMBER = "not_member"

    MESSAGES = {
        BAD_SIGNATURE: _("This check-in code is not valid. Scan the code shown at the session again."),
        WRONG_SESSION: _("This check-in code belongs to another session."),
        CODE_EXPIRED: _(
            "This check-in code has expired: the code shown in the room changes every 30 seconds. "
            "Scan the code shown now."
        ),
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


def code_step(now: datetime.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def seconds_to_next_code(now: datetime.datetime) -> float:
    return STEP_SECONDS - (now.timestamp() % STEP_SECONDS)


def make_checkin_token(session: StudySession, now: datetime.datetime | None = None) -> str:
    """The code of this session for the 30-second step of ``now`` (URL-safe).

    Deterministic within a step (no signing time inside): the page's text and its QR image agree."""
    now = now or timezone.now()
    return signing.Signer(salt=SALT).sign_object({"s": session.pk, "t": code_step(now)})


def read_checkin_token(token: str) -> tuple[int, int]:
    """(session id, step) of a genuine token, or CheckinError(bad_signature)."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
        return int(payload["s"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise CheckinError(CheckinError.BAD_SIGNATURE) from exc


def make_grant(*, session: StudySession, user) -> str:
    """Signed proof that this account opened a current code of this session (for the button's POST)."""
    return signing.TimestampSigner(salt=GRANT_SALT).sign_object({"s": session.pk, "u": user.pk})


def _granted(grant: str | None, *, session: StudySession, user, now: datetime.datetime) -> bool:
    if not grant:
        return False
    signer = signing.TimestampSigner(salt=GRANT_SALT)
    try:
        payload = signer.unsign_object(grant)  # the signature, with no age limit yet
        # The age is measured against ``now`` rather than the clock, like every other rule here.
        stamp = grant.rsplit(signer.sep, 2)[1]
        age = now.timestamp() - signing.b62_decode(stamp)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return False
    return payload == {"s": session.pk, "u": user.pk} and 0 <= age <= GRANT_SECONDS


def check_allowed(*, token: str, session: StudySession, user, now: datetime.datetime, grant: str | None = None) -> None:
    """Raise CheckinError unless the user may check in to the session now with this code (writes nothing)."""
    session_id, step = read_checkin_token(token)
    if session_id != session.pk:
        raise CheckinError(CheckinError.WRONG_SESSION)
    if now > session.ends_at:
        raise CheckinError(CheckinError.EXPIRED)
    if now < session.starts_at - opens_before():
        raise CheckinError(CheckinError.NOT_OPEN)
    age = code_step(now) - step
    if age < 0:
        raise CheckinError(CheckinError.BAD_SIGNATURE)  # made in the future: not by this site
    if age >= VALID_STEPS and not _granted(grant, session=session, user=user, now=now):
        raise CheckinError(CheckinError.CODE_EXPIRED)
    if not is_member_on_day(session=session, person_id=getattr(user, "person_id", None)):
        raise CheckinError(CheckinError.NOT_MEMBER)


def will_be_late(session: StudySession, now: datetime.datetime) -> bool:
    return now > session.starts_at + late_after()


def check_in(
    *, token: str, session: StudySession, user, now: datetime.datetime | None = None, grant: str | None = None
) -> Attendance:
    """Check the user's person in to the session, or raise CheckinError and change nothing."""
    now = now or timezone.now()
    check_allowed(token=token, session=session, user=user, now=now, grant=grant)
    return _record(session=session, person_id=user.person_id, user=user, now=now)


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
        row.status = Attendance.Status.LATE if will_be_late(session, now) else Attendance.Status.PRESENT
        row.reason = ""
        row.method = Attendance.Method.QR
    row.checked_in_at = now
    row._history_user = user
    row.save()
    return row
