"""Every FilterSet of the outreach app."""

import django_filters
from django.db.models import Q
from django.forms import HiddenInput
from django.utils.translation import gettext_lazy as _

from core.aggregates import years_with_rows
from core.autocomplete import AutocompleteSelect
from core.models import StudyGroup
from outreach.models import ExchangeVisit, Need, Pairing, PartyDay, Post
from studygroups.filters import SearchFilterSet, YearFilter, _visible_groups


class PairingFilter(SearchFilterSet):
    search_fields = ("group_a__name", "group_b__name", "notes")
    year = YearFilter(label=_("Year"))

    class Meta:
        model = Pairing
        fields = ["q", "year", "is_active"]


class VisitFilter(SearchFilterSet):
    search_fields = ("title", "place", "host_group__name", "guest_group__name")
    year = YearFilter(label=_("Year"), field_name="starts_at", lookup_expr="year")
    # The visits a group hosted or made (the assessment's exchange visits link here).
    group = django_filters.ModelChoiceFilter(
        label=_("Study group"), queryset=_visible_groups, method="of_group", widget=AutocompleteSelect("groups")
    )

    # The assessment's count links with these too (outreach.indicators): visits held, started by its cut-off.
    held = django_filters.BooleanFilter(field_name="cancelled_at", lookup_expr="isnull", widget=HiddenInput)
    until = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lte", widget=HiddenInput)

    class Meta:
        model = ExchangeVisit
        fields = ["q", "year", "group", "held", "until"]

    def of_group(self, queryset, name, value):
        return queryset.filter(Q(host_group=value) | Q(guest_group=value))


class PartyDayFilter(SearchFilterSet):
    search_fields = ("theme", "branch__name", "stories")
    year = YearFilter(label=_("Year"), field_name="held_on", lookup_expr="year")
    group = django_filters.ModelChoiceFilter(
        label=_("Township or department"),
        queryset=_visible_groups,
        field_name="branch__parent__study_group",
        widget=AutocompleteSelect("groups"),
    )

    until = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", widget=HiddenInput)

    class Meta:
        model = PartyDay
        fields = ["q", "year", "group", "until"]


class NeedFilter(SearchFilterSet):
    search_fields = ("description", "place", "branch__name", "handled_by")
    year = YearFilter(label=_("Year raised"), field_name="raised_on", lookup_expr="year")
    group = django_filters.ModelChoiceFilter(
        label=_("Township or department"),
        queryset=_visible_groups,
        field_name="branch__parent__study_group",
        widget=AutocompleteSelect("groups"),
    )

    until = django_filters.DateFilter(field_name="raised_on", lookup_expr="lte", widget=HiddenInput)

    class Meta:
        model = Need
        fields = ["q", "year", "status", "category", "ask", "group", "until"]


class PostFilter(SearchFilterSet):
    search_fields = ("title", "tags", "column__name")

    class Meta:
        model = Post
        fields = ["q", "column", "required"]


class PostReadingFilter(SearchFilterSet):
    search_fields = ("title", "tags", "column__name")
    year = YearFilter(label=_("Year"), field_name="published_on", lookup_expr="year")

    class Meta:
        model = Post
        fields = ["q", "year", "column", "required"]


def _coverage_years(groups):
    """The years with party days under the groups' units."""
    return years_with_rows(PartyDay.objects.filter(branch__parent__study_group__in=groups.values("pk")), "held_on")


class CoverageFilter(SearchFilterSet):
    search_fields = ("name", "unit__name")
    # The year of the counts: applied by the page to what it works out (views.CoverageList).
    year = YearFilter(label=_("Year"), method="keep", years=_coverage_years)

    class Meta:
        model = StudyGroup
        fields = ["q", "year"]

    def keep(self, queryset, name, value):
        return queryset
