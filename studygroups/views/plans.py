"""Study plans and their topics, and each group's coverage of its planned topics."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView

from core import policy
from core.access import ensure_can
from core.models import StudyGroup
from core.pages import PAGE_SIZE, DetailPage, FormPage, ListPage, UpdatePage, this_year, year_param
from studygroups.filters import CoverageFilter, PlanFilter
from studygroups.forms.records import PlanForm, PlanTopicForm
from studygroups.models import Plan, PlanTopic, StudySession
from studygroups.selectors.stats import CoverageCounts, CoverageRow, Period, coverage_counts, topic_coverage
from studygroups.tables import CoverageTable, PlanTable


class PlanList(ListPage):
    model = Plan
    select_related = ("unit", "study_group", "created_by")
    filterset_class = PlanFilter
    table_class = PlanTable
    title = _("Study plans")
    create_url_name = "studygroups:plan_create"
    template_name = "studygroups/plan_list.html"
    ordering = ("-year", "level", "quarter", "study_group__name", "pk")

    def get_queryset(self):
        return super().get_queryset().with_count("topic_count", "topics")


class PlanDetail(DetailPage):
    model = Plan
    select_related = ("unit", "study_group", "created_by")
    template_name = "studygroups/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sessions = StudySession.objects.visible_to(user).filter(starts_at__lte=timezone.now()).order_by("starts_at")
        context["topics"] = (
            PlanTopic.objects.visible_to(user)
            .filter(plan=self.object)
            .prefetch_related(Prefetch("sessions", queryset=sessions, to_attr="held_sessions"))
            .order_by("order", "planned_month", "pk")
        )
        return context


class PlanCreate(FormPage, CreateView):
    model = Plan
    form_class = PlanForm
    title = _("New study plan")

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.object.pk])


class PlanUpdate(UpdatePage):
    model = Plan
    form_class = PlanForm
    title = _("Edit study plan")
    get_success_url = PlanCreate.get_success_url


class PlanTopicCreate(FormPage, CreateView):
    model = PlanTopic
    form_class = PlanTopicForm
    title = _("New topic")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # The plan must be visible (else 404); its topics writable by this user (else 403).
            self.plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=kwargs["plan_pk"])
            if not Plan.objects.editable_by(request.user).filter(pk=self.plan.pk).exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"plan": self.plan}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": f"{self.title} · {self.plan.title}"}

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.plan.pk])


class PlanTopicUpdate(UpdatePage):
    model = PlanTopic
    form_class = PlanTopicForm
    title = _("Edit topic")

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.object.plan_id])


class PlanCoverage(ListPage):
    """Each visible group's planned topics for a year: how many covered, which overdue, which upcoming."""

    model = StudyGroup
    select_related = ("unit",)
    filterset_class = CoverageFilter
    table_class = CoverageTable
    template_name = "studygroups/plan_coverage.html"
    title = _("Plan coverage")
    ordering = ("unit__path", "unit__sort_order", "unit__name")
    # The table pages the computed rows; the groups' queryset is read whole, once.
    paginate_by = None
    table_pagination = {"per_page": PAGE_SIZE}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        if not year_param(data.get("year")):
            data["year"] = str(this_year())
        kwargs["data"] = data
        return kwargs

    @property
    def year(self) -> int:
        return year_param(self.filterset.data.get("year")) or this_year()

    @cached_property
    def now(self):
        return timezone.now()

    def get_table_data(self):
        # Every group's numbers in SQL (the sort, the "behind" filter and the totals need them all); the
        # topics themselves only for the rows shown (show_topics).
        if not hasattr(self, "_coverage"):
            places = self.object_list.values_list("pk", "unit__path", "unit__sort_order", "unit__name")
            places = {pk: tuple(place) for pk, *place in places}
            counts = coverage_counts(self.object_list, Period.year(self.year), now=self.now)
            rows = [CoverageRow(counts.get(pk) or CoverageCounts(pk), place) for pk, place in places.items()]
            behind = self.filterset.form.cleaned_data.get("behind")
            if behind is not None:  # the dashboard's "groups behind plan"
                rows = [r for r in rows if bool(r.counts.overdue) == behind]
            self._coverage = rows
        return self._coverage

    def show_topics(self, rows: list[CoverageRow]) -> None:
        """Read the groups and their topics (two queries for the topics) for the rows to be shown."""
        rows = [row for row in rows if row.detail is None]
        if not rows:
            return
        groups = StudyGroup.objects.select_related("unit").in_bulk([row.group_id for row in rows])
        details = topic_coverage(list(groups.values()), Period.year(self.year), now=self.now, sessions=False)
        for row in rows:
            row.group, row.detail = groups[row.group_id], details[row.group_id]

    def export_rows(self):
        self.show_topics(self._export_table().data.data)
        return super().export_rows()

    def export_title(self) -> str:
        return f"{self.title} · {self.year}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.get_table_data()
        shown = [row.record for row in context["table"].page.object_list]
        self.show_topics(shown)
        context.update(
            year=self.year,
            rows=shown,
            totals={
                "groups": len(rows),
                "without_plan": sum(1 for r in rows if not r.has_plan),
                "overdue": sum(r.counts.overdue for r in rows),
            },
        )
        return context


urlpatterns = [
    path("plans/", PlanList.as_view(), name="plan_list"),
    path("plans/new/", PlanCreate.as_view(), name="plan_create"),
    path("plans/coverage/", PlanCoverage.as_view(), name="plan_coverage"),
    path("plans/<int:pk>/", PlanDetail.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanUpdate.as_view(), name="plan_update"),
    path("plans/<int:plan_pk>/topics/new/", PlanTopicCreate.as_view(), name="plantopic_create"),
    path("topics/<int:pk>/edit/", PlanTopicUpdate.as_view(), name="plantopic_update"),
]
