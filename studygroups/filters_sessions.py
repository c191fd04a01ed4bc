"""FilterSets and tables of the session and notification lists."""

import django_filters
import django_tables2 as tables
from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import StudyGroup
from studygroups.filters import SearchFilterSet
from studygroups.models import StudySession


def _visible_groups(request):
    if request is None:
        return StudyGroup.objects.none()
    return StudyGroup.objects.visible_to(request.user).select_related("unit")


class SessionFilter(SearchFilterSet):
    search_fields = ("title", "place", "study_group__name", "host__name", "materials")

    study_group = django_filters.ModelChoiceFilter(label=_("Study group"), queryset=_visible_groups)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=StudySession.Kind.choices)
    year = django_filters.NumberFilter(label=_("Year"), field_name="starts_at", lookup_expr="year")
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="starts_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        field_name="starts_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_record = django_filters.BooleanFilter(label=_("Has a written record"), method="filter_flag")
    late = django_filters.BooleanFilter(label=_("Record entered late"), method="filter_flag")

    class Meta:
        model = StudySession
        fields = ["q", "study_group", "kind", "year", "date_from", "date_to", "has_record", "late"]

    def filter_flag(self, queryset, name, value):
        # Both flags are annotations of selectors.stats.with_record_flags.
        field = {"has_record": "has_record", "late": "record_late"}[name]
        return queryset.filter(**{field: value})


class SessionTable(tables.Table):
    starts_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i")
    title = tables.Column(linkify=True, verbose_name=_("Subject"))
    study_group = tables.Column(verbose_name=_("Study group"), order_by=("study_group__name",))
    host = tables.Column(verbose_name=_("Host"), order_by=("host__name",))
    speech_count = tables.Column(verbose_name=_("Speeches"))
    record = tables.TemplateColumn(
        template_name="studygroups/includes/session_record_badge.html",
        verbose_name=_("Written record"),
        order_by=("record_entered_at",),
        accessor="record_entered_at",
    )

    class Meta:
        model = StudySession
        fields = ["starts_at", "title", "study_group", "kind", "place", "host", "speech_count", "record"]
        order_by = ["-starts_at"]
        attrs = {"class": "table table-sm table-striped", "id": "sessions"}
