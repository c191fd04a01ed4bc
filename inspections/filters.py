import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.aggregates import years_with_rows
from core.autocomplete import AutocompleteSelect
from core.models import StudyGroup
from inspections.models import Finding, InspectionPlan, ScoreTemplate, Visit, VisitKind
from studygroups.filters import SearchFilterSet, YearFilter


def _groups(request):
    return StudyGroup.objects.visible_to(request.user) if request else StudyGroup.objects.none()


class PlanFilter(SearchFilterSet):
    search_fields = ("county__name",)
    year = YearFilter(label=_("Year"))

    class Meta:
        model = InspectionPlan
        fields = ["year", "status"]


def _visit_years(visits) -> list[int]:
    return years_with_rows(visits, "session_starts_at")


class VisitFilter(SearchFilterSet):
    search_fields = ("session__title", "session__study_group__name")
    year = YearFilter(label=_("Year"), field_name="session_starts_at", lookup_expr="year", years=_visit_years)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=VisitKind.choices, empty_label=_("All"))
    study_group = django_filters.ModelChoiceFilter(
        label=_("Study group"),
        field_name="session__study_group",
        queryset=_groups,
        widget=AutocompleteSelect("groups"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        method="in_state",
        empty_label=_("All"),
        choices=[
            ("planned", _("Not scored yet")),
            ("scored", _("Scored, not published")),
            ("published", _("Published")),
            ("summary_late", _("Summary late")),
            ("materials_late", _("Materials late")),
        ],
    )

    class Meta:
        model = Visit
        fields = ["year", "kind", "study_group", "state"]

    def in_state(self, queryset, name, value):
        return queryset.filter(
            {
                "planned": Q(scored_at__isnull=True),
                "scored": Q(scored_at__isnull=False, published_at__isnull=True),
                "published": Q(published_at__isnull=False),
                "summary_late": Q(summary_late=True),
                "materials_late": Q(materials_late=True),
            }[value]
        )


class FindingFilter(SearchFilterSet):
    search_fields = ("description", "visit__session__study_group__name")
    year = YearFilter(label=_("Year"), field_name="visit__session_starts_at", lookup_expr="year")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Finding.Status.choices, empty_label=_("All"))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Finding.Category.choices, empty_label=_("All"))
    study_group = django_filters.ModelChoiceFilter(
        label=_("Study group"),
        field_name="visit__session__study_group",
        queryset=_groups,
        widget=AutocompleteSelect("groups"),
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="is_overdue")

    class Meta:
        model = Finding
        fields = ["year", "status", "category", "study_group", "overdue"]

    def is_overdue(self, queryset, name, value):
        condition = Q(status__in=Finding.OWED, deadline__lt=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ScorecardFilter(SearchFilterSet):
    search_fields = ("name",)
    year = YearFilter(label=_("Year"))

    class Meta:
        model = ScoreTemplate
        fields = ["year"]
