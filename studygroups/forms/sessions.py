"""Forms of study sessions and speeches: validate and convert only; the services write."""

import datetime
import uuid

from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.attachments import AttachmentField
from core.models import Membership
from studygroups.forms.org import ScopedModelForm
from studygroups.models import Speech, StudySession
from studygroups.services.attendance import is_member_on_day
from studygroups.services.sessions import group_people, roster_on, speaker_choices, topic_choices

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What the file picker offers (a phone offers its camera for images); the content decides in the end.
ACCEPT = "image/*,application/pdf,.pdf,.doc,.docx,.xls,.xlsx"


def _datetime_local():
    # Secretaries enter sessions on their phones: the browser's own date and time picker.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class SessionFilesField(AttachmentField):
    """Several files at once (a phone's photos), each checked by core.attachments; cleaned: a list."""

    MAX_FILES = 20

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("label", _("Add files: sign-in sheet, photos, slides, materials"))
        kwargs.setdefault("help_text", _("Photos, PDF, Word or Excel files; several at once."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if self.required and not uploads:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(uploads) > self.MAX_FILES:
            raise ValidationError(
                _("At most %(count)d files at a time."), params={"count": self.MAX_FILES}, code="too_many"
            )
        return [super(SessionFilesField, self).clean(upload, initial) for upload in uploads]


class TopicPicker(forms.widgets.ChoiceWidget):
    """Checkboxes grouped by plan (collapsible) with a search box (static/js/topic-picker.js).

    Not a CheckboxSelectMultiple, so crispy-forms leaves the layout to this widget's template."""

    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "studygroups/widgets/topic_picker.html"
    option_template_name = "django/forms/widgets/checkbox_option.html"

    def use_required_attribute(self, initial):
        return False

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_, index=None):
        return f"{id_}-search" if index is None and id_ else super().id_for_label(id_, index)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in context["widget"]["value"]}
        groups = context["widget"]["optgroups"]
        # Groups holding a chosen topic start open; with a single plan, it is open too.
        context["widget"]["open_groups"] = {
            group
            for group, options, _index in groups
            if any(o["value"] is not None and str(o["value"]) in chosen for o in options)
        }
        context["widget"]["open_all"] = len(groups) == 1
        context["widget"]["selected_count"] = len(chosen - {""})
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/), not the form renderer's built-in one.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.plan.title} · {obj.title}"


class SessionForm(ScopedModelForm):
    """Planning a session (create). The update and record forms below extend it."""

    class Meta:
        model = StudySession
        fields = ["title", "kind", "starts_at", "ends_at", "place", "host", "topics", "materials", "notice_days"]
        widgets = {
            "starts_at": _datetime_local(),
            "ends_at": _datetime_local(),
            "materials": forms.Textarea(attrs={"rows": 3}),
            "topics": TopicPicker,
        }
        field_classes = {"topics": TopicChoiceField}

    # Generated when the empty form is shown; a second POST with the same id stores nothing new.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    files = SessionFilesField()

    def __init__(self, *args, study_group, **kwargs):
        super().__init__(*args, **kwargs)
        self.study_group = study_group
        self.instance.study_group = study_group
        if "submission_id" in self.fields and not self.is_bound:
            self.initial.setdefault("submission_id", uuid.uuid4())
        if "host" in self.fields:
            # Anyone who sat in the group passes the field, so clean() can say why an off-roster host is refused;
            # the list offers only the roster of the session's day.
            self.fields["host"].queryset = group_people(user=self.user, study_group=study_group)
            roster = roster_on(user=self.user, study_group=study_group, day=self._session_day())
            self.fields["host"].widget.choices = [("", "---------"), *((p.pk, p.name) for p in roster)]
            self.fields["host"].help_text = _("Members of the group on the day of the session.")
        if "topics" in self.fields:
            self.fields["topics"].queryset = topic_choices(
                user=self.user, study_group=study_group, year=self._session_year()
            )
            self.fields["topics"].help_text = _("Topics of this year's plans of the group and of the county.")
            # Grouped by plan: the plan's name once as a heading, not before every topic.
            by_plan: dict = {}
            for topic in self.fields["topics"].queryset:
                by_plan.setdefault(topic.plan, []).append((topic.pk, topic.title))
            self.fields["topics"].widget.choices = [(plan.title, items) for plan, items in by_plan.items()]

    def _session_day(self) -> datetime.date:
        """The session's day as the form knows it: the submitted start, else the stored one, else today."""
        if self.is_bound:
            raw = self.data.get(self.add_prefix("starts_at")) or ""
            parsed = parse_datetime(raw.strip()) if isinstance(raw, str) else None
            if parsed:
                return parsed.date()
        if self.instance.pk and self.instance.starts_at:
            return timezone.localtime(self.instance.starts_at).date()
        return timezone.localdate()

    def _session_year(self) -> int:
        """The year whose plans the topics come from."""
        return self._session_day().year

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", ValidationError(_("The session must end after it starts."), code="ends_before"))
        host = cleaned.get("host")
        if host and starts_at:
            day = timezone.localdate(starts_at)
            on_day = Membership.objects.filter(study_group=self.study_group, person=host).active_on(day)
            if not on_day.exists():
                self.add_error(
                    "host",
                    ValidationError(
                        _("%(person)s is not a member of the group on %(day)s."),
                        params={"person": host.name, "day": f"{day:%Y-%m-%d}"},
                        code="not_member_on_day",
                    ),
                )
        return cleaned

    def session_data(self) -> dict:
        """The cleaned model fields the services write (topics apart)."""
        return {
            name: value for name, value in self.cleaned_data.items() if name in self._meta.fields and name != "topics"
        }


class SessionUpdateForm(SessionForm):
    """Everything about a session, with the version it was loaded at (a stale save is a conflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submission_id = None

    class Meta(SessionForm.Meta):
        fields = [*SessionForm.Meta.fields, "record", "work_problems", "outcomes"]
        widgets = SessionForm.Meta.widgets | {
            "record": forms.Textarea(attrs={"rows": 8}),
            "work_problems": forms.Textarea(attrs={"rows": 3}),
            "outcomes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class SessionRecordForm(SessionUpdateForm):
    """Only the written record and the work problems it addressed with what came of them (学以致用)."""

    submit_label = _("Save the record")

    class Meta(SessionUpdateForm.Meta):
        fields = ["record", "work_problems", "outcomes"]


class SpeechForm(ScopedModelForm):
    class Meta:
        model = Speech
        fields = ["person", "topic", "gist", "is_lead"]
        widgets = {"gist": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, session, proposed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.instance.session = session
        add_another = Submit("add_another", _("Save and add another"))
        # Not css_class: crispy adds it to btn-primary, and grey text on blue cannot be read (1.04:1).
        add_another.field_classes = "btn btn-outline-secondary"
        self.helper.add_input(add_another)
        self.fields["person"].queryset = group_people(user=self.user, study_group=session.study_group)
        roster = speaker_choices(user=self.user, session=session)
        self.fields["person"].widget.choices = [("", "---------"), *((p.pk, p.name) for p in roster)]
        self.fields["person"].help_text = _("Members of the group on the day of the session.")
        if proposed and not self.is_bound:
            self.initial.setdefault("person", proposed[0].pk)

    def clean_person(self):
        person = self.cleaned_data["person"]
        if person and not is_member_on_day(session=self.session, person_id=person.pk):
            raise ValidationError(
                _("%(person)s is not a member of the group on %(day)s."),
                params={"person": person.name, "day": f"{self.session.day:%Y-%m-%d}"},
                code="not_member_on_day",
            )
        return person


class SessionFilesForm(forms.Form):
    """The session page's own upload box."""

    files = SessionFilesField(required=True)


class GroupPickForm(forms.Form):
    """Staff start a new session by choosing the group."""

    group = forms.ModelChoiceField(queryset=None, label=_("Study group"))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
