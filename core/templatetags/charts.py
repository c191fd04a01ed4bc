"""``{% chart_img svg alt %}``: a chart from ``core.charts`` as an ``<img>`` with a ``data:`` URI.

The page's Content Security Policy allows ``data:`` images but not inline styles, so a chart is never
put into a page as inline ``<svg>``. WeasyPrint renders the same tag with the text kept as text.
"""

from django import template
from django.utils.html import format_html

from core.charts import svg_data_uri

register = template.Library()


@register.simple_tag
def chart_img(svg: str, alt: str, css_class: str = "chart img-fluid") -> str:
    if not svg:
        return ""
    return format_html('<img src="{}" alt="{}" class="{}">', svg_data_uri(svg), alt, css_class)


@register.filter(name="svg_data_uri")
def svg_data_uri_filter(svg: str) -> str:
    """``{{ svg|svg_data_uri }}`` where a template builds its own ``<img>``."""
    return svg_data_uri(svg) if svg else ""
