"""Pages for the Excel import: the upload form (errors listed by row) and the blank template."""

from urllib.parse import quote

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.access import ensure_can
from core.models import OrgUnit
from core.policy import Action
from studygroups.importing import TEMPLATE_FILENAME, XLSX_CONTENT_TYPE, RowError, build_template, import_workbook


class ImportForm(forms.Form):
    county = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("County"))
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, counties: QuerySet[OrgUnit] | None, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff of one county import into it; anyone else (superusers) picks the county.
        if counties is None:
            del self.fields["county"]
        else:
            self.fields["county"].queryset = counties
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Import")))


def _own_county(user) -> OrgUnit | None:
    """The county a staff member works for; None when the user must pick one."""
    unit = user.scope_unit
    if user.is_superuser or unit is None or unit.kind != OrgUnit.Kind.COUNTY:
        return None
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    ensure_can(user, Action.IMPORT)
    own_county = _own_county(user)
    counties = None
    if own_county is None:
        counties = OrgUnit.objects.editable_by(user).filter(kind=OrgUnit.Kind.COUNTY)
        if not counties.exists():
            raise PermissionDenied(_("Your account is not attached to a county."))
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ImportForm(*data, counties=counties)
    errors: list[RowError] = []
    if form.is_bound and form.is_valid():
        county = own_county or form.cleaned_data["county"]
        result = import_workbook(file=form.cleaned_data["file"], county=county, user=user)
        if result.ok:
            messages.success(request, result.summary())
            return redirect("studygroups:import_upload")
        errors = result.errors
    context = {"form": form, "errors": errors, "county": own_county, "title": _("Import units and members")}
    return render(request, "studygroups/import_upload.html", context)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    ensure_can(request.user, Action.IMPORT)
    response = HttpResponse(build_template(), content_type=XLSX_CONTENT_TYPE)
    # An ASCII name for old clients, the Chinese one in RFC 5987 form for the rest.
    response["Content-Disposition"] = (
        f"attachment; filename=\"import-template.xlsx\"; filename*=UTF-8''{quote(TEMPLATE_FILENAME)}"
    )
    return response


urlpatterns = [
    path("import/", import_upload, name="import_upload"),
    path("import/template.xlsx", import_template, name="import_template"),
]
