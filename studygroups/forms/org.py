from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core.autocomplete import AutocompleteSelect
from core.models import Membership, OrgUnit, Person, StudyGroup


class ScopedModelForm(forms.ModelForm):
    """A model form whose choices of related records are limited to what the user may see."""

    submit_label = _("Save")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class OrgUnitForm(ScopedModelForm):
    class Meta:
        model = OrgUnit
        fields = ["parent", "kind", "name", "short_name", "party_body", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = OrgUnit.objects.visible_to(self.user).exclude(kind__in=OrgUnit.BRANCH_KINDS)
        if not self.user.is_superuser:
            self.fields["parent"].required = True


class StudyGroupForm(ScopedModelForm):
    class Meta:
        model = StudyGroup
        fields = ["unit", "name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(self.user).filter(kind__in=OrgUnit.GROUP_KINDS)


class PersonForm(ScopedModelForm):
    class Meta:
        model = Person
        fields = ["unit", "name", "gender", "title", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(self.user).exclude(kind=OrgUnit.Kind.REGION)


class MembershipForm(ScopedModelForm):
    class Meta:
        model = Membership
        fields = ["person", "role", "start_date", "end_date"]
        widgets = {
            "person": AutocompleteSelect("people"),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, study_group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if study_group is not None:
            self.instance.study_group = study_group
        self.fields["person"].queryset = Person.objects.visible_to(self.user).select_related("unit")
        if self.instance.pk:
            # A seat belongs to one person; a new person gets a new membership.
            self.fields["person"].disabled = True


class MembershipEndForm(forms.Form):
    """The last day of a seat in the group."""

    end_date = forms.DateField(
        label=_("Last day in the group"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("End membership"), css_class="btn-danger"))
