"""Forms only validate and convert; the services write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import AttachmentField
from core.models import OrgUnit, StudyGroup
from inspections.models import Finding, InspectionPlan, PlanTarget, VisitKind
from inspections.services.visits import inspector_choices, upcoming_sessions

DATE = forms.DateInput(attrs={"type": "date"})
RULES = (
    "key_visits",
    "routine_visits",
    "routine_share",
    "min_sessions",
    "min_attendance",
    "min_leader_attendance",
    "max_late_share",
    "materials_days",
    "summary_days",
)


def _helper(label=None) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label or _("Save")))
    return helper


class PlanForm(forms.ModelForm):
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none())

    class Meta:
        model = InspectionPlan
        fields = ("county", "year", *RULES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        counties = OrgUnit.objects.visible_to(user).filter(kind=OrgUnit.Kind.COUNTY)
        self.fields["county"].queryset = counties
        if len(counties) == 1:
            self.fields["county"].initial = counties[0].pk
        self.fields["year"].initial = timezone.localdate().year + 1
        self.helper = _helper()


class TargetForm(forms.ModelForm):
    class Meta:
        model = PlanTarget
        fields = ("kind", "planned_visits", "reasons")
        widgets = {"reasons": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class TargetAddForm(forms.Form):
    study_group = forms.ModelChoiceField(label=_("Study group"), queryset=StudyGroup.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    reasons = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        taken = plan.targets.values("study_group_id")
        self.fields["study_group"].queryset = StudyGroup.objects.under(plan.county).exclude(pk__in=taken)
        self.helper = _helper(_("Add target"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Withdraw"))


class FlagForm(forms.Form):
    study_group = forms.ModelChoiceField(label=_("Study group"), queryset=StudyGroup.objects.none())
    year = forms.IntegerField(label=_("For the plan of year"), min_value=2000, max_value=2999)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study_group"].queryset = StudyGroup.objects.visible_to(user)
        self.fields["year"].initial = timezone.localdate().year + 1
        self.helper = _helper()


class VisitForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session to sit in on"), queryset=None)
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = upcoming_sessions(target)
        self.fields["inspectors"].queryset = inspector_choices(target)
        self.helper = _helper(_("Assign"))


class ScoreForm(forms.Form):
    """One field per criterion of the visit's scorecard, 0 to its maximum; the total is never typed."""

    def __init__(self, *args, visit, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        current = {s.criterion_id: s.value for s in visit.scores.all()}
        self.criteria = criteria
        for c in criteria:
            self.fields[f"criterion_{c.pk}"] = forms.DecimalField(
                label=_("%(name)s (0–%(max)s, weight %(weight)s)")
                % {"name": c.name, "max": c.maximum, "weight": c.weight},
                min_value=0,
                max_value=c.maximum,
                decimal_places=1,
                initial=current.get(c.pk),
            )
        self.helper = _helper(_("Submit scores"))
        self.helper.form_id = "score-form"

    def values(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}") for c in self.criteria}


class SummaryForm(forms.Form):
    overall = forms.CharField(label=_("Overall assessment"), widget=forms.Textarea(attrs={"rows": 3}))
    highlights = forms.CharField(label=_("Highlights"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    problems = forms.CharField(label=_("Problems"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall"].help_text = _("At most %(limit)s characters in all.") % {
            "limit": settings.INSPECTION_SUMMARY_MAX_CHARS
        }
        self.helper = _helper(_("Submit summary"))
        self.helper.form_id = "summary-form"


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Finding.Category.choices)
    description = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 2}))
    advice = forms.CharField(label=_("Rectification advice"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Rectify by"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record problem"))
        self.helper.form_id = "finding-form"


class AnswerForm(forms.Form):
    response = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = AttachmentField(label=_("Evidence (photo, PDF, Word or Excel)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send answer"))
        self.helper.form_id = "answer-form"


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for sending back"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send back"))
        self.helper.form_id = "return-form"
        self.helper.form_class = "mt-2"
