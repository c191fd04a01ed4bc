"""Every FilterSet of the app: organizations and people, sessions, attendance records, plans and records."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import ExtractYear
from django.forms import HiddenInput, NullBooleanSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from core.aggregates import years_with_rows
from core.autocomplete import AutocompleteSelect
from core.models import Membership, OrgUnit, Person, StudyGroup
from core.pages import this_year, year_param
from core.search import search_q
from studygroups.forms.records import DATE
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    StudySession,
    TheoryArticle,
)
from studygroups.selectors.dashboard import SessionState, session_state
from studygroups.services.records import group_members, record_groups


class YearFilter(django_filters.ChoiceFilter):
    """A year chosen among the years the list's rows have (one query), this year and the year asked for.

    ``years(queryset)``, when given, lists them for lists whose rows carry no year of their own.
    ``indexed``: the field (or, across a relation, the related table's) has an index that starts with it; the
    years are then found by ``years_with_rows`` (its bounds, then one EXISTS per year: two short queries)
    instead of a DISTINCT over every row of the scope."""

    def __init__(self, *args, years=None, indexed=False, **kwargs):
        self.years = years
        self.indexed = indexed
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, int(value)) if value not in EMPTY_VALUES else qs

    def years_of(self, queryset) -> list[int]:
        if self.years is not None:
            return list(self.years(queryset))
        if self.indexed:
            return years_with_rows(queryset, self.field_name)
        if self.lookup_expr == "year":
            column = ExtractYear(self.field_name)
        else:
            column = F(self.field_name)
        return list(queryset.order_by().annotate(_year=column).values_list("_year", flat=True).distinct())


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a free-text ``q`` over ``search_fields``; every choice offers "All" first, and a year
    is a choice of the years that have rows."""

    search_fields: tuple[str, ...] = ()
    # Foreign keys the list's query joins anyway (core.search.search_q's ``joined``).
    search_joined: tuple[str, ...] = ()
    q = django_filters.CharFilter(label=_("Search"), method="search")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.form.fields.items():
            if isinstance(field.widget, NullBooleanSelect):
                field.widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
            elif hasattr(field, "empty_label"):  # django-filter's choice fields, model choices too
                field.empty_label = _("All")
                if isinstance(self.filters.get(name), YearFilter):
                    field.choices = self._year_choices(name)
                elif not isinstance(field, forms.ModelChoiceField):
                    # Set again, so the widget's copy of the choices starts with the new label.
                    field.choices = list(getattr(field.choices, "choices", field.choices))

    def _year_choices(self, name: str) -> list[tuple[str, str]]:
        years = {year for year in self.filters[name].years_of(self.queryset) if year} | {this_year()}
        asked = year_param(self.data.get(name)) if self.data else None
        if asked:
            years.add(asked)  # a year with no rows yet still answers, with an empty list
        return [(str(year), str(year)) for year in sorted(years, reverse=True)]

    def search(self, queryset, name, value):
        return queryset.filter(search_q(queryset.model, self.search_fields, value, joined=self.search_joined))


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


def _visible_groups(request):
    """The groups a filter offers: those whose records the user reaches."""
    return record_groups(request.user) if request else StudyGroup.objects.none()


# Sessions, make-ups and reflections


class SessionFilter(SearchFilterSet):
    search_fields = ("title", "place", "study_group__name", "host__name", "materials")

    study_group = django_filters.ModelChoiceFilter(
        label=_("Study group"), queryset=_visible_groups, widget=AutocompleteSelect("groups")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=StudySession.Kind.choices)
    year = YearFilter(label=_("Year"), field_name="starts_at", lookup_expr="year", indexed=True)
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
    # The assessment's figures link here (studygroups.indicators): several kinds at once, and its cut-off.
    kinds = django_filters.CharFilter(label=_("Kinds"), method="filter_kinds", widget=HiddenInput)
    until = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lte", widget=HiddenInput)
    # The dashboards' figures link here (selectors.dashboard.session_state defines both).
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=SessionState.choices, method="filter_state", empty_label=_("All")
    )

    class Meta:
        model = StudySession
        fields = [
            "q",
            "study_group",
            "kind",
            "kinds",
            "year",
            "date_from",
            "date_to",
            "until",
            "has_record",
            "late",
            "state",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if not getattr(user, "person_id", None):
            # "My reflection to write" means nothing to an account that is not a member.
            field = self.form.fields["state"]
            field.choices = [c for c in field.choices if c[0] != SessionState.TO_REFLECT]

    def filter_kinds(self, queryset, name, value):
        return queryset.filter(kind__in=[kind.strip() for kind in value.split(",") if kind.strip()])

    def filter_flag(self, queryset, name, value):
        # Both flags are annotations of selectors.stats.with_record_flags.
        field = {"has_record": "has_record", "late": "record_late"}[name]
        return queryset.filter(**{field: value})

    def filter_state(self, queryset, name, value):
        person_id = getattr(getattr(self.request, "user", None), "person_id", None)
        return queryset.filter(session_state(value, now=timezone.now(), person_id=person_id))


class MakeupFilter(SearchFilterSet):
    search_fields = ("person__name", "session__title", "reason")
    search_joined = ("session",)  # the list is sorted by the session's start
    group = django_filters.ModelChoiceFilter(
        field_name="session__study_group",
        label=_("Study group"),
        queryset=_visible_groups,
        widget=AutocompleteSelect("groups"),
    )
    year = YearFilter(label=_("Year"), field_name="session__starts_at", lookup_expr="year", indexed=True)
    # One person's make-ups (linked from the secretary's dashboard).
    person = django_filters.NumberFilter(field_name="person", widget=HiddenInput)

    class Meta:
        model = Attendance
        fields = ["q", "group", "year", "person"]


class ReflectionFilter(SearchFilterSet):
    search_fields = ("person__name", "text")
    group = django_filters.ModelChoiceFilter(
        field_name="session__study_group",
        label=_("Study group"),
        queryset=_visible_groups,
        widget=AutocompleteSelect("groups"),
    )
    session = django_filters.NumberFilter(field_name="session", widget=HiddenInput)
    # The assessment's reflections per member links here (studygroups.indicators): the year and its cut-off.
    year = django_filters.NumberFilter(field_name="session__starts_at", lookup_expr="year", widget=HiddenInput)
    until = django_filters.IsoDateTimeFilter(field_name="session__starts_at", lookup_expr="lte", widget=HiddenInput)

    class Meta:
        model = Reflection
        fields = ["q", "group", "session", "year", "until"]


# Plans, required reading and personal records


class PlanFilter(SearchFilterSet):
    search_fields = ("title", "document_number", "issuer", "study_group__name", "topics__title")
    year = YearFilter(label=_("Year"), indexed=True)
    study_group = django_filters.ModelChoiceFilter(
        label=_("Study group"), queryset=_visible_groups, widget=AutocompleteSelect("groups")
    )

    class Meta:
        model = Plan
        fields = ["q", "year", "level", "study_group"]


# Lists of groups and people have no year of their own: the years that have plans or readings anywhere
# (a year says nothing of another county's rows).
def _plan_years(groups):
    return Plan.objects.order_by().values_list("year", flat=True).distinct()


def _reading_years(people):
    return RequiredReading.objects.order_by().values_list("year", flat=True).distinct()


class CoverageFilter(SearchFilterSet):
    search_fields = ("name", "unit__name")
    year = YearFilter(label=_("Year"), method="keep", years=_plan_years)
    unit__kind = django_filters.ChoiceFilter(
        label=_("Unit kind"), choices=[c for c in OrgUnit.Kind.choices if c[0] in OrgUnit.GROUP_KINDS]
    )

    class Meta:
        model = StudyGroup
        fields = ["q", "year", "unit__kind", "is_active", "behind"]

    # Groups with overdue topics: applied by the page to the coverage it works out (views.plans).
    behind = django_filters.BooleanFilter(label=_("Behind plan"), method="keep")

    def keep(self, queryset, name, value):
        return queryset


class ReadingFilter(SearchFilterSet):
    search_fields = ("title", "author")
    year = YearFilter(label=_("Year"))
    # The account's own progress; only for accounts linked to a member.
    finished = django_filters.BooleanFilter(label=_("Finished by me"), method="filter_finished")

    class Meta:
        model = RequiredReading
        fields = ["q", "year", "finished"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not getattr(getattr(self.request, "user", None), "person_id", None):
            del self.filters["finished"]
            del self.form.fields["finished"]

    def filter_finished(self, queryset, name, value):
        person_id = self.request.user.person_id
        done = ReadingProgress.objects.filter(reading=OuterRef("pk"), person_id=person_id, finished_on__isnull=False)
        return queryset.filter(Exists(done)) if value else queryset.filter(~Exists(done))


class ReadingProgressFilter(SearchFilterSet):
    search_fields = ("name", "title", "unit__name")
    year = YearFilter(label=_("Year"), method="keep", years=_reading_years)
    group = django_filters.ModelChoiceFilter(
        label=_("Study group"),
        method="in_group",
        queryset=_visible_groups,
        widget=AutocompleteSelect("groups"),
    )

    class Meta:
        model = Person
        fields = ["q", "year", "group"]

    def keep(self, queryset, name, value):
        return queryset

    def in_group(self, queryset, name, value):
        return queryset.filter(pk__in=group_members(value.pk))


class PersonRecordFilter(SearchFilterSet):
    """Filters shared by lists of person-owned records: search, group."""

    group = django_filters.ModelChoiceFilter(
        label=_("Study group"),
        method="in_group",
        queryset=_visible_groups,
        widget=AutocompleteSelect("groups"),
    )

    def in_group(self, queryset, name, value):
        return queryset.filter(person__in=group_members(value.pk))


class SelfStudyFilter(PersonRecordFilter):
    search_fields = ("person__name", "material", "notes")
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = SelfStudy
        fields = ["q", "date_from", "date_to", "group"]


class ResearchFilter(SearchFilterSet):
    search_fields = ("title", "lead__name", "study_group__name", "report")
    year = YearFilter(label=_("Year assigned"), field_name="assigned_on", lookup_expr="year", indexed=True)
    study_group = django_filters.ModelChoiceFilter(
        label=_("Study group"), queryset=_visible_groups, widget=AutocompleteSelect("groups")
    )

    class Meta:
        model = ResearchTopic
        fields = ["q", "year", "status", "study_group"]


class ArticleFilter(PersonRecordFilter):
    search_fields = ("title", "person__name", "published_in")
    year = YearFilter(label=_("Year"), field_name="written_on", lookup_expr="year", indexed=True)

    class Meta:
        model = TheoryArticle
        fields = ["q", "year", "kind", "group"]


class ExamFilter(PersonRecordFilter):
    search_fields = ("person__name", "person__unit__name")
    year = YearFilter(label=_("Year"), indexed=True)

    class Meta:
        model = ExamScore
        fields = ["q", "year", "group"]
