from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import AttachmentField
from studygroups.models import Attendance, Reflection
from studygroups.services.attendance import ATTENDED

NOT_YET = ("", _("Not known yet"))


class AttendanceRowForm(forms.Form):
    """One member's line on the attendance screen."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Attendance"), widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, roster: dict, future: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = roster
        self.future = future
        person_id = self.initial.get("person")
        self.entry = roster.get(person_id)
        current = self.entry.attendance.status if self.entry and self.entry.attendance else ""
        if future:
            # In advance only leave is known; a QR check-in made just before the start stands.
            shown = [NOT_YET, (Attendance.Status.LEAVE, Attendance.Status.LEAVE.label)]
            if current in ATTENDED:
                shown.append((current, Attendance.Status(current).label))
            # Any status passes the field, so a forged "present" meets clean()'s clear refusal.
            self.fields["status"].choices = [NOT_YET, *Attendance.Status.choices]
            self.fields["status"].required = False
            self.fields["status"].widget.choices = shown
        else:
            # Nothing is preselected for a row without a record: each status is a deliberate choice.
            self.fields["status"].choices = Attendance.Status.choices
            name = self.entry.person.name if self.entry else ""
            self.fields["status"].error_messages["required"] = _(
                "Choose present, late, on leave or absent for %(name)s."
            ) % {"name": name}
        self.current = current
        self.fields["reason"].widget.attrs.update(
            {"placeholder": _("Reason (required for leave)"), "class": "form-control form-control-sm"}
        )

    def clean_person(self):
        person_id = self.cleaned_data["person"]
        if person_id not in self.roster:
            raise forms.ValidationError(
                _("This person was not a member of the group on the session's day."), code="not_member"
            )
        return person_id

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status") or ""
        reason = (cleaned.get("reason") or "").strip()
        cleaned["reason"] = reason
        if self.future and status in ATTENDED and status != self.current:
            self.add_error(
                "status",
                forms.ValidationError(
                    _("The session has not started yet: nobody can be marked present or late."),
                    code="future_present",
                ),
            )
        if status == Attendance.Status.LEAVE and not reason:
            self.add_error("reason", forms.ValidationError(_("Leave needs a reason."), code="leave_needs_reason"))
        return cleaned


class BaseAttendanceFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            person_id = form.cleaned_data.get("person")
            if person_id in seen:
                raise forms.ValidationError(_("A person appears twice on the attendance list."), code="duplicate")
            seen.add(person_id)


AttendanceFormSet = forms.formset_factory(
    AttendanceRowForm, formset=BaseAttendanceFormSet, extra=0, max_num=1000, absolute_max=1000
)


def attendance_formset(*, roster, future: bool, data=None) -> BaseAttendanceFormSet:
    """The screen: one line per member active on the session's day, with their record if any.

    Rows without a record start empty, so a careless save cannot mark absent people present: after the
    start every row needs a status (the "all present" button fills the empty ones); before it, only
    leave known in advance can be entered.
    """
    by_person = {entry.person.pk: entry for entry in roster}
    initial = []
    for entry in roster:
        row = entry.attendance
        if row is not None:
            initial.append({"person": entry.person.pk, "status": row.status, "reason": row.reason})
        else:
            initial.append({"person": entry.person.pk, "status": ""})
    return AttendanceFormSet(data=data, initial=initial, form_kwargs={"roster": by_person, "future": future})


def fill_unmarked_present(data, *, prefix: str = "form"):
    """The "all present" button without JavaScript: rows sent without a status become present."""
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except ValueError:
        return data
    for i in range(min(total, AttendanceFormSet.absolute_max)):
        if not data.get(f"{prefix}-{i}-status"):
            data[f"{prefix}-{i}-status"] = Attendance.Status.PRESENT
    return data


def status_counts(formset) -> dict[str, int]:
    """How many rows of the screen show each status ("" = not marked yet), as sent or as stored."""
    counts = dict.fromkeys([*Attendance.Status.values, ""], 0)
    for form in formset.forms:
        if formset.is_bound:
            status = form.data.get(form.add_prefix("status"), "") or ""
        else:
            status = form.initial.get("status") or ""
        counts[status if status in counts else ""] += 1
    return counts


class MakeupForm(forms.Form):
    done_on = forms.DateField(label=_("Made up on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(
        label=_("What was studied"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For example: read the session's materials and wrote notes."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_id = "makeup-form"
        self.helper.add_input(Submit("submit", _("Record the make-up study")))


class ReflectionForm(forms.ModelForm):
    attachment = AttachmentField()

    class Meta:
        model = Reflection
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "reflection-form"
        self.helper.add_input(Submit("submit", _("Save the reflection")))
