"""Declared pages every app builds on: a list (scoped queryset, FilterSet, table, sort, search, pagination,
export), a form page, an edit page and a detail page. Templates: ``core/list.html`` and ``core/form.html``."""

import datetime
import decimal
from collections.abc import Iterable, Iterator, Sequence

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, OrderBy, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import (
    BooleanColumn,
    DateColumn,
    DateTimeColumn,
    LazyPaginator,
    RequestConfig,
    SingleTableMixin,
)
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundRow, BoundRows

from core import policy
from core.access import ScopedReadMixin, ScopedWriteMixin
from core.models import Attachment
from core.xlsx import Column, Sheet, xlsx_sheets_response

PAGE_SIZE = 25
EXPORT_CHUNK = 2000  # rows fetched at a time while an export streams to disk
TABLE_TEMPLATE = "core/table.html"  # the project's table: cells labelled, so a phone shows each row as a card


def _plain(value) -> str:
    """A filter's cleaned value as a reader of the export would write it."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model | str | int | decimal.Decimal):
        return str(value)
    if isinstance(value, Iterable):
        return "、".join(_plain(item) for item in value)
    return str(value)


def describe_filters(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value) of each filter the user set on a bound, validated filter form, as shown on screen."""
    described = []
    cleaned = getattr(form, "cleaned_data", None) or {}
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if value in (None, "", [], ()) or isinstance(field.widget, forms.HiddenInput):
            continue
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            labels = {str(key): label for key, label in field.choices}
            value = labels.get(str(value), value)
        described.append((str(field.label or name), _plain(value)))
    return described


class ExportMixin:
    """``?export=xlsx`` on a list: every row the list would show (its filters, search and sort), streamed
    through core.xlsx. The first rows of the sheet name the list, the filters, the sort and the time.

    Lists built on a django-tables2 table export its columns (action columns, marked ``exclude_from_export``
    or without a header, are left out); other lists override ``export_columns`` and ``export_rows``.
    """

    export_format = "xlsx"

    @property
    def exporting(self) -> bool:
        return self.request.GET.get("export") == self.export_format

    def get(self, request, *args, **kwargs):
        if not self.exporting:
            return super().get(request, *args, **kwargs)
        # FilterView.get, without the page around it.
        self.filterset = self.get_filterset(self.get_filterset_class())
        if not self.filterset.is_bound or self.filterset.is_valid() or not self.get_strict():
            self.object_list = self.filterset.qs
        else:
            self.object_list = self.filterset.queryset.none()
        return self.export_response()

    def get_table_pagination(self, table):
        return False if self.exporting else super().get_table_pagination(table)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.template_name = TABLE_TEMPLATE
        return table

    def export_title(self) -> str:
        return str(getattr(self, "title", "") or _("List"))

    def export_sort(self) -> list[str]:
        """The sort on screen, as column headers with their direction."""
        table = self._export_table()
        described = []
        for alias in table.order_by or ():
            name = alias.lstrip("-")
            if name in table.columns:
                direction = _("descending") if alias.startswith("-") else _("ascending")
                described.append(f"{table.columns[name].header}（{direction}）")
        return described

    def export_preamble(self) -> list[str]:
        lines = [self.export_title()]
        filters = describe_filters(self.filterset.form) if self.filterset.is_bound else []
        if filters:
            lines += [_("Filter · %(label)s: %(value)s") % {"label": label, "value": value} for label, value in filters]
        else:
            lines.append(_("Filters: none (every row you may see)"))
        sort = self.export_sort()
        if sort:
            lines.append(_("Sorted by: %(columns)s") % {"columns": "、".join(sort)})
        now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        lines.append(_("Exported at: %(time)s") % {"time": now})
        return lines

    def _export_table(self):
        if not hasattr(self, "_table_for_export"):
            self._table_for_export = self.get_table(**self.get_table_kwargs())
        return self._table_for_export

    def _export_bound_columns(self):
        return [
            column
            for column in self._export_table().columns
            if column.visible and str(column.header).strip() and not column.column.exclude_from_export
        ]

    def export_columns(self) -> Sequence[Column]:
        # "number" keeps numbers as numbers and writes anything else as text.
        return [Column(str(column.header), kind="number") for column in self._export_bound_columns()]

    def export_rows(self) -> Iterator[list]:
        table = self._export_table()
        columns = self._export_bound_columns()
        data = table.data.data  # the filtered queryset, ordered as the table sorts it
        records = data.iterator(chunk_size=EXPORT_CHUNK) if isinstance(data, QuerySet) else data
        for record in records:
            row = BoundRow(record, table=table)
            yield [self._export_value(row, column) for column in columns]

    @staticmethod
    def _export_value(row: BoundRow, column):
        if isinstance(column.column, DateColumn | DateTimeColumn):
            return strip_tags(row.get_cell(column.name)).strip()  # formatted as on screen, in local time
        value = row.get_cell_value(column.name)
        if isinstance(column.column, BooleanColumn):
            return _("Yes") if value == "True" else _("No")
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # as the screen shows it
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str):
            return " ".join(value.split())  # rendered templates carry line breaks and indents
        return value

    def export_response(self):
        title = self.export_title()
        sheet = Sheet(title, self.export_columns(), self.export_rows(), preamble=self.export_preamble())
        filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_sheets_response(filename, sheets=[sheet])

    def export_query(self) -> str:
        """The current query string with ``export`` set and the page dropped: the button's link."""
        query = self.request.GET.copy()
        query.pop("page", None)
        query["export"] = self.export_format
        return query.urlencode()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_query"] = self.export_query()
        return context


def total_order(queryset: QuerySet) -> QuerySet:
    """``queryset`` in its own order, ties broken by pk (in the direction of its last key, so an index on
    (key, id) serves both ways): the same rows on a page each time it is read, and a reversible order."""
    query = queryset.query
    if query.is_sliced or query.combinator:
        return queryset
    ordering = list(query.order_by)
    if not ordering and query.default_ordering:
        ordering = list(queryset.model._meta.ordering)
    pk_names = {"pk", queryset.model._meta.pk.attname, queryset.model._meta.pk.name}
    last = ordering[-1] if ordering else None
    if isinstance(last, str):
        if last == "?" or last.lstrip("-") in pk_names:
            return queryset
        descending = last.startswith("-")
    else:
        descending = isinstance(last, OrderBy) and last.descending
    return queryset.order_by(*ordering, "-pk" if descending else "pk")


class TotalOrderData(TableQuerysetData):
    """A list's rows: whatever order the table sets (its default or a column the user sorts by), pk breaks
    the ties, so pages neither repeat nor skip rows and :class:`EndPaginator` may read them backwards."""

    def order_by(self, aliases):
        super().order_by(aliases)
        self.data = total_order(self.data)


class EndPaginator(Paginator):
    """Django's paginator, reading a page of a list's queryset in two cheaper ways, with the same rows:

    - a page nearer the end than the start is read in reverse order with an OFFSET counted from the end,
      and turned round: the last page costs what the first does instead of making the database walk past
      every row before it (62,000 sessions for the auditor's last page);
    - the page's keys are picked by a narrow query (the ordering's columns only) and the rows read for
      those keys: the rows skipped or sorted are not joined to their select_related tables nor given their
      per-row subqueries (``with_count``), which PostgreSQL otherwise computes for every row an OFFSET skips.

    Only for a table over :class:`TotalOrderData`: in a total order the reversed query gives exactly the
    same rows (PostgreSQL and SQLite both put NULLs at the other end when the direction flips), and the
    keys' rows, ordered alike, come in the same order."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if not (isinstance(rows, BoundRows) and isinstance(rows.data, TotalOrderData)):
            return self._get_page(rows[bottom:top], number, self)
        queryset = rows.data.data
        if self.count - top < bottom:
            records = list(self._slice(queryset.reverse(), self.count - top, self.count - bottom))
            records.reverse()
        else:
            records = self._slice(queryset, bottom, top)
        return self._get_page(BoundRows(records, rows.table, rows.pinned_data), number, self)

    @staticmethod
    def _slice(queryset: QuerySet, start: int, stop: int) -> QuerySet:
        if queryset.query.distinct or queryset.query.combinator:
            return queryset[start:stop]  # keys and rows might not match one to one
        return queryset.filter(pk__in=queryset.values("pk")[start:stop])


class ListPage(ScopedReadMixin, ExportMixin, SingleTableMixin, FilterView):
    """A declared list: scoped queryset, FilterSet, table, pagination, export (``?export=xlsx``).

    ``ordering``, when given, orders the queryset (aggregation drops Meta.ordering, so lists that annotate
    order explicitly for stable pages); the "Add" link shows only to roles that may change ``model``.
    """

    paginate_by = PAGE_SIZE
    template_name = "core/list.html"
    title = ""
    create_url_name = ""
    ordering: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.order_by(*self.ordering) if self.ordering else queryset

    def get_paginate_by(self, queryset):
        # Only the table paginates: ListView paginating object_list as well would count the scope twice.
        return None

    def get_row_count(self) -> int | None:
        """How many rows the list has, when the view reads it anyway (beside a total of its own, in one
        aggregate over the same rows): the paginator then does not count them again."""
        return None

    def get_table(self, **kwargs):
        # SingleTableMixin.get_table, with a queryset's rows in a total order (TotalOrderData).
        data = self.get_table_data()
        if isinstance(data, QuerySet):
            data = TotalOrderData(total_order(data))
            data._length = self.get_row_count()  # None: the paginator counts them
        table = self.get_table_class()(data=data, **kwargs)
        table.template_name = TABLE_TEMPLATE
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(table)

    def get_table_pagination(self, table):
        if self.exporting or self.table_pagination is False:
            return False  # an export streams every row: no page, no count
        options = {"per_page": self.paginate_by} if self.paginate_by else {}
        options.update(self.table_pagination or {})
        if not options:
            return False
        options.setdefault("paginator_class", EndPaginator)
        if self.request.GET.get("q"):
            # A search shows the newest matches first without counting them all: a common two-character
            # term (学习) matches most of a prefecture, which an exact count would scan to the end.
            options["paginator_class"] = LazyPaginator
        return options

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        can_create = policy.can(self.request.user, policy.Action.CHANGE, self.model)
        context["create_url_name"] = self.create_url_name if can_create else ""
        context["breadcrumbs"] = [(_("Dashboard"), reverse("dashboard"))]
        return context


def this_year() -> int:
    return timezone.localdate().year


def year_param(value) -> int | None:
    """A year from a query parameter, or None when it is missing or absurd."""
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
            data["year"] = str(this_year())
        kwargs["data"] = data
        return kwargs

    @property
    def year(self) -> int:
        return year_param(self.request.GET.get("year", this_year())) or this_year()


def safe_referer(request) -> str | None:
    """The page the user came from, when it is this site and not the page itself."""
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if referer and same_site and referer != request.build_absolute_uri() else None


class FormPage(ScopedWriteMixin):
    """Create and edit pages: read-only roles get 403; the object comes from ``editable_by``.

    Every form has a cancel link (``cancel_url``: by default the record's page, else where the user came
    from, else the dashboard) and breadcrumbs (dashboard, the record, this page)."""

    template_name = "core/form.html"
    title = ""
    cancel_url = ""

    def get_cancel_url(self) -> str:
        if self.cancel_url:
            return str(self.cancel_url)
        record = getattr(self, "object", None)
        if record is not None and record.pk and hasattr(record, "get_absolute_url"):
            return record.get_absolute_url()
        return safe_referer(self.request) or reverse("dashboard")

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        crumbs = [(_("Dashboard"), reverse("dashboard"))]
        record = getattr(self, "object", None)
        if record is not None and record.pk and hasattr(record, "get_absolute_url"):
            crumbs.append((str(record), record.get_absolute_url()))
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["cancel_url"] = self.get_cancel_url()
        context["breadcrumbs"] = self.get_breadcrumbs()
        return context


class UpdatePage(FormPage, UpdateView):
    """Edit a row: another unit's row answers 404, a visible row this user may not change 403."""

    def get_object(self, queryset=None):
        user = self.request.user
        obj = get_object_or_404(self.model.objects.visible_to(user), pk=self.kwargs["pk"])
        if not self.model.objects.editable_by(user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj


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


class DetailPage(ScopedReadMixin, DetailView):
    """A record's page: ``can_edit`` when the user may change this row; its visible ``attachments`` if asked."""

    with_attachments = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if self.with_attachments:
            context["attachments"] = Attachment.objects.visible_to(user).of(self.object)
        context["can_edit"] = self.model.objects.editable_by(user).filter(pk=self.object.pk).exists()
        return context
