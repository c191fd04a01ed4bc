"""Plans and topics, their coverage, the required reading list, self-study, research topics, articles, exams."""

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, UpdateView
from django_filters.views import FilterView
from django_tables2.utils import A

from core import policy
from core.access import ScopedReadMixin, ensure_can
from core.models import Attachment, Membership, Person, StudyGroup
from studygroups.forms.records import (
    ArticleFilter,
    CoverageFilter,
    ExamFilter,
    ExamScoreForm,
    PlanFilter,
    PlanForm,
    PlanTopicForm,
    ReadingFilter,
    ReadingMarkForm,
    ReadingProgressFilter,
    RequiredReadingForm,
    ResearchFilter,
    ResearchTopicForm,
    SelfStudyFilter,
    SelfStudyForm,
    TheoryArticleForm,
)
from studygroups.models import (
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    StudySession,
    TheoryArticle,
)
from studygroups.selectors.stats import COVERAGE_SORTS, Period, sort_coverage, topic_coverage
from studygroups.services.plans import can_mark_readings, reading_progress_set
from studygroups.services.records import active_in_year, article_save, record_people, research_topic_save
from studygroups.views.org import PAGE_SIZE, FormPage, ListPage

LIST_TEMPLATE = "studygroups/includes/records_list.html"
DATE = "Y-m-d"
DATETIME = "Y-m-d H:i"


def _reaches_others(user) -> bool:
    """Other people's personal records (progress, scores); a member reaches only their own."""
    return policy.can(user, policy.Action.OTHERS_RECORDS)


def _this_year() -> int:
    return timezone.localdate().year


def _year_param(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 < year < 3000 else None


class YearDefaultMixin:
    """A list whose ``year`` filter means this year until the user picks another (or none)."""

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = kwargs["data"].copy() if kwargs.get("data") is not None else self.request.GET.copy()
        if "year" not in data:
            data["year"] = str(_this_year())
        kwargs["data"] = data
        return kwargs

    @property
    def year(self) -> int:
        return _year_param(self.request.GET.get("year", _this_year())) or _this_year()


class RecordList(ListPage):
    template_name = LIST_TEMPLATE
    # Aggregation drops Meta.ordering: every list orders explicitly for stable pages.
    ordering: tuple[str, ...] = ("-pk",)

    def get_queryset(self):
        return super().get_queryset().select_related("created_by").order_by(*self.ordering)


class RecordUpdate(FormPage, UpdateView):
    """Edit a row: another unit's row answers 404, a visible row this user may not change 403."""

    def visible(self):
        return self.model.objects.visible_to(self.request.user)

    def editable(self):
        return self.model.objects.editable_by(self.request.user)

    def get_object(self, queryset=None):
        obj = get_object_or_404(self.visible(), pk=self.kwargs["pk"])
        if not self.editable().filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


def _edit_column(url_name: str, *, personal: bool = False) -> tables.TemplateColumn:
    """An "Edit" link on rows the user's role may change; on ``personal`` records (self-study, articles) only
    on the user's own rows, unless they keep other people's records too."""
    if personal:
        condition = (
            '{% can user "others_records" as reaches_others %}'
            "{% if may_change and reaches_others or may_change and record.person_id == user.person_id %}"
        )
    else:
        condition = "{% if may_change %}"
    link = (
        '<a class="btn btn-link btn-sm p-0" href="{% url \'' + url_name + '\' record.pk %}">{% translate "Edit" %}</a>'
    )
    return tables.TemplateColumn(
        template_code='{% load i18n policy %}{% can user "change" record as may_change %}'
        + condition
        + link
        + "{% endif %}",
        verbose_name="",
        orderable=False,
    )


# Plans


class PlanTable(tables.Table):
    title = tables.Column(linkify=("studygroups:plan_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    owner = tables.Column(
        empty_values=(), verbose_name=_("Group or unit"), order_by=("study_group__name", "unit__name"), accessor="pk"
    )
    topic_count = tables.Column(verbose_name=_("Topics"))
    issued_on = tables.DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))

    class Meta:
        model = Plan
        fields = [
            "title",
            "level",
            "year",
            "quarter",
            "owner",
            "document_number",
            "issued_on",
            "topic_count",
            "created_by",
            "created_at",
        ]
        attrs = {"id": "plans"}

    def render_owner(self, record):
        return record.study_group or record.unit


class PlanList(RecordList):
    model = Plan
    select_related = ("unit", "study_group")
    filterset_class = PlanFilter
    table_class = PlanTable
    title = _("Study plans")
    create_url_name = "studygroups:plan_create"
    template_name = "studygroups/plan_list.html"
    ordering = ("-year", "level", "quarter", "study_group__name", "pk")

    def get_queryset(self):
        return super().get_queryset().annotate(topic_count=Count("topics"))


class PlanDetail(ScopedReadMixin, DetailView):
    model = Plan
    select_related = ("unit", "study_group", "created_by")
    template_name = "studygroups/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.now()
        sessions = StudySession.objects.visible_to(user).filter(starts_at__lte=now).order_by("starts_at")
        context["topics"] = (
            PlanTopic.objects.visible_to(user)
            .filter(plan=self.object)
            .prefetch_related(Prefetch("sessions", queryset=sessions, to_attr="held_sessions"))
            .order_by("order", "planned_month", "pk")
        )
        context["can_edit"] = Plan.objects.editable_by(user).filter(pk=self.object.pk).exists()
        return context


class PlanCreate(FormPage, CreateView):
    model = Plan
    form_class = PlanForm
    title = _("New study plan")

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.object.pk])


class PlanUpdate(RecordUpdate):
    model = Plan
    form_class = PlanForm
    title = _("Edit study plan")

    def editable(self):
        return Plan.objects.editable_by(self.request.user)

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.object.pk])


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


class PlanTopicUpdate(RecordUpdate):
    model = PlanTopic
    form_class = PlanTopicForm
    title = _("Edit topic")

    def editable(self):
        return PlanTopic.objects.editable_by(self.request.user)

    def get_success_url(self):
        return reverse("studygroups:plan_detail", args=[self.object.plan_id])


class PlanCoverage(ScopedReadMixin, FilterView):
    """Each visible group's planned topics for a year: how many covered, which overdue, which upcoming."""

    model = StudyGroup
    select_related = ("unit",)
    filterset_class = CoverageFilter
    template_name = "studygroups/plan_coverage.html"
    paginate_by = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        if not _year_param(data.get("year")):
            data["year"] = str(_this_year())
        kwargs["data"] = data
        return kwargs

    def get_queryset(self):
        return super().get_queryset().order_by("unit__path", "unit__sort_order", "unit__name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = _year_param(self.filterset.data.get("year")) or _this_year()
        groups = list(self.object_list)
        rows = list(topic_coverage(groups, Period.year(year)).values())
        sort = self.request.GET.get("sort", "group")
        rows = sort_coverage(rows, sort)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            title=_("Plan coverage"),
            year=year,
            page_obj=page,
            rows=page.object_list,
            sort=sort,
            sorts=list(COVERAGE_SORTS),
            totals={
                "groups": len(rows),
                "without_plan": sum(1 for r in rows if not r.has_plan),
                "overdue": sum(len(r.overdue) for r in rows),
            },
        )
        return context


# Required reading


class ReadingTable(tables.Table):
    order = tables.Column(verbose_name=_("No."))
    title = tables.Column(verbose_name=_("Title"))
    unit = tables.Column(verbose_name=_("Set by"), order_by=("unit__name",))
    finished_count = tables.Column(verbose_name=_("Finished by"))
    mine = tables.TemplateColumn(
        template_name="studygroups/includes/records_reading_mine.html",
        verbose_name=_("My progress"),
        accessor="my_finished_on",
        order_by=("my_finished_on",),
    )
    edit = _edit_column("studygroups:reading_update")

    class Meta:
        model = RequiredReading
        fields = ["order", "title", "author", "year", "unit", "finished_count", "mine", "edit"]
        attrs = {"id": "readings"}
        row_attrs = {"data-reading-id": lambda record: record.pk}


class ReadingList(YearDefaultMixin, RecordList):
    model = RequiredReading
    filterset_class = ReadingFilter
    table_class = ReadingTable
    title = _("Required reading")
    create_url_name = "studygroups:reading_create"
    template_name = "studygroups/reading_list.html"
    ordering = ("-year", "order", "title", "pk")

    def get_queryset(self):
        user = self.request.user
        readings = RequiredReading.objects.visible_to(user).select_related("unit", "created_by")
        if not _reaches_others(user):
            mine = ReadingProgress.objects.filter(reading=OuterRef("pk"), person_id=user.person_id)
            readings = readings.annotate(my_finished_on=Subquery(mine.values("finished_on")[:1]))
        else:
            finished = (
                ReadingProgress.objects.visible_to(user)
                .filter(reading=OuterRef("pk"), finished_on__isnull=False)
                .order_by()
                .values("reading")
                .annotate(n=Count("pk"))
                .values("n")
            )
            readings = readings.annotate(
                finished_count=Coalesce(Subquery(finished, output_field=IntegerField()), Value(0))
            )
        return readings.order_by(*self.ordering)

    def get_table_kwargs(self):
        user = self.request.user
        exclude = ["mine"] if _reaches_others(user) else ["finished_count"]
        if not policy.can(user, policy.Action.CHANGE, RequiredReading):
            exclude.append("edit")
        return {"exclude": exclude}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_see_progress"] = policy.can(user, policy.Action.BROWSE)
        context["year"] = self.year
        return context


class ReadingCreate(FormPage, CreateView):
    model = RequiredReading
    form_class = RequiredReadingForm
    title = _("Add a required reading")

    def get_success_url(self):
        return f"{reverse('studygroups:reading_list')}?{urlencode({'year': self.object.year})}"


class ReadingUpdate(RecordUpdate):
    model = RequiredReading
    form_class = RequiredReadingForm
    title = _("Edit required reading")

    def visible(self):
        return RequiredReading.objects.visible_to(self.request.user)

    def get_success_url(self):
        return f"{reverse('studygroups:reading_list')}?{urlencode({'year': self.object.year})}"


class ReadingMark(LoginRequiredMixin, FormView):
    """A member marks a required reading finished (or not yet); secretaries and staff for their members."""

    form_class = ReadingMarkForm
    template_name = "studygroups/reading_mark.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.reading = get_object_or_404(RequiredReading.objects.visible_to(request.user), pk=kwargs["pk"])
            if not can_mark_readings(request.user):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def get_initial(self):
        user = self.request.user
        if not _reaches_others(user):
            progress = ReadingProgress.objects.filter(reading=self.reading, person_id=user.person_id).first()
            if progress:
                return {"finished": progress.finished_on is not None, "finished_on": progress.finished_on}
        return {"finished": True, "finished_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"reading": self.reading, "title": self.reading.title}

    def form_valid(self, form):
        try:
            reading_progress_set(
                user=self.request.user,
                reading=self.reading,
                person=form.cleaned_data["person"],
                finished_on=form.cleaned_data["finished_on"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form.add_error("finished_on", error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(f"{reverse('studygroups:reading_list')}?{urlencode({'year': self.reading.year})}")


class ReadingProgressTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Work unit"), order_by=("unit__name",))
    finished = tables.Column(verbose_name=_("Readings finished"))

    class Meta:
        model = Person
        fields = ["name", "title", "unit", "finished"]
        attrs = {"id": "reading-progress"}
        row_attrs = {"data-person-id": lambda record: record.pk}


class ReadingProgressList(YearDefaultMixin, ListPage):
    """Staff and secretaries: how many of the year's required readings each member has finished."""

    model = Person
    filterset_class = ReadingProgressFilter
    table_class = ReadingProgressTable
    template_name = "studygroups/reading_progress.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        user, year = self.request.user, self.year
        self.readings = RequiredReading.objects.visible_to(user).filter(year=year)
        seated = Membership.objects.visible_to(user).filter(active_in_year(year)).values("person")
        finished = (
            ReadingProgress.objects.visible_to(user)
            .filter(person=OuterRef("pk"), finished_on__isnull=False, reading__in=self.readings.values("pk"))
            .order_by()
            .values("person")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            record_people(user)
            .filter(pk__in=seated)
            .select_related("unit")
            .annotate(finished=Coalesce(Subquery(finished, output_field=IntegerField()), Value(0)))
            .order_by("unit__path", "name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Reading progress")
        context["year"] = self.year
        context["reading_total"] = self.readings.count()
        return context


# Self-study


class SelfStudyTable(tables.Table):
    date = tables.DateColumn(format=DATE)
    person = tables.Column(verbose_name=_("Person"), order_by=("person__name",))
    notes = tables.Column(verbose_name=_("Notes"), orderable=False)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = _edit_column("studygroups:selfstudy_update", personal=True)

    class Meta:
        model = SelfStudy
        fields = ["date", "person", "material", "hours", "notes", "created_by", "created_at", "edit"]
        attrs = {"id": "self-study"}
        row_attrs = {"data-record-id": lambda record: record.pk}

    def render_notes(self, value):
        return value if len(value) <= 40 else f"{value[:40]}…"


class SelfStudyList(RecordList):
    model = SelfStudy
    select_related = ("person", "person__unit")
    filterset_class = SelfStudyFilter
    table_class = SelfStudyTable
    title = _("Self-study")
    create_url_name = "studygroups:selfstudy_create"
    template_name = "studygroups/selfstudy_list.html"
    ordering = ("-date", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["total_hours"] = self.object_list.aggregate(total=Sum("hours"))["total"] or 0
        return context


class SelfStudyCreate(FormPage, CreateView):
    model = SelfStudy
    form_class = SelfStudyForm
    title = _("Record self-study")

    def get_success_url(self):
        return reverse("studygroups:selfstudy_list")


class SelfStudyUpdate(RecordUpdate):
    model = SelfStudy
    form_class = SelfStudyForm
    title = _("Edit self-study")

    def get_success_url(self):
        return reverse("studygroups:selfstudy_list")


# Research topics


class ResearchTable(tables.Table):
    title = tables.Column(linkify=("studygroups:research_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    study_group = tables.Column(verbose_name=_("Study group"), order_by=("study_group__name",))
    lead = tables.Column(verbose_name=_("Led by"), order_by=("lead__name",))
    status = tables.TemplateColumn(
        template_name="studygroups/includes/records_research_status.html", verbose_name=_("Status")
    )
    assigned_on = tables.DateColumn(format=DATE)
    due_on = tables.DateColumn(format=DATE)
    reported_on = tables.DateColumn(format=DATE)
    applied_on = tables.DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))

    class Meta:
        model = ResearchTopic
        fields = [
            "title",
            "study_group",
            "lead",
            "status",
            "assigned_on",
            "due_on",
            "reported_on",
            "applied_on",
            "created_by",
        ]
        attrs = {"id": "research"}
        row_attrs = {"data-record-id": lambda record: record.pk, "data-status": lambda record: record.status}


class ResearchList(RecordList):
    model = ResearchTopic
    select_related = ("study_group", "lead")
    filterset_class = ResearchFilter
    table_class = ResearchTable
    title = _("Research topics")
    create_url_name = "studygroups:research_create"
    ordering = ("-assigned_on", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"today": timezone.localdate()}


class ResearchDetail(ScopedReadMixin, DetailView):
    model = ResearchTopic
    select_related = ("study_group", "lead", "created_by")
    template_name = "studygroups/research_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["attachments"] = Attachment.objects.visible_to(user).of(self.object)
        context["can_edit"] = ResearchTopic.objects.editable_by(user).filter(pk=self.object.pk).exists()
        return context


class AttachedSaveMixin:
    """Create and update pages whose form carries an optional attachment, saved by a service that takes
    the unsaved object under ``object_arg``, the user and the upload."""

    service = None
    object_arg = ""

    def form_valid(self, form):
        upload = form.cleaned_data.get("attachment")
        try:
            self.object = self.service(
                **{self.object_arg: form.save(commit=False)}, user=self.request.user, upload=upload
            )
        except ValidationError as error:
            form.add_error("attachment", error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.get_success_url())


class ResearchCreate(AttachedSaveMixin, FormPage, CreateView):
    model = ResearchTopic
    form_class = ResearchTopicForm
    title = _("New research topic")
    service = staticmethod(research_topic_save)
    object_arg = "topic"

    def get_success_url(self):
        return reverse("studygroups:research_detail", args=[self.object.pk])


class ResearchUpdate(AttachedSaveMixin, RecordUpdate):
    model = ResearchTopic
    form_class = ResearchTopicForm
    title = _("Edit research topic")
    service = staticmethod(research_topic_save)
    object_arg = "topic"
    get_success_url = ResearchCreate.get_success_url


# Theory articles


class ArticleTable(tables.Table):
    title = tables.Column(linkify=("studygroups:article_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    person = tables.Column(verbose_name=_("Author"), order_by=("person__name",))
    written_on = tables.DateColumn(format=DATE)
    attachment_count = tables.Column(verbose_name=_("Files"))
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = _edit_column("studygroups:article_update", personal=True)

    class Meta:
        model = TheoryArticle
        fields = [
            "title",
            "kind",
            "person",
            "written_on",
            "published_in",
            "attachment_count",
            "created_by",
            "created_at",
            "edit",
        ]
        attrs = {"id": "articles"}
        row_attrs = {"data-record-id": lambda record: record.pk}


class ArticleList(RecordList):
    model = TheoryArticle
    select_related = ("person", "person__unit")
    filterset_class = ArticleFilter
    table_class = ArticleTable
    title = _("Theory articles and research reports")
    create_url_name = "studygroups:article_create"
    ordering = ("-written_on", "-pk")

    def get_queryset(self):
        return super().get_queryset().annotate(attachment_count=Count("attachments"))


class ArticleDetail(ScopedReadMixin, DetailView):
    model = TheoryArticle
    select_related = ("person", "person__unit", "created_by")
    template_name = "studygroups/article_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["attachments"] = Attachment.objects.visible_to(user).of(self.object)
        context["can_edit"] = TheoryArticle.objects.editable_by(user).filter(pk=self.object.pk).exists()
        return context


class ArticleCreate(AttachedSaveMixin, FormPage, CreateView):
    model = TheoryArticle
    form_class = TheoryArticleForm
    title = _("New article or report")
    service = staticmethod(article_save)
    object_arg = "article"

    def get_success_url(self):
        return reverse("studygroups:article_detail", args=[self.object.pk])


class ArticleUpdate(AttachedSaveMixin, RecordUpdate):
    model = TheoryArticle
    form_class = TheoryArticleForm
    title = _("Edit article or report")
    service = staticmethod(article_save)
    object_arg = "article"
    get_success_url = ArticleCreate.get_success_url


# Exam scores


class ExamTable(tables.Table):
    person = tables.Column(verbose_name=_("Person"), order_by=("person__name",))
    unit = tables.Column(verbose_name=_("Work unit"), accessor="person__unit", order_by=("person__unit__name",))
    exam_date = tables.DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = tables.DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = _edit_column("studygroups:exam_update")

    class Meta:
        model = ExamScore
        fields = ["year", "person", "unit", "score", "exam_date", "created_by", "created_at", "edit"]
        attrs = {"id": "exams"}
        row_attrs = {"data-record-id": lambda record: record.pk}


class ExamList(RecordList):
    model = ExamScore
    select_related = ("person", "person__unit")
    filterset_class = ExamFilter
    table_class = ExamTable
    title = _("Theory exam scores")
    create_url_name = "studygroups:exam_create"
    ordering = ("-year", "person__name", "pk")

    def get_queryset(self):
        scores = super().get_queryset()
        user = self.request.user
        # A member reads their own score only, not their colleagues'.
        return scores if _reaches_others(user) else scores.filter(person_id=user.person_id)


class ExamCreate(FormPage, CreateView):
    model = ExamScore
    form_class = ExamScoreForm
    title = _("Record an exam score")

    def get_success_url(self):
        return reverse("studygroups:exam_list")


class ExamUpdate(RecordUpdate):
    model = ExamScore
    form_class = ExamScoreForm
    title = _("Edit exam score")

    def get_success_url(self):
        return reverse("studygroups:exam_list")


urlpatterns = [
    path("plans/", PlanList.as_view(), name="plan_list"),
    path("plans/new/", PlanCreate.as_view(), name="plan_create"),
    path("plans/coverage/", PlanCoverage.as_view(), name="plan_coverage"),
    path("plans/<int:pk>/", PlanDetail.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanUpdate.as_view(), name="plan_update"),
    path("plans/<int:plan_pk>/topics/new/", PlanTopicCreate.as_view(), name="plantopic_create"),
    path("topics/<int:pk>/edit/", PlanTopicUpdate.as_view(), name="plantopic_update"),
    path("readings/", ReadingList.as_view(), name="reading_list"),
    path("readings/new/", ReadingCreate.as_view(), name="reading_create"),
    path("readings/progress/", ReadingProgressList.as_view(), name="reading_progress"),
    path("readings/<int:pk>/edit/", ReadingUpdate.as_view(), name="reading_update"),
    path("readings/<int:pk>/mark/", ReadingMark.as_view(), name="reading_mark"),
    path("self-study/", SelfStudyList.as_view(), name="selfstudy_list"),
    path("self-study/new/", SelfStudyCreate.as_view(), name="selfstudy_create"),
    path("self-study/<int:pk>/edit/", SelfStudyUpdate.as_view(), name="selfstudy_update"),
    path("research/", ResearchList.as_view(), name="research_list"),
    path("research/new/", ResearchCreate.as_view(), name="research_create"),
    path("research/<int:pk>/", ResearchDetail.as_view(), name="research_detail"),
    path("research/<int:pk>/edit/", ResearchUpdate.as_view(), name="research_update"),
    path("articles/", ArticleList.as_view(), name="article_list"),
    path("articles/new/", ArticleCreate.as_view(), name="article_create"),
    path("articles/<int:pk>/", ArticleDetail.as_view(), name="article_detail"),
    path("articles/<int:pk>/edit/", ArticleUpdate.as_view(), name="article_update"),
    path("exams/", ExamList.as_view(), name="exam_list"),
    path("exams/new/", ExamCreate.as_view(), name="exam_create"),
    path("exams/<int:pk>/edit/", ExamUpdate.as_view(), name="exam_update"),
]
