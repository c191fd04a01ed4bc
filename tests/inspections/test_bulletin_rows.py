"""The bulletin page's long lists, built in Python, give the HTML the template's loops gave."""

import datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import timezone, translation

from core.models import OrgUnit
from inspections.selectors.bulletin import Bulletin, GroupScore, LateVisit
from inspections.views import _bulletin_rows
from studygroups.selectors.stats import Period

# The template's loops before the lists were built in Python.
LOOPS = Template(
    "{% load i18n %}"
    "{% for g in data.by_group %}<tr><td>{{ g.name }}</td><td>{{ g.visits }}</td>"
    "<td>{{ g.average_percent }}</td></tr>{% endfor %}|"
    "{% for g in data.praised %}{{ g.name }}{% if not forloop.last %}、{% endif %}{% endfor %}|"
    "{% for v in data.late_materials %}<li><a href=\"{% url 'inspections:visit_detail' v.visit_id %}\">"
    '{{ v.group }} · {{ v.session_day|date:"Y-m-d" }}</a> · {% translate "due" %} {{ v.due|date:"Y-m-d" }} · '
    '{{ v.done_at|date:"Y-m-d"|default:_("missing") }}</li>{% endfor %}'
)


def test_the_lists_match_the_template_loops(db):
    shanghai = timezone.get_current_timezone()
    late_evening_utc = datetime.datetime(2025, 3, 4, 17, 30, tzinfo=datetime.UTC)  # 5 March in Shanghai
    groups = [
        GroupScore(1, "<b>甲 & 乙</b>", "department", 3, Decimal("85.3")),
        GroupScore(2, "丙", "township", 12, Decimal("100.0")),
        GroupScore(3, "丁", "township", 1, Decimal("0.0")),
        GroupScore(4, "戊", "township", 1200, Decimal("7.5")),
        GroupScore(5, "己", "township", 2, None),
    ]
    late = [
        LateVisit(7, "甲 & 乙", datetime.date(2025, 3, 1), datetime.date(2025, 2, 27), None),
        LateVisit(8, "<丙>", datetime.date(2025, 3, 2), datetime.date(2025, 3, 3), late_evening_utc),
        LateVisit(9, "丁", datetime.date(2025, 3, 2), datetime.date(2025, 3, 3), late_evening_utc.astimezone(shanghai)),
    ]
    data = Bulletin(
        node=OrgUnit(name="县"), period=Period.year(2025), by_group=groups, praised=groups[:2], late_materials=late
    )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            rows = _bulletin_rows(data)
            expected = LOOPS.render(Context({"data": data}))
            assert "|".join([rows["by_group"], rows["praised"], rows["late_materials"]]) == expected
    assert "2025-03-05" in expected and "&lt;b&gt;" in expected
