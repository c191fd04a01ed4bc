from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import Scheme, SchemeIndicator
from core import registry
from core.models import OrgUnit


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
    return [(source.name, f"{source.label}（{source.unit}）") for source in registry.indicator_sources]


def _choice_params() -> dict[str, tuple]:
    """{param: (label, choices callable)} over every registered measure's ``param_choices``."""
    params = {}
    for source in registry.indicator_sources:
        for name, choices in source.param_choices.items():
            params.setdefault(name, (source.param_labels.get(name, name), choices))
    return params


class IndicatorForm(forms.ModelForm):
    """One indicator of a scheme. A measure's list-valued settings (``param_choices``: which session kinds
    count) are checkboxes, one field ``param_<name>`` each, never raw JSON; a row shows only its measure's."""

    source = forms.ChoiceField(label=_("Measure"), choices=_source_choices)

    class Meta:
        model = SchemeIndicator
        fields = ["order", "source", "weight", "target", "rule", "missing"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.instance.registered if self.instance.pk else None
        params = self.instance.full_params() if source else {}
        for name, (label, choices) in _choice_params().items():
            field = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
            if source is not None and name not in source.param_choices:
                field.widget = forms.MultipleHiddenInput()  # not this measure's setting
            field.initial = params.get(name) or []
            self.fields[f"param_{name}"] = field
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.MultipleHiddenInput):
                continue
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = css

    def clean(self):
        cleaned = super().clean()
        source = registry.indicator_source(cleaned.get("source") or "")
        if source is None:
            return cleaned
        params = {key: value for key, value in (self.instance.params or {}).items() if key not in _choice_params()}
        for name in source.param_choices:
            # Nothing ticked (a new row): the measure's default choice.
            chosen = cleaned.get(f"param_{name}") or source.default_params.get(name) or []
            if not chosen:
                self.add_error(f"param_{name}", _("Choose at least one."))
            params[name] = list(chosen)
        self.instance.params = params
        return cleaned


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
