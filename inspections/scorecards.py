"""Pages of the scorecard templates: the list, one template with its criteria (edited while unused), a new
template for a year and a new version of a used one."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_tables2.utils import A

from core import policy
from core.access import ensure_can
from core.models import OrgUnit
from core.pages import ListPage
from inspections.filters import ScorecardFilter
from inspections.models import Criterion, ScoreTemplate, Visit
from inspections.services import scorecards as services


class ScorecardTable(tables.Table):
    name = tables.Column(linkify=("inspections:scorecard_detail", {"pk": A("pk")}))
    county = tables.Column(order_by=("county__name",))
    criteria_n = tables.Column(verbose_name=_("Criteria"), orderable=False)
    in_use = tables.BooleanColumn(verbose_name=_("In use"), orderable=False)

    class Meta:
        model = ScoreTemplate
        fields = ["name", "county", "year", "version", "criteria_n", "in_use"]
        attrs = {"class": "table table-sm", "id": "scorecards"}
        empty_text = _("No scorecard yet.")


class ScorecardList(ListPage):
    model = ScoreTemplate
    select_related = ("county",)
    table_class = ScorecardTable
    filterset_class = ScorecardFilter
    title = _("Scorecards")
    template_name = "inspections/scorecard_list.html"
    ordering = ("-year", "county__name", "-version")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.SUPERVISE)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        used = Visit.objects.filter(template=OuterRef("pk"))
        return super().get_queryset().annotate(criteria_n=Count("criteria"), in_use=Exists(used))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if policy.can(self.request.user, policy.Action.CHANGE, ScoreTemplate):
            context["create_form"] = NewScorecardForm(user=self.request.user)
        return context


class NewScorecardForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        counties = OrgUnit.objects.editable_by(user).filter(kind=OrgUnit.Kind.COUNTY)
        self.fields["county"].queryset = counties
        if len(counties) == 1:
            self.fields["county"].initial = counties[0].pk
        self.fields["year"].initial = timezone.localdate().year


CriterionFormSet = forms.modelformset_factory(
    Criterion, fields=("order", "name", "weight", "maximum"), extra=1, can_delete=True
)


def _template(request, pk, *, change=False) -> ScoreTemplate:
    ensure_can(request.user, policy.Action.CHANGE if change else policy.Action.SUPERVISE, ScoreTemplate)
    rows = ScoreTemplate.objects.editable_by(request.user) if change else ScoreTemplate.objects.visible_to(request.user)
    return get_object_or_404(rows.select_related("county"), pk=pk)


@login_required
def scorecard_detail(request, pk):
    template = _template(request, pk)
    can_change = policy.can(request.user, policy.Action.CHANGE, ScoreTemplate) and (
        ScoreTemplate.objects.editable_by(request.user).filter(pk=pk).exists()
    )
    locked = template.is_locked()
    formset = None
    if can_change and not locked:
        criteria = Criterion.objects.filter(template=template).order_by("order", "pk")
        formset = CriterionFormSet(request.POST or None, queryset=criteria)
        if request.method == "POST":
            if formset.is_valid():
                try:
                    services.criteria_save(template=template, user=request.user, formset=formset)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("The scorecard is saved."))
                    return redirect("inspections:scorecard_detail", pk=template.pk)
    elif request.method == "POST":
        messages.error(request, _("This template is in use and cannot change; make a new version of it."))
        return redirect("inspections:scorecard_detail", pk=template.pk)
    context = {
        "object": template,
        "criteria": template.criteria.order_by("order", "pk"),
        "locked": locked,
        "can_change": can_change,
        "formset": formset,
    }
    return render(request, "inspections/scorecard_detail.html", context)


@login_required
@require_POST
def scorecard_create(request):
    ensure_can(request.user, policy.Action.CHANGE, ScoreTemplate)
    form = NewScorecardForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a county and a year."))
        return redirect("inspections:scorecard_list")
    template = services.template_create(
        county=form.cleaned_data["county"], year=form.cleaned_data["year"], user=request.user
    )
    messages.success(
        request, _("Scorecard %(name)s is made; edit its criteria before the first visit.") % {"name": template}
    )
    return redirect("inspections:scorecard_detail", pk=template.pk)


@login_required
@require_POST
def scorecard_new_version(request, pk):
    template = _template(request, pk, change=True)
    copy = services.template_new_version(template=template, user=request.user)
    messages.success(
        request, _("Version %(version)s is made; visits assigned from now on use it.") % {"version": copy.version}
    )
    return redirect("inspections:scorecard_detail", pk=copy.pk)


urlpatterns = [
    path("scorecards/", ScorecardList.as_view(), name="scorecard_list"),
    path("scorecards/new/", scorecard_create, name="scorecard_create"),
    path("scorecards/<int:pk>/", scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/new-version/", scorecard_new_version, name="scorecard_new_version"),
]
