"""The body rows of the project's table (core/table.html), written here rather than by the template's nested
loops: a page of 25 rows and 10 columns is 250 cells, and each ``{% for %}``/``{{ }}``/``{% if %}`` of the
library's row template costs more than the cell's own value. The output is the template's: each cell's ``td``
attributes, its column's header as ``data-label``, the value localised as the column asks and escaped as
``{{ cell }}`` would be."""

from django import template
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _td(attrs: str, label: str, value: str) -> str:
    return f'<td {attrs} data-label="{label}">{value}</td>' if attrs else f'<td data-label="{label}">{value}</td>'


@register.simple_tag(takes_context=True)
def table_rows(context, table) -> str:
    labels: dict[str, str] = {}  # a column's header, escaped once per page
    rows = []
    for row in table.paginated_rows:
        cells = []
        for column, cell in row.items():
            if column.name not in labels:
                labels[column.name] = conditional_escape(column.header)
            if column.localize is not None:
                cell = localize(cell) if column.localize else unlocalize(cell)
            cells.append(_td(column.attrs["td"].as_html(), labels[column.name], render_value_in_context(cell, context)))
        attrs = row.attrs.as_html()
        rows.append(f"<tr {attrs}>{''.join(cells)}</tr>" if attrs else f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))
