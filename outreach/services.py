"""Writes of the outreach app: pairings, exchange visits (two sessions kept in step), party days, raised needs
followed to done, posts (sanitised) and studying them, feed links. Views parse, authorise, call and redirect."""

from __future__ import annotations

import datetime
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import policy
from core.attachments import attachment_create
from core.models import OrgUnit, Person, StudyGroup, User
from core.notifications import notify
from outreach.models import (
    ExchangeVisit,
    FeedToken,
    Need,
    Pairing,
    PairingSide,
    PartyDay,
    Post,
    PostStudy,
)
from studygroups.models import SelfStudy, StudySession
from studygroups.services.attendance import AttendanceRow, attendance_save
from studygroups.services.sessions import linked_session_delete, linked_session_update, session_create

# Notification kind of this app (label registered in OutreachConfig.ready()).
NEED_OVERDUE = "outreach.need_overdue"


def _save(obj, user: User | None) -> None:
    if obj._state.adding and user is not None and user.is_authenticated:
        obj.created_by = user
    obj._history_user = user
    obj.save()


# ---------------------------------------------------------------------------------------------------------------
# Pairing


PAIRABLE = {
    frozenset({OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.TOWNSHIP}),
    frozenset({OrgUnit.Kind.TOWNSHIP}),
}


def pairing_problems(pairing: Pairing) -> dict[str, ValidationError]:
    """What is wrong with a pair before the database sees it (the database holds the same rules)."""
    a, b = pairing.group_a, pairing.group_b
    if a.pk == b.pk:
        return {"group_b": ValidationError(_("A group cannot pair with itself."), code="self")}
    if frozenset({a.unit.kind, b.unit.kind}) not in PAIRABLE:
        return {"group_b": ValidationError(_("Pair a department with a township, or two townships."), code="kinds")}
    return {}


@transaction.atomic
def pairing_save(*, pairing: Pairing, user: User) -> Pairing:
    """Store a pair (in id order) and its two sides. A group already in an active pair that year is refused
    by the database unless staff allowed this pair beside it (``extra_allowed``)."""
    problems = pairing_problems(pairing)
    if problems:
        raise ValidationError(problems)
    if pairing.group_a_id > pairing.group_b_id:
        pairing.group_a, pairing.group_b = pairing.group_b, pairing.group_a
    counted = pairing.is_active and not pairing.extra_allowed
    try:
        with transaction.atomic():
            _save(pairing, user)
            existing = {side.study_group_id: side for side in pairing.sides.all()}
            for group_id in (pairing.group_a_id, pairing.group_b_id):
                side = existing.pop(group_id, None) or PairingSide(pairing=pairing, study_group_id=group_id)
                if side.pk is None or (side.year, side.counted) != (pairing.year, counted):
                    side.year, side.counted = pairing.year, counted
                    _save(side, user)
            for side in existing.values():
                side._history_user = user
                side.delete()
    except IntegrityError as error:
        if "pairingside_one_active_per_year" in str(error):
            message = _("One of these groups already has an active pair this year; staff may allow another.")
            code = "active_pair"
        else:
            message, code = _("These two groups are already paired this year."), "duplicate"
        raise ValidationError(message, code=code) from error
    return pairing


# ---------------------------------------------------------------------------------------------------------------
# Exchange visits


VISIT_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "place",
    "methods_seen",
    "atmosphere",
    "archives_read",
    "report_heard",
    "experience_shared",
    "takeaways",
)


def visit_record(visit: ExchangeVisit) -> str:
    """The written record both sessions carry: the checklist, as far as it is filled in."""
    parts = [
        (_("Seen: work methods, mechanisms and highlights"), visit.methods_seen),
        (_("Felt: the work atmosphere"), visit.atmosphere),
        (_("Read: the archives"), visit.archives_read),
        (_("Heard: the report"), visit.report_heard),
        (_("Shared: the experience"), visit.experience_shared),
        (_("Discussion and takeaways"), visit.takeaways),
    ]
    return "\n".join(f"{label}：{text.strip()}" for label, text in parts if text.strip())


def _session_data(visit: ExchangeVisit, *, host: bool) -> dict[str, Any]:
    other = visit.guest_group if host else visit.host_group
    title = _("Exchange visit with %(group)s: %(title)s") % {"group": other.unit.name, "title": visit.title}
    return {
        "title": title[:200],
        "kind": StudySession.Kind.EXCHANGE,
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "place": visit.place,
        "record": visit_record(visit),
    }


def _record_participants(*, user: User, session: StudySession, people) -> None:
    if people:
        attendance_save(
            session=session,
            rows=[AttendanceRow(person_id=p.pk, status="present") for p in people],
            user=user,
        )


def _check_visit(visit: ExchangeVisit) -> None:
    groups = {visit.pairing.group_a_id, visit.pairing.group_b_id}
    if visit.host_group_id not in groups:
        raise ValidationError({"host_group": _("The host must be one of the pair.")})
    if visit.ends_at <= visit.starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})


@transaction.atomic
def visit_create(*, visit: ExchangeVisit, user: User, host_people=(), guest_people=()) -> ExchangeVisit:
    """Store a visit and, in the same transaction, one session of kind "exchange visit" for each group
    (through the sessions' service, so notices, attendance and archives treat them as any session); who took
    part from each side is that side's attendance."""
    visit.guest_group = visit.pairing.other(visit.host_group_id)
    _check_visit(visit)
    host_session, _created = session_create(
        user=user, study_group=visit.host_group, data=_session_data(visit, host=True)
    )
    guest_session, _created = session_create(
        user=user, study_group=visit.guest_group, data=_session_data(visit, host=False)
    )
    visit.host_session, visit.guest_session = host_session, guest_session
    _save(visit, user)
    _record_participants(user=user, session=host_session, people=host_people)
    _record_participants(user=user, session=guest_session, people=guest_people)
    return visit


@transaction.atomic
def visit_update(*, visit: ExchangeVisit, user: User, host_people=None, guest_people=None) -> ExchangeVisit:
    """Save the visit and carry its time, place, subject and record to both sessions."""
    if visit.is_cancelled:
        raise ValidationError(_("A cancelled visit cannot be changed."), code="cancelled")
    visit.guest_group = visit.pairing.other(visit.host_group_id)
    _check_visit(visit)
    _save(visit, user)
    for session_id, host, people in (
        (visit.host_session_id, True, host_people),
        (visit.guest_session_id, False, guest_people),
    ):
        if session_id:
            session = linked_session_update(user=user, session_id=session_id, data=_session_data(visit, host=host))
            if people is not None:
                _record_participants(user=user, session=session, people=people)
    return visit


@transaction.atomic
def visit_cancel(*, visit: ExchangeVisit, user: User, reason: str) -> ExchangeVisit:
    """Cancel a visit: both sessions go (with their attendance), the visit stays with the reason."""
    if visit.is_cancelled:
        return visit
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Give a reason for cancelling.")})
    sessions = [pk for pk in (visit.host_session_id, visit.guest_session_id) if pk]
    if StudySession.objects.filter(pk__in=sessions, reflections__isnull=False).exists():
        raise ValidationError(_("Members have written reflections on this visit; it cannot be cancelled."))
    visit.cancelled_at = timezone.now()
    visit.cancel_reason = reason.strip()
    visit.host_session = visit.guest_session = None
    _save(visit, user)
    for pk in sessions:
        linked_session_delete(user=user, session_id=pk)
    return visit


# ---------------------------------------------------------------------------------------------------------------
# Party days and raised needs


def branches_for(user: User) -> QuerySet[OrgUnit]:
    """Branches whose records the user keeps: below the groups they may write for."""
    branches = OrgUnit.objects.filter(kind__in=OrgUnit.BRANCH_KINDS)
    kind = policy.scope_kind(user)
    if kind == "all":
        return branches
    if not policy.can(user, policy.Action.CHANGE, PartyDay):
        return branches.none()
    if kind == "group":
        return branches.filter(parent__study_group=user.study_group_id)
    if kind == "unit":
        return branches.filter(path__startswith=user.scope_unit.descendant_prefix)
    return branches.none()


@transaction.atomic
def partyday_save(*, party_day: PartyDay, user: User, upload: UploadedFile | None = None) -> PartyDay:
    _save(party_day, user)
    if upload:
        attachment_create(upload=upload, owner=party_day, user=user)
    return party_day


@transaction.atomic
def need_save(*, need: Need, user: User, upload: UploadedFile | None = None) -> Need:
    """Store a raised need as entered (its status moves only through the functions below)."""
    if need.party_day_id and need.party_day.branch_id != need.branch_id:
        raise ValidationError({"party_day": _("The party day is of another branch.")})
    _save(need, user)
    if upload:
        attachment_create(upload=upload, owner=need, user=user)
    return need


class NeedStateError(ValidationError):
    """A state change the need's status does not allow."""


def _move(need: Need, *, allowed, to: str) -> None:
    if need.status not in allowed:
        raise NeedStateError(
            _("A need that is %(status)s cannot become %(new)s.")
            % {"status": need.get_status_display(), "new": Need.Status(to).label},
            code="bad_state",
        )
    need.status = to


def _locked(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


@transaction.atomic
def need_start(*, need: Need, user: User, handled_by: str, on: datetime.date | None = None) -> Need:
    need = _locked(need)
    if not handled_by.strip():
        raise ValidationError({"handled_by": _("Say who handles it.")})
    _move(need, allowed=(Need.Status.OPEN,), to=Need.Status.IN_PROGRESS)
    need.handled_by = handled_by.strip()
    need.started_on = on or timezone.localdate()
    _save(need, user)
    return need


@transaction.atomic
def need_complete(
    *,
    need: Need,
    user: User,
    result: str,
    on: datetime.date | None = None,
    handled_by: str = "",
    evidence: UploadedFile | None = None,
) -> Need:
    """Done: what was done, when, by whom, and the evidence (a photo or document)."""
    need = _locked(need)
    if not result.strip():
        raise ValidationError({"result": _("Say what was done.")})
    _move(need, allowed=Need.PENDING, to=Need.Status.DONE)
    need.result = result.strip()
    need.done_on = on or timezone.localdate()
    if need.done_on < need.raised_on:
        raise ValidationError({"done_on": _("It cannot be done before it was raised.")})
    if handled_by.strip():
        need.handled_by = handled_by.strip()
    need.started_on = need.started_on or need.done_on
    _save(need, user)
    if evidence:
        attachment_create(upload=evidence, owner=need, user=user)
    return need


@transaction.atomic
def need_close(*, need: Need, user: User, reason: str) -> Need:
    """Closed without being done (not for us to do, withdrawn, merged): the reason is kept."""
    need = _locked(need)
    if not reason.strip():
        raise ValidationError({"close_reason": _("Give a reason for closing.")})
    _move(need, allowed=Need.PENDING, to=Need.Status.CLOSED)
    need.close_reason = reason.strip()[:200]
    _save(need, user)
    return need


@transaction.atomic
def need_reopen(*, need: Need, user: User) -> Need:
    """A closed need taken up again."""
    need = _locked(need)
    _move(need, allowed=(Need.Status.CLOSED,), to=Need.Status.OPEN if not need.started_on else Need.Status.IN_PROGRESS)
    need.close_reason = ""
    need.reminded_at = None
    _save(need, user)
    return need


def needs_overdue(*, today: datetime.date | None = None) -> QuerySet[Need]:
    today = today or timezone.localdate()
    return Need.objects.filter(status__in=Need.PENDING, due_on__lt=today)


def need_remind(*, need_id: int, today: datetime.date | None = None) -> bool:
    """Remind the secretaries of the branch's township or department of one overdue need, once."""
    today = today or timezone.localdate()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        need = (
            needs_overdue(today=today)
            .filter(pk=need_id, reminded_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if need is None:
            return False
        need = Need.objects.select_related("branch", "branch__parent").get(pk=need.pk)
        group = StudyGroup.objects.filter(unit_id=need.branch.parent_id).first()
        users = (
            list(User.objects.filter(role__in=policy.GROUP_ROLES, study_group=group, is_active=True).order_by("pk"))
            if group
            else []
        )
        subject = _("Overdue: %(what)s at %(branch)s") % {"what": need.description[:30], "branch": need.branch.name}
        body = _("Raised on %(raised)s at %(place)s, to be done by %(due)s; it is still %(status)s.") % {
            "raised": f"{need.raised_on:%Y-%m-%d}",
            "place": need.place,
            "due": f"{need.due_on:%Y-%m-%d}",
            "status": need.get_status_display(),
        }
        notify(users=users, kind=NEED_OVERDUE, subject=subject, message=body, target=need, dedup_key=f"need:{need.pk}")
        need.reminded_at = timezone.now()
        need._history_user = None
        need.save(update_fields=["reminded_at", "updated_at"])
    return True


def remind_overdue_needs(*, today: datetime.date | None = None) -> int:
    ids = list(needs_overdue(today=today).filter(reminded_at__isnull=True).values_list("pk", flat=True))
    return sum(need_remind(need_id=pk, today=today) for pk in ids)


# ---------------------------------------------------------------------------------------------------------------
# The online learning column


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "th": {"scope"}}


def clean_html(text: str) -> str:
    """Rich text as staff wrote it, with scripts, event handlers, styles and javascript: links removed."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


@transaction.atomic
def post_save(*, post: Post, user: User, readings=None, topics=None) -> Post:
    post.body = clean_html(post.body)
    _save(post, user)
    if readings is not None:
        post.readings.set(readings)
    if topics is not None:
        post.topics.set(topics)
    return post


# An hour: the least a self-study entry counts for (a post read with its reading and notes).
SELF_STUDY_HOURS = 1


def post_mark_studied(*, post: Post, person: Person, user: User) -> tuple[PostStudy, bool]:
    """The person studied the post: one PostStudy and one self-study entry, exactly once, also when two
    requests arrive together (the unique constraint decides; the loser's self-study rolls back with it).

    Returns (study, created)."""
    existing = PostStudy.objects.filter(post=post, person=person).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            now = timezone.now()
            self_study = SelfStudy(
                person=person,
                date=timezone.localdate(now),
                material=(_("Online learning: %(title)s") % {"title": post.title})[:200],
                hours=SELF_STUDY_HOURS,
                notes=post.column.name,
            )
            _save(self_study, user)
            study = PostStudy(post=post, person=person, studied_at=now, self_study=self_study)
            _save(study, user)
    except IntegrityError:
        existing = PostStudy.objects.filter(post=post, person=person).first()
        if existing is None:
            raise
        return existing, False
    return study, True


def feed_token_for(user: User) -> FeedToken:
    """The user's feed secret, made on first use."""
    token = FeedToken.objects.filter(user=user).first()
    if token is None:
        token = FeedToken(user=user)
        _save(token, user)
    return token


@transaction.atomic
def feed_token_renew(*, user: User) -> FeedToken:
    """A new secret: links with the old one stop working at once."""
    if not user.is_authenticated:
        raise PermissionDenied
    token = FeedToken.objects.select_for_update().filter(user=user).first() or FeedToken(user=user)
    token.token = FeedToken._meta.get_field("token").get_default()
    _save(token, user)
    return token
