"""Every FilterSet of the app: organizations and people, sessions, attendance records, plans and records."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.forms import HiddenInput, NullBooleanSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Membership, OrgUnit, Person, StudyGroup
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


def _visible_groups(request):
    """The groups a filter offers: those whose records the user reaches."""
    return record_groups(request.user) if request else StudyGroup.objects.none()


# Sessions, make-ups and reflections


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
    # The dashboards' figures link here (selectors.dashboard.session_state defines both).
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=SessionState.choices, method="filter_state", empty_label=_("All")
    )

    class Meta:
        model = StudySession
        fields = ["q", "study_group", "kind", "year", "date_from", "date_to", "has_record", "late", "state"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if not getattr(user, "person_id", None):
            # "My reflection to write" means nothing to an account that is not a member.
            field = self.form.fields["state"]
            field.choices = [c for c in field.choices if c[0] != SessionState.TO_REFLECT]

    def filter_flag(self, queryset, name, value):
        # Both flags are annotations of selectors.stats.with_record_flags.
        field = {"has_record": "has_record", "late": "record_late"}[name]
        return queryset.filter(**{field: value})

    def filter_state(self, queryset, name, value):
        person_id = getattr(getattr(self.request, "user", None), "person_id", None)
        return queryset.filter(session_state(value, now=timezone.now(), person_id=person_id))


class MakeupFilter(SearchFilterSet):
    search_fields = ("person__name", "session__title", "reason")
    group = django_filters.ModelChoiceFilter(
        field_name="session__study_group", label=_("Study group"), queryset=_visible_groups
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="session__starts_at", lookup_expr="year")
    # One person's make-ups (linked from the secretary's dashboard).
    person = django_filters.NumberFilter(field_name="person", widget=HiddenInput)

    class Meta:
        model = Attendance
        fields = ["q", "group", "year", "person"]


class ReflectionFilter(SearchFilterSet):
    search_fields = ("person__name", "text")
    group = django_filters.ModelChoiceFilter(
        field_name="session__study_group", label=_("Study group"), queryset=_visible_groups
    )
    session = django_filters.NumberFilter(field_name="session", widget=HiddenInput)

    class Meta:
        model = Reflection
        fields = ["q", "group", "session"]


# Plans, required reading and personal records


class PlanFilter(SearchFilterSet):
    search_fields = ("title", "document_number", "issuer", "study_group__name", "topics__title")
    year = django_filters.NumberFilter(label=_("Year"))
    study_group = django_filters.ModelChoiceFilter(label=_("Study group"), queryset=_visible_groups)

    class Meta:
        model = Plan
        fields = ["q", "year", "level", "study_group"]

    def search(self, queryset, name, value):
        # Searching topics crosses a to-many relation: keep plans unique.
        return queryset.filter(pk__in=super().search(Plan.objects.all(), name, value).values("pk"))


class CoverageFilter(SearchFilterSet):
    search_fields = ("name", "unit__name")
    year = django_filters.NumberFilter(label=_("Year"), method="keep")
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
    year = django_filters.NumberFilter(label=_("Year"))
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
    year = django_filters.NumberFilter(label=_("Year"), method="keep")
    group = django_filters.ModelChoiceFilter(
        label=_("Study group"),
        method="in_group",
        queryset=_visible_groups,
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
    year = django_filters.NumberFilter(label=_("Year assigned"), field_name="assigned_on", lookup_expr="year")
    study_group = django_filters.ModelChoiceFilter(label=_("Study group"), queryset=_visible_groups)

    class Meta:
        model = ResearchTopic
        fields = ["q", "year", "status", "study_group"]


class ArticleFilter(PersonRecordFilter):
    search_fields = ("title", "person__name", "published_in")
    year = django_filters.NumberFilter(label=_("Year"), field_name="written_on", lookup_expr="year")

    class Meta:
        model = TheoryArticle
        fields = ["q", "year", "kind", "group"]


class ExamFilter(PersonRecordFilter):
    search_fields = ("person__name", "person__unit__name")
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = ExamScore
        fields = ["q", "year", "group"]
