"""Pages of sit-in inspection: thin views that parse, authorise (core.policy, scoped querysets) and call
the services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from core import policy
from core.access import ensure_can
from core.models import OrgUnit
from core.pages import DetailPage, FormPage, ListPage, year_param
from inspections.filters import FindingFilter, PlanFilter, VisitFilter
from inspections.forms import (
    AnswerForm,
    FindingForm,
    FlagForm,
    PlanForm,
    ReturnForm,
    ScoreForm,
    SummaryForm,
    TargetAddForm,
    TargetForm,
    VisitForm,
    WithdrawForm,
)
from inspections.models import Finding, InspectionPlan, PlanTarget, Visit
from inspections.selectors.bulletin import bulletin_data
from inspections.selectors.visits import with_flags
from inspections.services import findings as finding_services
from inspections.services import plans as plan_services
from inspections.services import visits as visit_services
from inspections.tables import FindingTable, PlanTable, VisitTable
from studygroups.models import Attendance, Speech
from studygroups.selectors.stats import Period


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _fail(request, error: ValidationError):
    messages.error(request, _error_text(error))


# --- plans -------------------------------------------------------------------------------------


class SupervisedMixin:
    """Plans are the county's business: staff, inspectors and auditors (SUPERVISE) read them."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.SUPERVISE)
        return super().dispatch(request, *args, **kwargs)


class PlanList(SupervisedMixin, ListPage):
    model = InspectionPlan
    select_related = ("county",)
    filterset_class = PlanFilter
    table_class = PlanTable
    title = _("Inspection plans")
    create_url_name = "inspections:plan_create"
    ordering = ("-year", "county__name")

    def get_queryset(self):
        # Each figure is its own subquery on the plan's index, not a join grouped over every target of the
        # scope: PostgreSQL then computes them only for the page's 25 rows, after the sort and the limit,
        # and the pagination count reads the plans alone.
        all_targets = PlanTarget.objects.filter(plan=OuterRef("pk")).order_by()
        live = all_targets.filter(withdrawn_at__isnull=True)
        return (
            super()
            .get_queryset()
            .annotate(
                targets_n=_per_plan(live, Count("pk")),
                key_targets=_per_plan(live.filter(kind="key"), Count("pk")),
                planned=_per_plan(live, Sum("planned_visits")),
                # Summed over the plan's targets, each counted on the visits' target index: counting
                # visits joined to targets makes PostgreSQL read every visit once per row.
                visits=_per_plan(all_targets, Sum(_per_plan(Visit.objects.filter(target=OuterRef("pk")), Count("pk")))),
            )
        )


def _per_plan(rows, aggregate):
    """``aggregate`` over ``rows`` (a queryset filtered on the outer plan) as a subquery, 0 when empty."""
    value = rows.order_by().annotate(one=Value(1)).values("one").annotate(value=aggregate).values("value")
    return Coalesce(Subquery(value, output_field=IntegerField()), 0)


class PlanCreate(FormPage, FormView):
    model = InspectionPlan
    form_class = PlanForm
    title = _("New inspection plan")

    def form_valid(self, form):
        data = form.cleaned_data
        rules = {name: data[name] for name in form.Meta.fields if name not in ("county", "year")}
        try:
            plan = plan_services.plan_create(county=data["county"], year=data["year"], user=self.request.user, **rules)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect(plan)


class PlanDetail(SupervisedMixin, DetailPage):
    model = InspectionPlan
    select_related = ("county", "approved_by")
    template_name = "inspections/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        targets = (
            PlanTarget.objects.visible_to(user)
            .filter(plan=plan)
            .select_related("study_group__unit")
            .annotate(visits_n=Count("visits"))
            .order_by("withdrawn_at", "kind", "study_group__unit__path", "study_group__unit__sort_order")
        )
        context.update(
            targets=targets,
            can_plan=policy.can(user, policy.Action.CHANGE, PlanTarget) and context["can_edit"],
            can_approve=policy.can(user, policy.Action.PUBLISH, InspectionPlan) and context["can_edit"],
            add_form=TargetAddForm(plan=plan),
        )
        return context


def _plan_for_change(request, pk) -> InspectionPlan:
    ensure_can(request.user, policy.Action.CHANGE, InspectionPlan)
    return get_object_or_404(InspectionPlan.objects.editable_by(request.user), pk=pk)


@login_required
@require_POST
def plan_propose(request, pk):
    plan = _plan_for_change(request, pk)
    try:
        created = plan_services.plan_propose(plan=plan, user=request.user)
        messages.success(request, _("%(n)s targets proposed.") % {"n": len(created)})
    except ValidationError as error:
        _fail(request, error)
    return redirect(plan)


@login_required
@require_POST
def plan_approve(request, pk):
    plan = _plan_for_change(request, pk)
    try:
        plan_services.plan_approve(plan=plan, user=request.user)
        messages.success(request, _("The plan is approved."))
    except ValidationError as error:
        _fail(request, error)
    return redirect(plan)


@login_required
@require_POST
def target_add(request, pk):
    plan = _plan_for_change(request, pk)
    form = TargetAddForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            plan_services.target_add(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Choose a group and a kind."))
    return redirect(plan)


def _target_for_change(request, pk) -> PlanTarget:
    ensure_can(request.user, policy.Action.CHANGE, PlanTarget)
    return get_object_or_404(PlanTarget.objects.editable_by(request.user).select_related("plan"), pk=pk)


@login_required
def target_update(request, pk):
    target = _target_for_change(request, pk)
    form = TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.target_update(target=target, user=request.user, **form.cleaned_data)
            return redirect(target.plan)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "core/form.html", {"form": form, "title": _("Adjust target: %s") % target.study_group})


@login_required
def target_withdraw(request, pk):
    target = _target_for_change(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.target_withdraw(target=target, user=request.user, reason=form.cleaned_data["reason"])
            return redirect(target.plan)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "core/form.html", {"form": form, "title": _("Withdraw target: %s") % target.study_group})


@login_required
def flag_create(request):
    ensure_can(request.user, policy.Action.CHANGE, PlanTarget)
    form = FlagForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.flag_create(user=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("inspections:plan_list")
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "core/form.html", {"form": form, "title": _("Flag a group for little attention to study")})


# --- visits ------------------------------------------------------------------------------------


@login_required
def visit_create(request, pk):
    ensure_can(request.user, policy.Action.CHANGE, Visit)
    target = get_object_or_404(PlanTarget.objects.editable_by(request.user).select_related("plan"), pk=pk)
    form = VisitForm(request.POST or None, target=target)
    if request.method == "POST" and form.is_valid():
        try:
            visit = visit_services.visit_create(target=target, user=request.user, **form.cleaned_data)
            return redirect(visit)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
    return render(request, "core/form.html", {"form": form, "title": _("Assign a visit: %s") % target.study_group})


class VisitList(ListPage):
    model = Visit
    select_related = ("session__study_group",)
    filterset_class = VisitFilter
    table_class = VisitTable
    title = _("Visits")
    ordering = ("-session_starts_at", "-pk")

    def get_queryset(self):
        return with_flags(super().get_queryset())


class VisitDetail(DetailPage):
    model = Visit
    select_related = ("session__study_group", "session__host", "template", "published_by", "target__plan")
    template_name = "inspections/visit_detail.html"

    def get_queryset(self):
        return with_flags(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit, user = self.object, self.request.user
        session = visit.session
        inspects = (
            policy.can(user, policy.Action.INSPECT, Visit)
            and not visit.is_published
            and visit.inspectors.filter(pk=user.pk).exists()
        )
        criteria = list(visit.template.criteria.all())
        scores = {s.criterion_id: s.value for s in visit.scores.all()}
        status = Attendance.Status
        counts = Attendance.objects.filter(session=session).aggregate(
            present=Count("pk", filter=Q(status=status.PRESENT)),
            late=Count("pk", filter=Q(status=status.LATE)),
            leave=Count("pk", filter=Q(status=status.LEAVE)),
            absent=Count("pk", filter=Q(status=status.ABSENT)),
        )
        context.update(
            session=session,
            attendance=counts,
            lead_speakers=Speech.objects.filter(session=session, is_lead=True).select_related("person"),
            inspectors=list(visit.inspectors.all()),
            scorecard=[(c, scores.get(c.pk)) for c in criteria],
            findings=Finding.objects.visible_to(user).filter(visit=visit),
            inspects=inspects,
            can_publish=policy.can(user, policy.Action.PUBLISH, Visit) and not visit.is_published,
            score_form=ScoreForm(visit=visit, criteria=criteria) if inspects else None,
            summary_form=SummaryForm(
                initial={"overall": visit.overall, "highlights": visit.highlights, "problems": visit.problems}
            )
            if inspects
            else None,
            finding_form=FindingForm() if inspects else None,
            today=timezone.localdate(),
        )
        for name, url in (
            ("score_form", "visit_score"),
            ("summary_form", "visit_summary"),
            ("finding_form", "finding_create"),
        ):
            if context[name] is not None:
                context[name].helper.form_action = reverse(f"inspections:{url}", args=[visit.pk])
        return context


def _visit_for_inspector(request, pk) -> Visit:
    ensure_can(request.user, policy.Action.INSPECT, Visit)
    return get_object_or_404(Visit.objects.visible_to(request.user).select_related("template", "session"), pk=pk)


@login_required
@require_POST
def visit_score(request, pk):
    visit = _visit_for_inspector(request, pk)
    criteria = list(visit.template.criteria.all())
    form = ScoreForm(request.POST, visit=visit, criteria=criteria)
    if form.is_valid():
        try:
            visit_services.visit_score(visit=visit, user=request.user, values=form.values())
            messages.success(request, _("Scores saved."))
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Score every criterion within its range."))
    return redirect(visit)


@login_required
@require_POST
def visit_summary(request, pk):
    visit = _visit_for_inspector(request, pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            visit_services.visit_summarise(visit=visit, user=request.user, **form.cleaned_data)
            messages.success(request, _("Summary saved."))
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Give the overall assessment."))
    return redirect(visit)


@login_required
@require_POST
def visit_publish(request, pk):
    ensure_can(request.user, policy.Action.PUBLISH, Visit)
    visit = get_object_or_404(Visit.objects.visible_to(request.user), pk=pk)
    try:
        visit_services.visit_publish(visit=visit, user=request.user)
        messages.success(request, _("Published to the group."))
    except ValidationError as error:
        _fail(request, error)
    return redirect(visit)


# --- findings ----------------------------------------------------------------------------------


@login_required
@require_POST
def finding_create(request, pk):
    visit = _visit_for_inspector(request, pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            finding_services.finding_create(visit=visit, user=request.user, **form.cleaned_data)
            messages.success(request, _("Problem recorded."))
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Fill in the problem, the advice and the deadline."))
    return redirect(visit)


class FindingList(ListPage):
    model = Finding
    select_related = ("visit__session__study_group",)
    filterset_class = FindingFilter
    table_class = FindingTable
    title = _("Rectification items")
    ordering = ("deadline", "pk")


class FindingDetail(DetailPage):
    model = Finding
    select_related = ("visit__session__study_group", "answered_by", "verified_by")
    template_name = "inspections/finding_detail.html"
    with_attachments = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding, user = self.object, self.request.user
        may_answer = policy.can(user, policy.Action.RECTIFY, Finding) and finding.status in Finding.OWED
        may_verify = policy.can(user, policy.Action.VERIFY, Finding) and finding.status == Finding.Status.ANSWERED
        context.update(
            answer_form=AnswerForm() if may_answer else None,
            return_form=ReturnForm() if may_verify else None,
            may_verify=may_verify,
            overdue=finding.is_overdue(),
        )
        if may_answer:
            context["answer_form"].helper.form_action = reverse("inspections:finding_answer", args=[finding.pk])
        if may_verify:
            context["return_form"].helper.form_action = reverse("inspections:finding_return", args=[finding.pk])
        return context


def _finding(request, pk, action) -> Finding:
    ensure_can(request.user, action, Finding)
    return get_object_or_404(Finding.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def finding_answer(request, pk):
    finding = _finding(request, pk, policy.Action.RECTIFY)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            finding_services.finding_answer(
                finding=finding,
                user=request.user,
                response=form.cleaned_data["response"],
                uploads=[form.cleaned_data["evidence"]],
            )
            messages.success(request, _("Answer sent."))
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(finding)


@login_required
@require_POST
def finding_close(request, pk):
    finding = _finding(request, pk, policy.Action.VERIFY)
    try:
        finding_services.finding_close(finding=finding, user=request.user)
        messages.success(request, _("Closed."))
    except ValidationError as error:
        _fail(request, error)
    return redirect(finding)


@login_required
@require_POST
def finding_return(request, pk):
    finding = _finding(request, pk, policy.Action.VERIFY)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            finding_services.finding_return(finding=finding, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Sent back."))
        except ValidationError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Give the reason for sending it back."))
    return redirect(finding)


# --- bulletin ----------------------------------------------------------------------------------


def _bulletin_node(user) -> OrgUnit:
    """The county (or region) the user oversees; a superuser sees the first root of the tree."""
    return user.scope_unit or OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()


@login_required
def bulletin(request):
    ensure_can(request.user, policy.Action.SUPERVISE)
    year = year_param(request.GET.get("year")) or timezone.localdate().year
    half = request.GET.get("half")
    period = Period.half(year, int(half)) if half in ("1", "2") else Period.year(year)
    data = bulletin_data(node=_bulletin_node(request.user), period=period)
    context = {"data": data, "year": year, "half": half or "", "rows": _bulletin_rows(data)}
    return render(request, "inspections/bulletin.html", context)


def _bulletin_rows(data) -> dict[str, str]:
    """The bulletin's long lists as HTML, the same the template's loops gave: a prefecture's year has some
    1,500 groups and hundreds of late visits, and a template loop costs ~0.1 ms a row."""
    numbers: dict[tuple, str] = {}

    def number(value) -> str:
        # Localised as the template does; the same few counts and averages recur (keyed by text: 1.0 ≠ 1.00).
        key = (type(value), str(value))
        if key not in numbers:
            numbers[key] = str(localize(value))
        return numbers[key]

    def day(value) -> str:
        # The template's |date:"Y-m-d", in the current time zone for a date-time.
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            value = template_localtime(value).date()
        return value.isoformat()

    url = reverse("inspections:visit_detail", args=[0])[: -len("0/")]
    due, missing = gettext("due"), gettext("missing")

    def late(visits) -> str:
        return format_html_join(
            "",
            '<li><a href="{}{}/">{} · {}</a> · {} {} · {}</li>',
            (
                (url, v.visit_id, v.group, day(v.session_day), due, day(v.due), day(v.done_at) or missing)
                for v in visits
            ),
        )

    return {
        "by_group": format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((g.name, number(g.visits), number(g.average_percent)) for g in data.by_group),
        ),
        "praised": conditional_escape("、".join(g.name for g in data.praised)),
        "criticised": conditional_escape("、".join(g.name for g in data.criticised)),
        "late_materials": late(data.late_materials),
        "late_summaries": late(data.late_summaries),
    }


app_name = "inspections"
urlpatterns = [
    path("plans/", PlanList.as_view(), name="plan_list"),
    path("plans/new/", PlanCreate.as_view(), name="plan_create"),
    path("plans/<int:pk>/", PlanDetail.as_view(), name="plan_detail"),
    path("plans/<int:pk>/propose/", plan_propose, name="plan_propose"),
    path("plans/<int:pk>/approve/", plan_approve, name="plan_approve"),
    path("plans/<int:pk>/targets/add/", target_add, name="target_add"),
    path("targets/<int:pk>/edit/", target_update, name="target_update"),
    path("targets/<int:pk>/withdraw/", target_withdraw, name="target_withdraw"),
    path("targets/<int:pk>/visit/", visit_create, name="visit_create"),
    path("flags/new/", flag_create, name="flag_create"),
    path("visits/", VisitList.as_view(), name="visit_list"),
    path("visits/<int:pk>/", VisitDetail.as_view(), name="visit_detail"),
    path("visits/<int:pk>/score/", visit_score, name="visit_score"),
    path("visits/<int:pk>/summary/", visit_summary, name="visit_summary"),
    path("visits/<int:pk>/publish/", visit_publish, name="visit_publish"),
    path("visits/<int:pk>/findings/", finding_create, name="finding_create"),
    path("rectification/", FindingList.as_view(), name="finding_list"),
    path("rectification/<int:pk>/", FindingDetail.as_view(), name="finding_detail"),
    path("rectification/<int:pk>/answer/", finding_answer, name="finding_answer"),
    path("rectification/<int:pk>/close/", finding_close, name="finding_close"),
    path("rectification/<int:pk>/return/", finding_return, name="finding_return"),
    path("bulletin/", bulletin, name="bulletin"),
]
