"""Study sessions (集中学习), their speeches, the speaker rotation, and each account's notifications."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView

from core import policy
from core.access import ScopedReadMixin, ensure_can_write
from core.concurrency import ConflictMixin, StaleVersion
from core.models import Attachment, StudyGroup
from core.pages import ListPage
from studygroups.filters import SessionFilter
from studygroups.forms.sessions import (
    GroupPickForm,
    SessionFilesForm,
    SessionForm,
    SessionRecordForm,
    SessionUpdateForm,
    SpeechForm,
)
from studygroups.models import PlanTopic, Speech, StudySession
from studygroups.selectors.sessions import attendance_summary, session_reflections
from studygroups.selectors.stats import with_record_flags
from studygroups.services.sessions import (
    propose_speakers,
    session_attachment_remove,
    session_attachments_add,
    session_by_submission,
    session_create,
    session_update,
    speech_create,
)
from studygroups.tables import SessionTable

PROPOSED_SPEAKERS = 3


def _can_edit_sessions(user) -> bool:
    """Staff and secretaries edit the sessions they see (the scoping decides which)."""
    return policy.can(user, policy.Action.CHANGE, StudySession)


class SessionList(ListPage):
    model = StudySession
    filterset_class = SessionFilter
    table_class = SessionTable
    template_name = "studygroups/session_list.html"
    title = _("Study sessions")

    def get_queryset(self):
        sessions = (
            super()
            .get_queryset()
            .select_related("study_group", "host")
            # Long texts are not shown in the list; the flags say what matters about them.
            .defer("record", "materials", "work_problems", "outcomes")
            .with_count("speech_count", "speeches")
            .order_by("-starts_at", "-pk")
        )
        return with_record_flags(sessions)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["late_entry_days"] = settings.LATE_ENTRY_DAYS
        context["new_session_url"] = ""
        if policy.scope_kind(user) == "group" and _can_edit_sessions(user):
            # A secretary's sessions are their own group's.
            context["new_session_url"] = reverse("studygroups:session_create", args=[user.study_group_id])
        elif _can_edit_sessions(user):
            context["new_session_url"] = reverse("studygroups:session_create_pick")
        return context


class SessionDetail(ScopedReadMixin, DetailView):
    model = StudySession
    select_related = ("study_group", "study_group__unit", "host", "created_by", "record_entered_by")
    template_name = "studygroups/session_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, session = self.request.user, self.object
        context["speeches"] = (
            Speech.objects.visible_to(user)
            .filter(session=session)
            .select_related("person", "created_by", "session")
            .order_by("-is_lead", "pk")
        )
        context["topics"] = PlanTopic.objects.visible_to(user).filter(sessions=session).select_related("plan")
        context["attachments"] = Attachment.objects.visible_to(user).of(session).order_by("pk")
        context["proposed"] = propose_speakers(user=user, session=session, count=PROPOSED_SPEAKERS)
        context["can_edit"] = _can_edit_sessions(user)
        context["can_reflect"] = user.person_id is not None and policy.can(user, policy.Action.REFLECT)
        context["summary"] = attendance_summary(user=user, session=session)
        # A member sees their own row only: the roster's gaps are not theirs to see.
        context["sees_everyone"] = policy.can(user, policy.Action.OTHERS_RECORDS)
        context["reflections"] = session_reflections(user=user, session=session)
        context["history_url"] = ""
        if policy.can(user, policy.Action.HISTORY, StudySession):
            context["history_url"] = reverse("record_history", args=["session", session.pk])
        context["files_form"] = SessionFilesForm()
        return context


class SessionCreatePick(LoginRequiredMixin, FormView):
    """Staff choose the group of a new session; secretaries go straight to their own group."""

    form_class = GroupPickForm
    template_name = "studygroups/session_pick.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can_write(request.user, StudySession)
            if policy.scope_kind(request.user) == "group":
                return redirect("studygroups:session_create", request.user.study_group_id)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        groups = StudyGroup.objects.visible_to(self.request.user).filter(is_active=True).select_related("unit")
        kwargs = super().get_form_kwargs() | {"groups": groups}
        if self.request.method == "GET" and "group" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound and form.is_valid():
            return redirect("studygroups:session_create", form.cleaned_data["group"].pk)
        return self.render_to_response(self.get_context_data(form=form))

    def form_valid(self, form):
        return redirect("studygroups:session_create", form.cleaned_data["group"].pk)


class SessionFormPage(LoginRequiredMixin, FormView):
    template_name = "studygroups/session_form.html"
    title = ""

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user, "study_group": self.study_group}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["study_group"] = self.study_group
        context["session"] = getattr(self, "object", None)
        return context


class SessionCreate(SessionFormPage):
    form_class = SessionForm
    title = _("New study session")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Another unit's group: 404; a role that may not write sessions: 403.
            self.study_group = get_object_or_404(StudyGroup.objects.visible_to(request.user), pk=kwargs["group_pk"])
            ensure_can_write(request.user, StudySession)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # The same form sent again (double click, resubmission after a slow answer): show what was stored.
        try:
            submission_id = forms.UUIDField(required=False).clean(request.POST.get("submission_id"))
        except ValidationError:
            submission_id = None
        existing = session_by_submission(user=request.user, submission_id=submission_id)
        if existing is not None:
            messages.info(request, _("This session was already saved."))
            return redirect(existing)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        session, created = session_create(
            user=self.request.user,
            study_group=self.study_group,
            data=form.session_data(),
            topics=form.cleaned_data.get("topics", ()),
            submission_id=form.cleaned_data.get("submission_id"),
        )
        if created:
            session_attachments_add(session=session, uploads=form.cleaned_data.get("files", ()), user=self.request.user)
            messages.success(self.request, _("Saved."))
        else:
            messages.info(self.request, _("This session was already saved."))
        return redirect(session)


class SessionUpdate(ConflictMixin, SessionFormPage):
    """Edit a session; a save based on a stale version is refused and the conflict shown (HTTP 409)."""

    form_class = SessionUpdateForm
    title = _("Edit study session")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            visible = StudySession.objects.visible_to(request.user)
            get_object_or_404(visible, pk=kwargs["pk"])
            ensure_can_write(request.user, StudySession)
            editable = StudySession.objects.editable_by(request.user).select_related("study_group", "host")
            self.object = get_object_or_404(editable, pk=kwargs["pk"])
            self.study_group = self.object.study_group
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"instance": self.object}

    def form_valid(self, form):
        topics = form.cleaned_data.get("topics") if "topics" in form.fields else None
        try:
            session_update(
                user=self.request.user,
                session_id=self.object.pk,
                version=form.cleaned_data["version"],
                data=form.session_data(),
                topics=topics,
            )
        except StaleVersion as conflict:
            return self.conflict(form, conflict.current)
        uploads = form.cleaned_data.get("files", ())
        session_attachments_add(session=self.object, uploads=uploads, user=self.request.user)
        messages.success(self.request, _("Saved."))
        return redirect(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The files already stored, each with its remove button, below the form.
        context["attachments"] = Attachment.objects.visible_to(self.request.user).of(self.object).order_by("pk")
        context["can_edit"] = True
        return context


class SessionRecord(SessionUpdate):
    """The written record and the work problems it addressed, on a page of its own for after the session."""

    form_class = SessionRecordForm
    title = _("Written record")


class SpeechCreate(LoginRequiredMixin, FormView):
    form_class = SpeechForm
    template_name = "studygroups/speech_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            visible = StudySession.objects.visible_to(request.user).select_related("study_group")
            self.session = get_object_or_404(visible, pk=kwargs["pk"])
            ensure_can_write(request.user, Speech)
            self.proposed = propose_speakers(user=request.user, session=self.session, count=PROPOSED_SPEAKERS)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {
            "user": self.request.user,
            "session": self.session,
            "proposed": self.proposed,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"session": self.session, "proposed": self.proposed}

    def form_valid(self, form):
        speech_create(user=self.request.user, session=self.session, **form.cleaned_data)
        messages.success(self.request, _("Saved."))
        if "add_another" in self.request.POST:
            return redirect("studygroups:speech_create", self.session.pk)
        return redirect(self.session)


def _session_for_files(user, pk: int) -> StudySession:
    """A session whose files the user may change: read-only roles 403, sessions out of reach 404."""
    get_object_or_404(StudySession.objects.visible_to(user), pk=pk)
    ensure_can_write(user, StudySession)
    return get_object_or_404(StudySession.objects.editable_by(user), pk=pk)


def _back(request, session: StudySession) -> str:
    """Back to the page the button was on (the session, its edit or record form), never elsewhere."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith(
        f"/sessions/{session.pk}/"
    ):
        return target
    return session.get_absolute_url()


@login_required
@require_POST
def session_files_add(request, pk: int):
    session = _session_for_files(request.user, pk)
    form = SessionFilesForm(request.POST, request.FILES)
    if form.is_valid():
        added = session_attachments_add(session=session, uploads=form.cleaned_data["files"], user=request.user)
        message = ngettext("%(count)d file added.", "%(count)d files added.", len(added))
        messages.success(request, message % {"count": len(added)})
    else:
        for error in form.errors.get("files", []):
            messages.error(request, error)
    return redirect(_back(request, session))


@login_required
@require_POST
def session_file_remove(request, pk: int, attachment_pk: int):
    session = _session_for_files(request.user, pk)
    attachment = get_object_or_404(Attachment.objects.editable_by(request.user).of(session), pk=attachment_pk)
    session_attachment_remove(session=session, attachment=attachment, user=request.user)
    messages.success(request, _("The file %(name)s is removed.") % {"name": attachment.original_name})
    return redirect(_back(request, session))


urlpatterns = [
    path("sessions/", SessionList.as_view(), name="session_list"),
    path("sessions/new/", SessionCreatePick.as_view(), name="session_create_pick"),
    path("groups/<int:group_pk>/sessions/new/", SessionCreate.as_view(), name="session_create"),
    path("sessions/<int:pk>/", SessionDetail.as_view(), name="session_detail"),
    path("sessions/<int:pk>/edit/", SessionUpdate.as_view(), name="session_update"),
    path("sessions/<int:pk>/record/", SessionRecord.as_view(), name="session_record"),
    path("sessions/<int:pk>/speeches/new/", SpeechCreate.as_view(), name="speech_create"),
    path("sessions/<int:pk>/files/", session_files_add, name="session_files_add"),
    path("sessions/<int:pk>/files/<int:attachment_pk>/remove/", session_file_remove, name="session_file_remove"),
]
