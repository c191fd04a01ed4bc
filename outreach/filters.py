"""Every FilterSet of the outreach app."""

import django_filters
from django.utils.translation import gettext_lazy as _

from outreach.models import ExchangeVisit, Need, Pairing, PartyDay, Post
from studygroups.filters import SearchFilterSet, _visible_groups


class PairingFilter(SearchFilterSet):
    search_fields = ("group_a__name", "group_b__name", "notes")

    class Meta:
        model = Pairing
        fields = ["q", "year", "is_active"]


class VisitFilter(SearchFilterSet):
    search_fields = ("title", "place", "host_group__name", "guest_group__name")
    year = django_filters.NumberFilter(label=_("Year"), field_name="starts_at", lookup_expr="year")

    class Meta:
        model = ExchangeVisit
        fields = ["q", "year"]


class PartyDayFilter(SearchFilterSet):
    search_fields = ("theme", "branch__name", "stories")
    year = django_filters.NumberFilter(label=_("Year"), field_name="held_on", lookup_expr="year")

    class Meta:
        model = PartyDay
        fields = ["q", "year"]


class NeedFilter(SearchFilterSet):
    search_fields = ("description", "place", "branch__name", "handled_by")
    year = django_filters.NumberFilter(label=_("Year raised"), field_name="raised_on", lookup_expr="year")
    group = django_filters.ModelChoiceFilter(
        label=_("Township or department"), queryset=_visible_groups, field_name="branch__parent__study_group"
    )

    class Meta:
        model = Need
        fields = ["q", "year", "status", "category", "ask", "group"]


class PostFilter(SearchFilterSet):
    search_fields = ("title", "tags", "column__name")

    class Meta:
        model = Post
        fields = ["q", "column", "required"]
