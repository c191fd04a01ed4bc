"""Forms of study sessions and speeches: validate and convert only; the services write."""

import uuid

from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.models import Membership
from studygroups.forms.org import ScopedModelForm
from studygroups.models import Speech, StudySession
from studygroups.services.sessions import group_people, speaker_choices, topic_choices

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_local():
    # Secretaries enter sessions on their phones: the browser's own date and time picker.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


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
            "topics": forms.CheckboxSelectMultiple,
        }
        field_classes = {"topics": TopicChoiceField}

    # Generated when the empty form is shown; a second POST with the same id stores nothing new.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, study_group, **kwargs):
        super().__init__(*args, **kwargs)
        self.study_group = study_group
        self.instance.study_group = study_group
        if "submission_id" in self.fields and not self.is_bound:
            self.initial.setdefault("submission_id", uuid.uuid4())
        if "host" in self.fields:
            self.fields["host"].queryset = group_people(user=self.user, study_group=study_group)
        if "topics" in self.fields:
            self.fields["topics"].queryset = topic_choices(
                user=self.user, study_group=study_group, year=self._session_year()
            )
            self.fields["topics"].help_text = _("Topics of this year's plans of the group and of the county.")

    def _session_year(self) -> int:
        """The year whose plans the topics come from: the submitted start, else the stored one, else now."""
        if self.is_bound:
            raw = self.data.get(self.add_prefix("starts_at")) or ""
            parsed = parse_datetime(raw.strip()) if isinstance(raw, str) else None
            if parsed:
                return parsed.year
        if self.instance.pk and self.instance.starts_at:
            return timezone.localtime(self.instance.starts_at).year
        return timezone.localdate().year

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
        self.fields["person"].queryset = speaker_choices(user=self.user, session=session)
        self.fields["person"].help_text = _("Members of the group on the day of the session.")
        if proposed and not self.is_bound:
            self.initial.setdefault("person", proposed[0].pk)


class GroupPickForm(forms.Form):
    """Staff start a new session by choosing the group."""

    group = forms.ModelChoiceField(queryset=None, label=_("Study group"))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
