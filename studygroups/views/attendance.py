"""Attendance on one screen, QR check-in, make-up study (补学) and reflections (心得体会)."""

import datetime

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core import policy
from core.access import ensure_can, ensure_can_write
from core.models import Attachment
from core.pages import ListPage
from studygroups.filters import MakeupFilter, ReflectionFilter
from studygroups.forms.attendance import (
    MakeupForm,
    ReflectionForm,
    attendance_formset,
    fill_unmarked_present,
    status_counts,
)
from studygroups.models import Attendance, Reflection, StudySession, entered_late
from studygroups.selectors.dashboard import makeups_owed
from studygroups.services.attendance import (
    AttendanceError,
    AttendanceRow,
    attendance_roster,
    attendance_save,
    makeup_record,
    reflection_check,
    reflection_submit,
)
from studygroups.services.checkin import (
    STEP_SECONDS,
    VALID_STEPS,
    CheckinError,
    check_allowed,
    check_in,
    code_step,
    late_after,
    make_checkin_token,
    make_grant,
    opens_before,
    read_checkin_token,
    seconds_to_next_code,
    will_be_late,
)
from studygroups.tables import MakeupTable, ReflectionTable


def _error_list(exc: ValidationError) -> list[dict]:
    """Errors as (code, message) for templates, which mark each with data-error-code."""
    out = []
    for error in exc.error_list:
        message = error.message % error.params if error.params else error.message
        out.append({"code": error.code, "message": message})
    return out


def _session_for_writing(user, pk: int) -> StudySession:
    """A session whose attendance the user keeps: read-only roles 403, other units' sessions 404."""
    ensure_can_write(user, Attendance)
    sessions = StudySession.objects.editable_by(user).select_related("study_group")
    return get_object_or_404(sessions, pk=pk)


# ---------------------------------------------------------------------------------------------
# Attendance on one screen


@login_required
@require_http_methods(["GET", "POST"])
def attendance_edit(request, pk: int):
    """Everyone active on the session's day; the secretary marks each (or "all present") and saves once."""
    session = _session_for_writing(request.user, pk)
    now = timezone.now()
    future = session.starts_at > now
    roster = attendance_roster(session)
    data = None
    if request.method == "POST":
        data = request.POST
        if "all_present" in data and not future:
            data = fill_unmarked_present(data)
    formset = attendance_formset(roster=roster, future=future, data=data)
    errors: list[dict] = []
    if request.method == "POST":
        if formset.is_valid():
            rows = [
                AttendanceRow(
                    person_id=f.cleaned_data["person"],
                    status=f.cleaned_data["status"] or "",
                    reason=f.cleaned_data["reason"],
                )
                for f in formset.forms
                if f.cleaned_data
            ]
            try:
                result = attendance_save(session=session, rows=rows, user=request.user, now=now)
            except AttendanceError as exc:
                errors = _error_list(exc)
            else:
                messages.success(request, _saved_message(result))
                return redirect("studygroups:attendance_edit", pk=session.pk)
        else:
            errors = _formset_errors(formset)
    counts = status_counts(formset)
    context = {
        "session": session,
        "formset": formset,
        "errors": errors,
        "future": future,
        "ended": now > session.ends_at,
        "late_now": entered_late(now, session.starts_at),
        "late_entry_days": settings.LATE_ENTRY_DAYS,
        "counts": [(status, label, counts[status]) for status, label in Attendance.Status.choices],
        "unmarked": counts[""],
    }
    return render(request, "studygroups/attendance_edit.html", context)


def _saved_message(result):
    """Counts only the people whose record really changed (new, different or removed), never the others."""
    changed = len(result.created) + len(result.changed) + result.deleted
    if not changed:
        return _("Nothing changed: the attendance was already saved like this.")
    message = ngettext(
        "Attendance saved: %(count)d person's record changed.",
        "Attendance saved: %(count)d people's records changed.",
        changed,
    )
    return message % {"count": changed}


def _formset_errors(formset) -> list[dict]:
    out = []
    for error in formset.non_form_errors().as_data():
        out.extend(_error_list(error))
    for form in formset.forms:
        for field_errors in form.errors.as_data().values():
            for error in field_errors:
                out.extend(_error_list(error))
    return out


# ---------------------------------------------------------------------------------------------
# QR check-in


def _checkin_code(request, session: StudySession, now) -> dict:
    """The code the room shows now: the check-in address, its QR image and when the next one comes."""
    token = make_checkin_token(session, now)
    return {
        "url": request.build_absolute_uri(reverse("studygroups:checkin", args=[session.pk, token])),
        "svg_url": f"{reverse('studygroups:session_qr_svg', args=[session.pk])}?t={code_step(now)}",
        "refresh_in": round(seconds_to_next_code(now), 1),
    }


@login_required
@require_GET
def session_qr(request, pk: int):
    """For the secretary: the check-in code to show at the session, and who has checked in."""
    session = _session_for_writing(request.user, pk)
    now = timezone.now()
    checked_in = (
        Attendance.objects.visible_to(request.user)
        .filter(session=session, checked_in_at__isnull=False)
        .select_related("person")
        .order_by("checked_in_at")
    )
    context = {
        "session": session,
        "code": _checkin_code(request, session, now),
        "step_seconds": STEP_SECONDS,
        "ended": now > session.ends_at,
        "opens_at": session.starts_at - opens_before(),
        "late_at": session.starts_at + late_after(),
        "checked_in": checked_in,
    }
    return render(request, "studygroups/checkin_qr.html", context)


@never_cache
@login_required
@require_GET
def session_qr_json(request, pk: int):
    """The current code, fetched by static/js/checkin-qr.js every 30 seconds."""
    session = _session_for_writing(request.user, pk)
    now = timezone.now()
    return JsonResponse(_checkin_code(request, session, now) | {"ended": now > session.ends_at})


@login_required
@require_GET
def session_qr_svg(request, pk: int):
    """The QR code itself, as SVG made here (no outside service), shown by <img> on the QR page.

    ``?t=`` names the step of the address shown beside it, so image and text agree; an old or
    unknown step gets the current code."""
    session = _session_for_writing(request.user, pk)
    now = timezone.now()
    when = now
    step = request.GET.get("t", "")
    if step.isdigit() and 0 <= code_step(now) - int(step) < VALID_STEPS:
        when = datetime.datetime.fromtimestamp(int(step) * STEP_SECONDS, tz=datetime.UTC)
    url = request.build_absolute_uri(
        reverse("studygroups:checkin", args=[session.pk, make_checkin_token(session, when)])
    )
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, pk: int, token: str):
    """Opened from the QR code on a phone: GET shows the session and a button; the button's POST checks in."""
    user = request.user
    session = StudySession.objects.visible_to(user).select_related("study_group").filter(pk=pk).first()
    now = timezone.now()
    try:
        if session is None:
            read_checkin_token(token)  # a forged code is reported as such to anyone
            raise CheckinError(CheckinError.NOT_MEMBER)
        if request.method == "GET":
            check_allowed(token=token, session=session, user=user, now=now)
        else:
            attendance = check_in(token=token, session=session, user=user, now=now, grant=request.POST.get("grant"))
    except CheckinError as exc:
        return render(request, "studygroups/checkin_failed.html", {"error": exc}, status=exc.status)
    if request.method == "GET":
        existing = Attendance.objects.filter(session=session, person_id=user.person_id).first()
        context = {
            "session": session,
            "grant": make_grant(session=session, user=user),
            "late": will_be_late(session, now),
            "late_at": session.starts_at + late_after(),
            "existing": existing if existing and existing.checked_in_at else None,
        }
        return render(request, "studygroups/checkin_confirm.html", context)
    context = {"session": session, "attendance": attendance, "repeated": attendance.checked_in_at != now}
    return render(request, "studygroups/checkin_done.html", context)


# ---------------------------------------------------------------------------------------------
# Make-up study


def _own_only(user) -> bool:
    """A member reaches only their own make-ups, not their colleagues'."""
    return not policy.can(user, policy.Action.OTHERS_RECORDS)


class MakeupList(ListPage):
    """Open make-ups: a member's own, a secretary's group's, the county's for staff (by group)."""

    model = Attendance
    select_related = ("session", "session__study_group", "person")
    filterset_class = MakeupFilter
    table_class = MakeupTable
    title = _("Make-up study owed")

    def get_queryset(self):
        # Owed once the session is held, by those seated that day: what the dashboards count.
        queryset = makeups_owed(super().get_queryset(), now=timezone.now())
        user = self.request.user
        if _own_only(user):
            queryset = queryset.filter(person_id=user.person_id)
        return queryset.order_by("session__starts_at", "person__name", "pk")

    def get_table_kwargs(self):
        user = self.request.user
        can_record = policy.can(user, policy.Action.KEEP_RECORDS)
        return {} if can_record else {"exclude": ("action",)}


def _makeup_rows(user):
    """Rows whose make-up the user may record: members their own; the group's secretary and staff theirs."""
    if _own_only(user):
        ensure_can(user, policy.Action.KEEP_RECORDS)
        return Attendance.objects.visible_to(user).filter(person_id=user.person_id)
    ensure_can_write(user, Attendance)
    return Attendance.objects.editable_by(user)


@login_required
@require_http_methods(["GET", "POST"])
def makeup_record_view(request, pk: int):
    rows = _makeup_rows(request.user).select_related("session", "session__study_group", "person")
    attendance = get_object_or_404(rows, pk=pk, status=Attendance.Status.LEAVE)
    initial = {}
    if attendance.makeup_done_on:
        initial = {"done_on": attendance.makeup_done_on, "notes": attendance.makeup_notes}
    form = MakeupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            makeup_record(
                attendance=attendance,
                done_on=form.cleaned_data["done_on"],
                notes=form.cleaned_data["notes"],
                user=request.user,
            )
        except AttendanceError as exc:
            form.add_error("done_on" if exc.code in ("before_session", "in_future") else None, exc)
        else:
            messages.success(request, _("The make-up study is recorded."))
            return redirect("studygroups:makeup_list")
    return render(request, "studygroups/makeup_record.html", {"attendance": attendance, "form": form})


# ---------------------------------------------------------------------------------------------
# Reflections


@login_required
@require_http_methods(["GET", "POST"])
def reflection_submit_view(request, pk: int):
    """A member writes (or edits) their reflection on a session they attended, with an optional file."""
    user = request.user
    ensure_can_write(user, Reflection)
    session = get_object_or_404(StudySession.objects.visible_to(user).select_related("study_group"), pk=pk)
    try:
        reflection_check(session=session, person_id=user.person_id)
    except AttendanceError as exc:
        context = {"session": session, "errors": _error_list(exc)}
        return render(request, "studygroups/reflection_refused.html", context, status=403)
    reflection = (
        Reflection.objects.editable_by(user)
        .select_related("session", "created_by")
        .filter(session=session, person_id=user.person_id)
        .first()
    )
    form = ReflectionForm(request.POST or None, request.FILES or None, instance=reflection)
    if request.method == "POST" and form.is_valid():
        try:
            reflection_submit(
                session=session,
                person=user.person,
                text=form.cleaned_data["text"],
                upload=form.cleaned_data.get("attachment"),
                user=user,
            )
        except AttendanceError as exc:
            form.add_error(None, exc)
        except ValidationError as exc:  # the upload, inspected again when stored
            form.add_error("attachment", exc)
        else:
            messages.success(request, _("Your reflection is saved."))
            return redirect("studygroups:reflection_submit", pk=session.pk)
    attachments = []
    if reflection is not None:
        attachments = Attachment.objects.visible_to(user).of(reflection).order_by("created_at")
    context = {"session": session, "form": form, "reflection": reflection, "attachments": attachments}
    return render(request, "studygroups/reflection_submit.html", context)


class ReflectionList(ListPage):
    model = Reflection
    select_related = ("session", "session__study_group", "person", "created_by")
    filterset_class = ReflectionFilter
    table_class = ReflectionTable
    title = _("Reflections")

    def get_queryset(self):
        # Aggregation drops Meta.ordering, so order explicitly for stable pages.
        return super().get_queryset().with_count("attachment_count", "attachments").order_by("-created_at", "-pk")


urlpatterns = [
    path("sessions/<int:pk>/attendance/", attendance_edit, name="attendance_edit"),
    path("sessions/<int:pk>/qr/", session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr.svg", session_qr_svg, name="session_qr_svg"),
    path("sessions/<int:pk>/qr.json", session_qr_json, name="session_qr_json"),
    path("sessions/<int:pk>/reflection/", reflection_submit_view, name="reflection_submit"),
    path("checkin/<int:pk>/<str:token>/", checkin, name="checkin"),
    path("makeups/", MakeupList.as_view(), name="makeup_list"),
    path("attendance/<int:pk>/makeup/", makeup_record_view, name="makeup_record"),
    path("reflections/", ReflectionList.as_view(), name="reflection_list"),
]
