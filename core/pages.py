"""Declared pages every app builds on: a list (scoped queryset, FilterSet, table, sort, search, pagination),
a form page, an edit page and a detail page. Templates: ``core/list.html`` and ``core/form.html``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from core import policy
from core.access import ScopedReadMixin, ScopedWriteMixin
from core.models import Attachment

PAGE_SIZE = 25


class ListPage(ScopedReadMixin, SingleTableMixin, FilterView):
    """A declared list: scoped queryset, FilterSet, table, pagination.

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

    def get_table_pagination(self, table):
        if not self.paginate_by:
            return False
        options = {"per_page": self.paginate_by}
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


class FormPage(ScopedWriteMixin):
    """Create and edit pages: read-only roles get 403; the object comes from ``editable_by``."""

    template_name = "core/form.html"
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
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
