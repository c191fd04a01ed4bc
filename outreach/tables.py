"""Every table of the outreach app."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DateColumn, DateTimeColumn
from outreach.models import ExchangeVisit, Need, Pairing, PartyDay, Post

DATE = "Y-m-d"


class PairingTable(tables.Table):
    pair = tables.Column(verbose_name=_("Pair"), accessor="pk", linkify=True, orderable=False)

    class Meta:
        model = Pairing
        empty_text = _("No pairing matches.")
        fields = ["year", "pair", "is_active", "extra_allowed"]

    def render_pair(self, record):
        return f"{record.group_a.unit.name} ⇄ {record.group_b.unit.name}"


class VisitTable(tables.Table):
    title = tables.Column(linkify=True)
    starts_at = DateTimeColumn(format="Y-m-d H:i")
    host_group = tables.Column(order_by=("host_group__name",))
    guest_group = tables.Column(order_by=("guest_group__name",))
    cancelled_at = DateTimeColumn(format="Y-m-d")

    class Meta:
        model = ExchangeVisit
        empty_text = _("No exchange visit matches.")
        fields = ["starts_at", "title", "host_group", "guest_group", "place", "cancelled_at"]


class PartyDayTable(tables.Table):
    theme = tables.Column(linkify=True)
    held_on = DateColumn(format=DATE)
    branch = tables.Column(order_by=("branch__name",))
    households = tables.Column(verbose_name=_("Households visited"), accessor="households_visited", orderable=False)

    class Meta:
        model = PartyDay
        empty_text = _("No party day matches.")
        fields = ["held_on", "branch", "theme", "households"]


class NeedTable(tables.Table):
    description = tables.Column(linkify=True)
    branch = tables.Column(order_by=("branch__name",))
    raised_on = DateColumn(format=DATE)
    due_on = DateColumn(format=DATE)
    done_on = DateColumn(format=DATE)

    class Meta:
        model = Need
        empty_text = _("No need matches.")
        fields = ["raised_on", "branch", "category", "description", "status", "due_on", "done_on"]
        row_attrs = {"class": lambda record: "table-warning" if record.is_overdue() else ""}

    def render_description(self, value):
        return value if len(value) <= 40 else value[:39] + "…"


class PostTable(tables.Table):
    title = tables.Column(linkify=True)
    column = tables.Column(order_by=("column__name",))
    published_on = DateColumn(format=DATE)

    class Meta:
        model = Post
        empty_text = _("No post matches.")
        fields = ["published_on", "column", "title", "tags", "required"]


class CoverageTable(tables.Table):
    """A township's (or department's) party days, households and needs of the year; rows are its study groups
    with their ``counts`` (selectors.counts.OutreachCounts) and ``branch_rows`` attached by the page."""

    group = tables.Column(verbose_name=_("Township or department"), accessor="unit__name")
    party_days = tables.Column(verbose_name=_("Party days"), accessor="counts__party_days")
    households_visited = tables.Column(verbose_name=_("Households visited"), accessor="counts__households_visited")
    households = tables.Column(verbose_name=_("Households"), accessor="counts__households")
    coverage = tables.Column(verbose_name=_("Coverage"), accessor="counts__coverage")
    needs_raised = tables.Column(verbose_name=_("Needs raised"), accessor="counts__needs_raised")
    needs_done_on_time = tables.Column(verbose_name=_("Done on time"), accessor="counts__needs_done_on_time")
    needs_overdue = tables.Column(verbose_name=_("Overdue"), accessor="counts__needs_overdue")
    branches = tables.Column(verbose_name=_("Branches (visited / households)"), accessor="branch_rows")

    class Meta:
        empty_text = _("No branches in your scope.")
        orderable = False
        attrs = {"id": "coverage", "class": "table table-sm"}

    def render_coverage(self, value):
        return f"{value}%"

    def render_branches(self, value):
        return "；".join(f"{name} {visited}/{households or '—'}" for name, visited, households in value)


class PostReadingTable(tables.Table):
    title = tables.Column(linkify=True)
    column = tables.Column(order_by=("column__name",))
    published_on = DateColumn(format=DATE)
    readers = tables.Column(verbose_name=_("Readers"))

    class Meta:
        model = Post
        empty_text = _("No post matches.")
        fields = ["published_on", "column", "title", "required", "readers"]
        # Most read first: the view orders by the annotation, which a table on any queryset cannot name.
