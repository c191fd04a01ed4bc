"""Pages of the annual assessment: schemes (edited while unused, a new version once used), runs and their
results table (with the XLSX export), a group's result with its adjustments, compute, publish and the
recompute diff. Computing runs in the request: one query per indicator for the whole county, a second or
two for 150 groups; the recompute diff runs in Celery (assessment.tasks) and its page shows the stored result."""

from __future__ import annotations

import datetime

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST
from django_tables2.utils import A

from assessment import selectors, services
from assessment.filters import RunFilter, SchemeFilter
from assessment.forms import AdjustForm, ComputeForm, IndicatorFormSet, NewSchemeForm, PublishForm, SchemeForm
from assessment.models import Adjustment, Result, Run, RunComparison, Scheme
from core import charts, policy
from core.access import ensure_can
from core.models import OrgUnit
from core.pages import ListPage
from core.tables import DateTimeColumn
from core.xlsx import Column, xlsx_response

app_name = "assessment"


# ---- schemes ---------------------------------------------------------------------------------------------


class SchemeTable(tables.Table):
    name = tables.Column(linkify=("assessment:scheme_detail", {"pk": A("pk")}))
    county = tables.Column(order_by=("county__name",))
    indicators_n = tables.Column(verbose_name=gettext_lazy("Indicators"), orderable=False)
    in_use = tables.BooleanColumn(verbose_name=gettext_lazy("In use"), orderable=False)

    class Meta:
        model = Scheme
        fields = ["name", "county", "year", "version", "pass_threshold", "indicators_n", "in_use"]
        attrs = {"class": "table table-sm", "id": "schemes"}
        empty_text = gettext_lazy("No assessment scheme yet.")


class SchemeList(ListPage):
    model = Scheme
    select_related = ("county",)
    table_class = SchemeTable
    filterset_class = SchemeFilter
    title = gettext_lazy("Assessment schemes")
    template_name = "assessment/scheme_list.html"
    ordering = ("-year", "county__name", "-version")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.SUPERVISE)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        used = Run.objects.filter(scheme=OuterRef("pk"))
        return super().get_queryset().annotate(indicators_n=Count("indicators"), in_use=Exists(used))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if policy.can(self.request.user, policy.Action.CHANGE, Scheme):
            context["create_form"] = NewSchemeForm(user=self.request.user)
        return context


def _scheme(request, pk, *, change=False) -> Scheme:
    ensure_can(request.user, policy.Action.CHANGE if change else policy.Action.SUPERVISE, Scheme)
    rows = Scheme.objects.editable_by(request.user) if change else Scheme.objects.visible_to(request.user)
    return get_object_or_404(rows.select_related("county"), pk=pk)


@login_required
@require_POST
def scheme_create(request):
    ensure_can(request.user, policy.Action.CHANGE, Scheme)
    form = NewSchemeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a county and a year."))
        return redirect("assessment:scheme_list")
    scheme = services.scheme_create_default(
        county=form.cleaned_data["county"], year=form.cleaned_data["year"], user=request.user
    )
    messages.success(request, _("Scheme %(name)s is made; check its indicators before computing.") % {"name": scheme})
    return redirect("assessment:scheme_detail", pk=scheme.pk)


@login_required
def scheme_detail(request, pk):
    scheme = _scheme(request, pk)
    can_change = (
        policy.can(request.user, policy.Action.CHANGE, Scheme)
        and Scheme.objects.editable_by(request.user).filter(pk=pk).exists()
    )
    locked = scheme.is_locked()
    form = formset = None
    if can_change and not locked:
        form = SchemeForm(request.POST or None, instance=scheme, prefix="scheme")
        formset = IndicatorFormSet(request.POST or None, queryset=scheme.indicators.order_by("order", "pk"))
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            try:
                services.scheme_save(scheme=scheme, user=request.user, form=form, formset=formset)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The scheme is saved."))
                return redirect("assessment:scheme_detail", pk=scheme.pk)
    elif request.method == "POST":
        messages.error(
            request, _("This scheme was used to compute results, so it no longer changes; make a new version.")
        )
        return redirect("assessment:scheme_detail", pk=scheme.pk)
    context = {
        "object": scheme,
        "indicators": scheme.indicators.order_by("order", "pk"),
        "locked": locked,
        "can_change": can_change,
        "form": form,
        "formset": formset,
        "runs": Run.objects.visible_to(request.user).filter(scheme=scheme).order_by("-created_at", "-pk"),
    }
    return render(request, "assessment/scheme_detail.html", context)


@login_required
@require_POST
def scheme_new_version(request, pk):
    scheme = _scheme(request, pk, change=True)
    copy = services.scheme_new_version(scheme=scheme, user=request.user)
    messages.success(request, _("Version %(version)s is made; edit it, then compute.") % {"version": copy.version})
    return redirect("assessment:scheme_detail", pk=copy.pk)


@login_required
def run_compute(request, pk):
    """Confirm the cut-off time, then compute the county's year against the scheme."""
    ensure_can(request.user, policy.Action.CHANGE, Run)
    scheme = _scheme(request, pk, change=True)
    form = ComputeForm(request.POST or None, initial={"cutoff": timezone.localtime().replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.compute(scheme=scheme, cutoff=form.cleaned_data["cutoff"], user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The results are computed."))
            return redirect("assessment:run_detail", pk=run.pk)
    return render(request, "assessment/confirm.html", {"object": scheme, "form": form, "title": _("Compute results")})


# ---- runs and results ------------------------------------------------------------------------------------


class RunTable(tables.Table):
    year = tables.Column(linkify=("assessment:run_detail", {"pk": A("pk")}))
    county = tables.Column(order_by=("county__name",))
    scheme = tables.Column(order_by=("scheme__name",))
    cutoff = DateTimeColumn(format="Y-m-d H:i")
    created_at = DateTimeColumn(verbose_name=gettext_lazy("Computed at"), format="Y-m-d H:i")
    published_at = DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = Run
        fields = ["year", "county", "scheme", "cutoff", "created_at", "published_at"]
        attrs = {"class": "table table-sm", "id": "runs"}
        empty_text = gettext_lazy("No results computed or published yet.")


class RunList(ListPage):
    model = Run
    select_related = ("county", "scheme")
    table_class = RunTable
    filterset_class = RunFilter
    title = gettext_lazy("Assessment results")
    ordering = ("-year", "county__name", "-created_at", "-pk")


def _run(request, pk) -> Run:
    return get_object_or_404(Run.objects.visible_to(request.user).select_related("county", "scheme"), pk=pk)


def _newest(run: Run) -> bool:
    newest = Run.objects.filter(county_id=run.county_id, year=run.year).order_by("-created_at", "-pk").first()
    return newest == run


def export_columns(indicators) -> list[Column]:
    """The columns of the organisation department's 意识形态工作责任制考核 sheet."""
    return [
        Column(_("No."), kind="number"),
        Column(_("Unit")),
        Column(_("Study group")),
        Column(_("Unit kind")),
        *[Column(f"{i.label}（{i.weight}）", kind="number") for i in indicators],
        Column(_("Score from the records"), kind="number"),
        Column(_("Adjustment"), kind="number"),
        Column(_("Reasons for the adjustment")),
        Column(_("Total score"), kind="number"),
        Column(_("Rank in the county"), kind="number"),
        Column(_("Rank among its unit kind"), kind="number"),
        Column(_("Grade")),
    ]


def export_rows(rows):
    for number, row in enumerate(rows, start=1):
        reasons = "；".join(f"{a['points']}：{a['reason']}" for a in row.result.adjustments)
        yield [
            number,
            str(row.unit),
            str(row.study_group),
            row.unit_kind_label,
            *[cell.score if cell.score is not None else _("n/a") for cell in row.cells],
            row.score,
            row.adjustment,
            reasons or None,  # an empty cell, not an empty string
            row.total,
            row.rank,
            row.kind_rank,
            pgettext("assessment grade", "Passed") if row.passed else pgettext("assessment grade", "Failed"),
        ]


RESULTS_PER_PAGE = 50


@login_required
def run_detail(request, pk):
    """The run's results table in rank order, a page of RESULTS_PER_PAGE rows at a time (the ranks, the
    summary above the table and the export are over the whole run)."""
    run = _run(request, pk)
    indicators = selectors.run_indicators(run)
    results = Result.objects.visible_to(request.user)
    if request.GET.get("export") == "xlsx":
        title = _("%(county)s %(year)s study assessment results") % {"county": run.county, "year": run.year}
        filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
        rows = selectors.result_rows(run, results, indicators)
        return xlsx_response(filename, title, export_columns(indicators), export_rows(rows))
    summary = selectors.run_summary(run, results)
    paginator = Paginator(selectors.ordered_results(run, results), RESULTS_PER_PAGE)
    paginator.count = summary.groups  # known from the summary: no second count
    page = paginator.get_page(request.GET.get("page"))
    user = request.user
    context = {
        "object": run,
        "indicators": indicators,
        "summary": summary,
        "page_obj": page,
        "rows": selectors.rows_of(run, page.object_list, indicators),
        "is_newest": _newest(run),
        "can_compute": policy.can(user, policy.Action.CHANGE, Run)
        and Run.objects.editable_by(user).filter(pk=pk).exists(),
        "can_publish": policy.can(user, policy.Action.PUBLISH, Run)
        and Run.objects.editable_by(user).filter(pk=pk).exists(),
        "can_supervise": policy.can(user, policy.Action.SUPERVISE),
    }
    return render(request, "assessment/run_detail.html", context)


@login_required
def run_publish(request, pk):
    ensure_can(request.user, policy.Action.PUBLISH, Run)
    run = get_object_or_404(Run.objects.editable_by(request.user).select_related("county", "scheme"), pk=pk)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.publish(run=run, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The results are published to the groups."))
        return redirect("assessment:run_detail", pk=run.pk)
    return render(request, "assessment/confirm.html", {"object": run, "form": form, "title": _("Publish results")})


@login_required
def run_diff(request, pk):
    """The latest stored comparison of the run with what computing it now would give; a POST queues a new
    one (assessment.tasks), or finds the one already queued or running."""
    ensure_can(request.user, policy.Action.SUPERVISE)
    run = _run(request, pk)
    if request.method == "POST":
        _comparison, created = services.diff_request(run=run, user=request.user)
        if created:
            messages.success(request, _("The comparison is queued; this page shows it when it is ready."))
        else:
            messages.info(request, _("The comparison is already being computed."))
        return redirect("assessment:run_diff", pk=run.pk)
    comparisons = RunComparison.objects.filter(run=run).select_related("requested_by").order_by("-requested_at", "-pk")
    latest = comparisons.first()
    pending = latest if latest is not None and latest.is_active else None
    # While a new one is computed the page still shows the last one that finished.
    shown = comparisons.exclude(status__in=RunComparison.ACTIVE).first() if pending else latest
    context = {
        "object": run,
        "pending": pending,
        "comparison": shown,
        "diff": services.stored_diff(shown.data) if shown and shown.status == RunComparison.Status.DONE else None,
    }
    return render(request, "assessment/run_diff.html", context)


@require_GET
@login_required
def run_diff_status(request, pk):
    """The state of the run's latest comparison as JSON, polled by static/assessment/diff-status.js."""
    ensure_can(request.user, policy.Action.SUPERVISE)
    run = _run(request, pk)
    latest = RunComparison.objects.filter(run=run).order_by("-requested_at", "-pk").first()
    return JsonResponse(
        {
            "status": latest.status if latest else "",
            "status_label": latest.get_status_display() if latest else "",
            "error": latest.error if latest else "",
        },
        headers={"Cache-Control": "no-store"},
    )


def _result(request, pk) -> Result:
    rows = Result.objects.visible_to(request.user).select_related("run__county", "run__scheme", "study_group__unit")
    return get_object_or_404(rows, pk=pk)


@login_required
def result_detail(request, pk):
    result = _result(request, pk)
    run = result.run
    indicators = selectors.run_indicators(run)
    row = selectors.result_rows(run, Result.objects.filter(pk=result.pk), indicators)[0]
    user = request.user
    may_adjust = (
        not run.is_published
        and policy.can(user, policy.Action.CHANGE, Adjustment)
        and Result.objects.editable_by(user).filter(pk=pk).exists()
        and _newest(run)
    )
    context = {
        "object": result,
        "run": run,
        "row": row,
        "adjust_form": AdjustForm() if may_adjust else None,
    }
    return render(request, "assessment/result_detail.html", context)


@login_required
@require_POST
def result_adjust(request, pk):
    ensure_can(request.user, policy.Action.CHANGE, Adjustment)
    result = get_object_or_404(Result.objects.editable_by(request.user).select_related("run", "study_group"), pk=pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the points and the reason for the adjustment."))
        return redirect("assessment:result_detail", pk=pk)
    try:
        run = services.adjust(
            run=result.run,
            study_group=result.study_group,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )[1]
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("assessment:result_detail", pk=pk)
    messages.success(request, _("The adjustment is recorded and the results are computed again."))
    return redirect("assessment:result_detail", pk=run.results.get(study_group=result.study_group).pk)


# ---- charts ----------------------------------------------------------------------------------------------


def _charts(data: selectors.ChartData) -> list[tuple[str, str, str]]:
    """(id, title, svg) of each chart of the page, drawn by core.charts."""
    year = data.year
    months = [date_format(datetime.date(year, m, 1), "F") for m in range(1, 13)]  # 一月 … 十二月
    out = [
        (
            "chart-sessions",
            _("Sessions held per month, %(year)s") % {"year": year},
            charts.bar_chart(
                _("Sessions held per month, %(year)s") % {"year": year},
                months,
                {_("Sessions"): data.sessions_by_month},
            ),
        ),
    ]
    if data.attendance:
        names = [name for name, _rate in data.attendance]
        out.append(
            (
                "chart-attendance",
                _("Attendance rate by group, %(year)s (weakest first)") % {"year": year},
                charts.bar_chart(
                    _("Attendance rate by group, %(year)s (weakest first)") % {"year": year},
                    names,
                    {_("Attendance rate (%)"): [None if r is None else float(r) for _n, r in data.attendance]},
                    horizontal=True,
                    height=120 + 18 * len(names),
                ),
            )
        )
    if data.ranking:
        out.append(
            (
                "chart-ranking",
                _("Assessment scores, %(year)s") % {"year": year},
                charts.bar_chart(
                    _("Assessment scores, %(year)s") % {"year": year},
                    [name for name, _t in data.ranking],
                    {_("Total score"): [float(t) for _n, t in data.ranking]},
                    horizontal=True,
                    height=120 + 18 * len(data.ranking),
                ),
            )
        )
    if data.by_kind:
        out.append(
            (
                "chart-kinds",
                _("Indicators by unit kind (mean score as a share of the weight)"),
                charts.bar_chart(
                    _("Indicators by unit kind (mean score as a share of the weight)"),
                    data.indicator_labels,
                    data.by_kind,
                    horizontal=True,
                    height=160 + 30 * len(data.indicator_labels),
                ),
            )
        )
    if len(data.previous_year) > 1:
        out.append(
            (
                "chart-years",
                _("This year against last year (mean score as a share of the weight)"),
                charts.bar_chart(
                    _("This year against last year (mean score as a share of the weight)"),
                    data.indicator_labels,
                    {str(y): values for y, values in sorted(data.previous_year.items())},
                    horizontal=True,
                    height=160 + 30 * len(data.indicator_labels),
                ),
            )
        )
    if data.spread:
        out.append(
            (
                "chart-spread",
                _("Best and weakest groups over the years (evenness)"),
                charts.line_chart(
                    _("Best and weakest groups over the years (evenness)"),
                    [str(y) for y, *_rest in data.spread],
                    {
                        _("Best"): [float(best) for _y, best, _m, _w in data.spread],
                        _("Median"): [float(median) for _y, _b, median, _w in data.spread],
                        _("Weakest"): [float(weakest) for _y, _b, _m, weakest in data.spread],
                        _("Gap"): [float(best - weakest) for _y, best, _m, weakest in data.spread],
                    },
                ),
            )
        )
    return out


@login_required
def charts_page(request):
    """The county's assessment in charts, for staff and auditors: sessions per month, attendance by group,
    the score ranking, indicators by unit kind, this year against last, and the spread over the years."""
    ensure_can(request.user, policy.Action.SUPERVISE)
    counties = list(OrgUnit.objects.visible_to(request.user).filter(kind=OrgUnit.Kind.COUNTY).order_by("path", "name"))
    if not counties:
        raise Http404
    county = next((c for c in counties if str(c.pk) == request.GET.get("county")), counties[0])
    runs = Run.objects.visible_to(request.user)
    years = sorted(set(runs.filter(county=county).values_list("year", flat=True)), reverse=True)
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = years[0] if years else timezone.localdate().year
    data = selectors.chart_data(county, year, runs, Result.objects.visible_to(request.user))
    context = {
        "counties": counties,
        "county": county,
        "years": years,
        "year": year,
        "data": data,
        "charts": _charts(data),
    }
    return render(request, "assessment/charts.html", context)


urlpatterns = [
    path("charts/", charts_page, name="charts"),
    path("schemes/", SchemeList.as_view(), name="scheme_list"),
    path("schemes/new/", scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/new-version/", scheme_new_version, name="scheme_new_version"),
    path("schemes/<int:pk>/compute/", run_compute, name="run_compute"),
    path("results/", RunList.as_view(), name="run_list"),
    path("runs/<int:pk>/", run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/diff/", run_diff, name="run_diff"),
    path("runs/<int:pk>/diff/status/", run_diff_status, name="run_diff_status"),
    path("results/<int:pk>/", result_detail, name="result_detail"),
    path("results/<int:pk>/adjust/", result_adjust, name="result_adjust"),
]
