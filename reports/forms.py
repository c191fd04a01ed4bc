"""Asking for a report, writing a summary's narrative, checking a downloaded pack.

Every choice of organization, group or person comes from a scoping queryset, so posting another county's
id is an invalid choice. What a role may ask for at all is asked of core.policy.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.autocomplete import AutocompleteSelect
from core.models import OrgUnit, Person, StudyGroup
from reports.models import Bulletin, ReportFormat, ReportKind, SummaryNarrative

HALVES = [(1, _("First half-year")), (2, _("Second half-year"))]

# What a role must be allowed (core.policy) to ask for each kind; county-wide summaries need SUPERVISE.
KIND_ACTIONS = {
    ReportKind.HALF_YEAR: policy.Action.BROWSE,
    ReportKind.YEAR_END: policy.Action.SUPERVISE,
    ReportKind.ARCHIVE: policy.Action.VIEW,
}


def kind_choices(user) -> list[tuple[str, str]]:
    return [(k.value, k.label) for k, action in KIND_ACTIONS.items() if policy.can(user, action)]


def top_units(user):
    """Counties and regions the user may report on (the whole tree for superusers)."""
    return OrgUnit.objects.visible_to(user).filter(kind__in=[OrgUnit.Kind.REGION, OrgUnit.Kind.COUNTY])


class ReportJobForm(forms.Form):
    kind = forms.ChoiceField(label=_("report"))
    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    half = forms.TypedChoiceField(label=_("half-year"), choices=HALVES, coerce=int, required=False, empty_value=None)
    org = forms.ModelChoiceField(
        label=_("county or region"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("For a county-wide summary or a year-end pack."),
    )
    study_group = forms.ModelChoiceField(
        label=_("study group"),
        queryset=StudyGroup.objects.none(),
        required=False,
        help_text=_("For one group's summary or archive."),
        # A prefecture has thousands of groups and people: the page carries the chosen one only.
        widget=AutocompleteSelect("groups"),
    )
    person = forms.ModelChoiceField(
        label=_("member"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("For a member's study archive."),
        widget=AutocompleteSelect("people"),
    )
    format = forms.ChoiceField(
        label=_("format"),
        choices=[("", _("Default (PDF for a summary, ZIP otherwise)"))] + [(f.value, f.label) for f in ReportFormat],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = kind_choices(user)
        year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(year, year - 6, -1)]
        self.fields["org"].queryset = top_units(user)
        self.fields["study_group"].queryset = StudyGroup.objects.visible_to(user).select_related("unit")
        self.fields["person"].queryset = Person.objects.visible_to(user).select_related("unit").order_by("name")
        # As the search box lists them (core.autocomplete): namesakes told apart by their unit.
        self.fields["person"].label_from_instance = lambda person: f"{person.name} · {person.unit.name}"
        self.helper = FormHelper()
        self.helper.form_id = "report-job-form"
        self.helper.add_input(Submit("submit", _("Ask for the report")))

    def clean(self):
        data = super().clean()
        kind, org, group, person = data.get("kind"), data.get("org"), data.get("study_group"), data.get("person")
        if not kind:
            return data
        if kind == ReportKind.HALF_YEAR:
            if not data.get("half"):
                self.add_error("half", _("Choose the half-year."))
            if not group and not org:
                raise ValidationError(_("Choose a study group, or a county for a county-wide summary."))
            if not group and not policy.can(self.user, policy.Action.SUPERVISE):
                raise ValidationError(_("Your role may ask for one group's summary only."))
            if data.get("format") == ReportFormat.ZIP:
                self.add_error("format", _("A summary is a PDF with an XLSX annex: choose PDF or XLSX."))
        elif kind == ReportKind.YEAR_END:
            if not org:
                self.add_error("org", _("Choose the county or region of the pack."))
            data["study_group"] = data["person"] = None
            data["half"] = None
        elif kind == ReportKind.ARCHIVE:
            if bool(group) == bool(person):
                raise ValidationError(_("Choose either a member or a study group for the archive."))
            own_only = not policy.can(self.user, policy.Action.OTHERS_RECORDS)
            if own_only and (group or person.pk != self.user.person_id):
                raise ValidationError(_("Your role may ask for your own archive only."))
            data["half"] = None
        if group:
            data["org"] = group.unit
        elif person:
            data["org"] = person.unit
        return data


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = SummaryNarrative
        fields = ["opening", "practices", "research", "problems", "causes", "plan"]
        widgets = {name: forms.Textarea(attrs={"rows": 6}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "narrative-form"
        self.helper.add_input(Submit("submit", _("Save")))


class PackCheckForm(forms.Form):
    file = forms.FileField(
        label=_("downloaded pack"), help_text=_("The ZIP file as you downloaded it; it is not kept.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "pack-check-form"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", _("Check")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.REPORT_CHECK_MAX_BYTES:
            raise ValidationError(_("The file is larger than any pack this site makes."))
        return upload


class BulletinForm(forms.ModelForm):
    DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    class Meta:
        model = Bulletin
        fields = ["org", "year", "title", "period_start", "period_end", "body", "praised", "criticised"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "body": forms.Textarea(attrs={"rows": 8}),
            "praised": forms.Textarea(attrs={"rows": 4}),
            "criticised": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = top_units(user).filter(kind=OrgUnit.Kind.COUNTY)
        if self.instance.pk:
            del self.fields["org"]
        self.helper = FormHelper()
        self.helper.form_id = "bulletin-form"
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise ValidationError(_("The period ends before it starts."))
        return data
