"""``{% score_cell cell %}``: one score of the results table (assessment.selectors.Cell), drawn in Python.

The table has a cell for each group and indicator (fifty rows of fifteen on a page); one tag per cell costs
a fraction of the template markup it replaces, with the same output: the score linked to the records behind
it and titled with the measured value and its unit, or a dash when the score is left out of the total.
"""

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def score_cell(cell) -> str:
    if cell.score is None:
        return format_html('<span class="text-muted" title="{}">—</span>', gettext("Left out of the total"))
    score = localize(cell.score)
    if not cell.url:
        return score
    value = "" if cell.value is None else localize(cell.value)
    return format_html('<a href="{}" title="{} {}">{}</a>', cell.url, value, cell.indicator.unit, score)
