import functools
import weakref

import django_tables2 as tables
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils
from django_tables2.columns import library

from core.models import Notification


@functools.lru_cache(maxsize=512)
def _compiled(code: str) -> Template:
    return Template(code)


class _CompiledOnce:
    """django-tables2 compiles a column's ``template_code`` again for every cell (a date column: once per row,
    about a hundred compilations a page); the compiled template is kept instead. The rest is the library's
    ``TemplateColumn.render`` (django-tables2 3.0.1): the same context, the same output."""

    def render(self, record, table, value, bound_column, **kwargs):
        if not self.template_code:
            return super().render(record=record, table=table, value=value, bound_column=bound_column, **kwargs)
        parent_context = getattr(table, "context", Context())
        context = self.get_context_data(record=record, table=table, value=value, bound_column=bound_column, **kwargs)
        with parent_context.update(context):
            parent_context["request"] = getattr(table, "request", None)
            return _compiled(self.template_code).render(parent_context)


class TemplateColumn(_CompiledOnce, tables.TemplateColumn):
    pass


class _DateInPython:
    """The library's date columns render ``{{ value|date:format|default:default }}`` as a template for every cell;
    the same filter is called here (on the value in local time, as the template gives it to the filter)."""

    default_format = ""

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.date_format = format or (f"SHORT_{self.default_format}" if short else self.default_format)

    def render(self, value, bound_column, **kwargs):
        return date_filter(template_localtime(value), self.date_format) or bound_column.default


# Registered (dates before date-times, as the library does) so that the columns a table makes for its model's
# date fields are these too.
@library.register
class DateColumn(_DateInPython, tables.DateColumn):
    default_format = "DATE_FORMAT"


@library.register
class DateTimeColumn(_DateInPython, tables.DateTimeColumn):
    default_format = "DATETIME_FORMAT"


_library_signature = tables_utils.signature
# A method's function -> the signature of the function bound (self left out); dropped with the function.
_method_signatures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _signature(fn):
    """django-tables2 reads the signature of a cell's ``render_*``/``value_*`` method for every cell (250 a page
    of 25 rows, ``inspect`` the costliest step of a cell); a bound method's signature is the same for every
    object it is bound to, so it is read once per function. Other callables are read as the library does."""
    function = getattr(fn, "__func__", None)
    if function is None:
        return _library_signature(fn)
    found = _method_signatures.get(function)
    if found is None:
        found = _method_signatures[function] = _library_signature(fn)
    return found


def cache_render_signatures() -> None:
    """Called once from CoreConfig.ready()."""
    tables_utils.signature = _signature


class NotificationTable(tables.Table):
    created_at = DateTimeColumn(verbose_name=_("Sent at"), format="Y-m-d H:i")
    kind = tables.Column(verbose_name=_("Kind"), accessor="get_kind_display", order_by=("kind",))
    subject = TemplateColumn(
        template_name="core/includes/notification_subject.html", verbose_name=_("About"), orderable=False
    )
    message = TemplateColumn(
        template_name="core/includes/notification_message.html", verbose_name=_("Message"), orderable=False
    )

    class Meta:
        model = Notification
        empty_text = _("You have no notifications.")
        fields = ["created_at", "kind", "subject", "message"]
        order_by = ["-created_at"]
        attrs = {"class": "table table-sm", "id": "notifications"}
