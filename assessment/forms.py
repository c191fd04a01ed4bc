from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import Scheme, SchemeIndicator
from core.models import OrgUnit
from core.registry import indicator_sources


class NewSchemeForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        counties = OrgUnit.objects.editable_by(user).filter(kind=OrgUnit.Kind.COUNTY)
        self.fields["county"].queryset = counties
        if len(counties) == 1:
            self.fields["county"].initial = counties[0].pk
        self.fields["year"].initial = timezone.localdate().year


class SchemeForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = ["name", "pass_threshold"]


def _source_choices():
    return [(source.name, f"{source.label}（{source.unit}）") for source in indicator_sources]


class IndicatorForm(forms.ModelForm):
    source = forms.ChoiceField(label=_("Measure"), choices=_source_choices)

    class Meta:
        model = SchemeIndicator
        fields = ["order", "source", "weight", "target", "rule", "missing", "params"]
        widgets = {"params": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = css


IndicatorFormSet = forms.modelformset_factory(SchemeIndicator, form=IndicatorForm, extra=1, can_delete=True)


class ComputeForm(forms.Form):
    cutoff = forms.DateTimeField(
        label=_("Count the records as they stood at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    confirm = forms.BooleanField(label=_("Compute the results of every group of the county now"))


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Publish: each group then sees its own row and rank, and these numbers no longer change")
    )


class AdjustForm(forms.Form):
    points = forms.DecimalField(
        label=_("Points (negative to take off)"), max_digits=5, decimal_places=2, min_value=-100, max_value=100
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
