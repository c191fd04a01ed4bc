import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django_tables2 import A

from core.tables import DateColumn, DateTimeColumn
from inspections.models import Finding, InspectionPlan, Visit

DATE = "Y-m-d"


class PlanTable(tables.Table):
    year = tables.Column(linkify=("inspections:plan_detail", {"pk": A("pk")}))
    county = tables.Column(order_by=("county__name",))
    targets = tables.Column(verbose_name=_("Targets"), accessor="targets_n", orderable=False)
    key_targets = tables.Column(verbose_name=_("Key targets"), orderable=False)
    planned = tables.Column(verbose_name=_("Visits planned"), orderable=False)
    visits = tables.Column(verbose_name=_("Visits assigned"), orderable=False)
    approved_at = DateTimeColumn(format=DATE)

    class Meta:
        model = InspectionPlan
        fields = ["year", "county", "status", "targets", "key_targets", "planned", "visits", "approved_at"]
        attrs = {"class": "table table-sm", "id": "plans"}
        empty_text = _("No inspection plan yet.")


class VisitTable(tables.Table):
    session_starts_at = DateTimeColumn(
        verbose_name=_("Session"), format="Y-m-d H:i", linkify=("inspections:visit_detail", {"pk": A("pk")})
    )
    group = tables.Column(
        verbose_name=_("Study group"), accessor="session__study_group__name", order_by=("session__study_group__name",)
    )
    title = tables.Column(verbose_name=_("Subject"), accessor="session__title", orderable=False)
    kind = tables.Column()
    total = tables.Column()
    materials_late = tables.BooleanColumn(verbose_name=_("Materials late"))
    summary_late = tables.BooleanColumn(verbose_name=_("Summary late"))
    published_at = DateTimeColumn(format=DATE)

    class Meta:
        model = Visit
        fields = [
            "session_starts_at",
            "group",
            "title",
            "kind",
            "total",
            "materials_late",
            "summary_late",
            "published_at",
        ]
        attrs = {"class": "table table-sm", "id": "visits"}
        empty_text = _("No visit matches.")


class FindingTable(tables.Table):
    category = tables.Column(linkify=("inspections:finding_detail", {"pk": A("pk")}))
    group = tables.Column(
        verbose_name=_("Study group"),
        accessor="visit__session__study_group__name",
        order_by=("visit__session__study_group__name",),
    )
    description = tables.Column(orderable=False)
    deadline = DateColumn(format=DATE)
    status = tables.Column()
    times_returned = tables.Column()
    verified_at = DateTimeColumn(format=DATE)

    class Meta:
        model = Finding
        fields = ["category", "group", "description", "deadline", "status", "times_returned", "verified_at"]
        attrs = {"class": "table table-sm", "id": "findings"}
        empty_text = _("No rectification item matches.")
