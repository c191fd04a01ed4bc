import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils.translation import gettext_lazy as _

from core.models import Membership, OrgUnit, Person, StudyGroup


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a free-text ``q`` over ``search_fields``; yes/no filters offer "All" first."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            if isinstance(field.widget, NullBooleanSelect):
                field.widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]

    def search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class OrgUnitFilter(SearchFilterSet):
    search_fields = ("name", "short_name")

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "party_body"]


class StudyGroupFilter(SearchFilterSet):
    search_fields = ("name", "unit__name")
    unit__kind = django_filters.ChoiceFilter(label=_("Unit kind"), choices=OrgUnit.Kind.choices)

    class Meta:
        model = StudyGroup
        fields = ["q", "unit__kind", "is_active"]


class PersonFilter(SearchFilterSet):
    search_fields = ("name", "title", "unit__name", "phone")

    class Meta:
        model = Person
        fields = ["q", "gender"]


class MembershipFilter(SearchFilterSet):
    search_fields = ("person__name", "study_group__name")

    class Meta:
        model = Membership
        fields = ["q", "role"]
