"""Server-side SVG charts with Chinese labels, for pages and WeasyPrint PDFs alike.

Charts are drawn by pygal and returned as SVG markup with no script, no comment and no external
reference: text stays text in a CJK font installed on the server, so it is searchable in PDFs. Show a
chart as an image, never inline: the page's Content Security Policy allows ``data:`` images but no
inline styles, while an SVG loaded as an image keeps its own styles and never runs scripts.

    svg = bar_chart("各单位学习次数", ["宣传部", "组织部"], {"集中学习": [3, 5], "专题研讨": [1, 2]})
    {% load charts %}{% chart_img svg "各单位学习次数" %}      (in a page or a PDF template)

The ``<img>`` has the classes ``chart img-fluid``; a PDF stylesheet should give it ``max-width: 100%``.

A chart is a pure function of its arguments, and pygal takes tens of milliseconds for one of 150 bars, so
the markup is kept in the cache (Redis where configured) under a digest of the arguments and the active
language: the same numbers are drawn once, whoever asks; changed numbers make a new key. When the cache
fails the chart is drawn in the request, as without one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence

import pygal
from django.core.cache import cache
from django.utils.translation import get_language, gettext
from lxml import etree
from pygal.style import Style

from core.xlsx import display_width

Number = int | float
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif'
COLOURS = ("#c0392b", "#2e6da4", "#e6a23c", "#3c8d5a", "#7a5195", "#8c8c8c", "#d35400", "#16a085")
STYLE = Style(
    font_family=FONT_FAMILY,
    background="white",
    plot_background="white",
    foreground="rgba(0, 0, 0, .87)",
    foreground_strong="rgba(0, 0, 0, 1)",
    foreground_subtle="rgba(0, 0, 0, .3)",
    colors=COLOURS,
    title_font_size=18,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=12,
    tooltip_font_size=12,
    no_data_font_size=20,
    transition="0ms",
)
_COMMON = {
    "style": STYLE,
    "js": [],  # no scripts fetched from the internet
    "disable_xml_declaration": True,
    "explicit_size": True,  # width and height on <svg>, so <img> gets an intrinsic size
    "legend_at_bottom": True,
    "truncate_legend": -1,
    "truncate_label": -1,
}
_SVG_NS = "http://www.w3.org/2000/svg"
CACHE_SECONDS = 7 * 24 * 3600
_CACHE_VERSION = 1  # raise when the drawing changes (style, options, clean-up) to drop the kept markup
log = logging.getLogger(__name__)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    y_title: str | None = None,
    print_values: bool = False,
    x_label_rotation: int = 0,
    width: int = 800,
    height: int = 400,
) -> str:
    """Bars for each label, one colour per series (a horizontal chart suits long unit names)."""
    kind = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }[(horizontal, stacked)]
    options = {
        "width": width,
        "height": height,
        "print_values": print_values,
        "x_label_rotation": x_label_rotation,
        "y_title": y_title,
        "margin_left": _extra_left_margin(labels) if horizontal else 20,
    }
    return _drawn(kind, options, title, labels, series)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    y_title: str | None = None,
    print_values: bool = False,
    x_label_rotation: int = 0,
    width: int = 800,
    height: int = 400,
) -> str:
    """A line per series across ``labels`` (months, quarters); ``None`` leaves a gap."""
    options = {
        "width": width,
        "height": height,
        "print_values": print_values,
        "x_label_rotation": x_label_rotation,
        "y_title": y_title,
        "dots_size": 3,
        "allow_interruptions": True,
    }
    return _drawn(pygal.Line, options, title, labels, series)


def pie_chart(
    title: str,
    slices: Mapping[str, Number],
    *,
    donut: bool = False,
    print_values: bool = True,
    width: int = 600,
    height: int = 400,
) -> str:
    """One slice per entry of ``slices`` (name to value), values printed on the slices by default."""
    options = {"width": width, "height": height, "print_values": print_values, "inner_radius": 0.45 if donut else 0}
    return _drawn(pygal.Pie, options, title, None, {name: [value] for name, value in slices.items()})


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for an ``<img src>``, allowed by the site's ``img-src data:``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _drawn(kind, options: dict, title: str, labels: Sequence[str] | None, series: Mapping[str, Sequence]) -> str:
    """The chart's markup: kept from an earlier drawing of the same arguments, else drawn and kept."""
    labels = None if labels is None else [str(label) for label in labels]
    series = {str(name): list(values) for name, values in series.items()}
    if labels is not None:
        for name, values in series.items():
            if len(values) != len(labels):
                raise ValueError(f"Series {name!r} has {len(values)} values for {len(labels)} labels")
    options = {**options, "no_data_text": gettext("No data")}
    arguments = [_CACHE_VERSION, pygal.__version__, get_language(), kind.__name__, options, str(title), labels, series]
    digest = hashlib.sha256(json.dumps(arguments, ensure_ascii=False, default=str).encode()).hexdigest()
    key = f"chart:{digest}"
    svg = _cache("get", key)
    if svg is None:
        chart = kind(**_COMMON, **options)
        chart.title = title
        if labels is not None:
            chart.x_labels = labels
        for name, values in series.items():
            chart.add(name, values)
        svg = _to_markup(chart)
        _cache("set", key, svg, CACHE_SECONDS)
    return svg


def _cache(method: str, *args):
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:  # Redis down or slow: draw in the request
        log.warning("Cache unavailable for charts, drawing without it: %r", exc)
        return None


def _extra_left_margin(labels: Sequence[str], base: int = 20) -> int:
    """pygal sizes label space at 0.6 em a character; a CJK character takes a full em."""
    size = STYLE.label_font_size
    shortfall = max((display_width(label) * 0.5 - len(label) * 0.6) * size for label in labels) if labels else 0
    return base + max(0, round(shortfall))


def _to_markup(chart) -> str:
    """The chart's SVG without pygal's configuration script and comments (they name its web site), nor the
    tooltip text of each point (``<desc>``: read only by pygal's script, which an image never runs; a third
    of a chart of 150 bars)."""
    root = chart.render_tree()
    for node in list(root.iter(etree.Comment, "script", f"{{{_SVG_NS}}}script", "desc", f"{{{_SVG_NS}}}desc")):
        node.getparent().remove(node)
    return etree.tostring(root, encoding="unicode")


__all__ = ["bar_chart", "line_chart", "pie_chart", "svg_data_uri"]
