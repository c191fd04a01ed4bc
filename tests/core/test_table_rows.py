"""The project's table writes its body rows in Python (core/templatetags/table_rows.py) and reads each cell
method's signature once (core/tables.py): the markup must be the one the library's row template gives."""

import datetime
import re
from decimal import Decimal

import django_tables2 as tables
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import format_html

from core import tables as core_tables

# The library's row loop as core/table.html had it before the rows were written by the tag.
LIBRARY_ROWS = Template(
    "{% load l10n %}{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    '{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }} data-label="{{ column.header }}">'
    "{% if column.localize == None %}{{ cell }}{% else %}{% if column.localize %}{{ cell|localize }}"
    "{% else %}{{ cell|unlocalize }}{% endif %}{% endif %}</td>{% endfor %}</tr>{% endfor %}"
)
TAG_ROWS = Template("{% load table_rows %}{% table_rows table %}")


class SampleTable(tables.Table):
    name = tables.Column(verbose_name='Name <"quoted">', attrs={"td": {"class": lambda record: f"k-{record['kind']}"}})
    amount = tables.Column(localize=False)
    share = tables.Column(localize=True)
    day = tables.Column()
    link = tables.Column(empty_values=())

    def render_link(self, value, record):
        return format_html('<a href="/x/{}/">{}</a>', record["kind"], record["name"])

    class Meta:
        row_attrs = {"data-kind": lambda record: record["kind"]}


ROWS = [
    {
        "name": "<b>党建</b> & 学习",
        "kind": "a",
        "amount": 12345,
        "share": Decimal("0.5"),
        "day": datetime.date(2025, 3, 1),
    },
    {"name": "第二行", "kind": "b", "amount": None, "share": Decimal("1.25"), "day": None},
]


def _normalised(html: str) -> str:
    return re.sub(r"<(td|tr) +", r"<\1 ", re.sub(r">\s+<", "><", html)).replace("<tr >", "<tr>").strip()


def _render(template: Template, table) -> str:
    return template.render(Context({"table": table}))


def test_the_rows_are_the_library_rows_markup():
    table = SampleTable(ROWS)
    table.paginate(per_page=25)
    tag = _render(TAG_ROWS, table)
    assert _normalised(tag) == _normalised(_render(LIBRARY_ROWS, table))
    # What that markup is: escaped text, the label escaped, attributes per record, a link kept as HTML.
    assert "&lt;b&gt;党建&lt;/b&gt; &amp; 学习" in tag
    assert 'data-label="Name &lt;&quot;quoted&quot;&gt;"' in tag
    assert '<td class="k-b" data-label=' in tag and '<tr data-kind="a" class="even">' in tag
    assert '<a href="/x/a/">&lt;b&gt;党建' in tag
    assert tag.count("<tr") == 2


def test_an_empty_table_shows_its_empty_text_once(rf: RequestFactory):
    html = Template("{% load django_tables2 %}{% render_table table 'core/table.html' %}").render(
        Context({"table": SampleTable([], empty_text="没有数据"), "request": rf.get("/")})
    )
    assert re.search(r'<tbody[^>]*>\s*<tr><td colspan="5">没有数据</td></tr>\s*</tbody>', html)


def test_a_cell_methods_signature_is_read_once_per_function():
    core_tables._method_signatures.clear()
    first, second = SampleTable(ROWS), SampleTable(ROWS)
    _render(TAG_ROWS, first)
    assert core_tables._method_signatures[SampleTable.render_link] == (("value", "record"), None)
    cached = core_tables._method_signatures[SampleTable.render_link]
    _render(TAG_ROWS, second)  # bound to another table: the same entry, and the right cells
    assert core_tables._method_signatures[SampleTable.render_link] is cached
    assert '<a href="/x/b/">第二行</a>' in _render(TAG_ROWS, second)
