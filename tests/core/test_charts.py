import base64
import re
import subprocess

import pytest
from django.template import Context, Template

from core.charts import bar_chart, line_chart, pie_chart, svg_data_uri

LABELS = ["宣传部", "组织部", "统战部理论学习中心组"]
SERIES = {"集中学习": [3, 5, 2], "专题研讨": [1, None, 4]}
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _all_charts() -> dict[str, str]:
    return {
        "bar": bar_chart("各中心组学习次数", LABELS, SERIES, y_title="次数"),
        "horizontal": bar_chart("各中心组学习次数", LABELS, SERIES, horizontal=True, stacked=True),
        "line": line_chart("月度出勤率", ["一月", "二月", "三月"], {"出勤率": [0.9, None, 0.95]}),
        "pie": pie_chart("心得体会构成", {"理论学习": 10, "调研报告": 4}, donut=True),
    }


@pytest.mark.parametrize("kind", ["bar", "horizontal", "line", "pie"])
def test_svg_is_self_contained_with_chinese_text(kind):
    svg = _all_charts()[kind]

    assert svg.startswith("<svg ")
    assert "<script" not in svg.lower()
    assert "<!--" not in svg
    assert "<desc" not in svg  # pygal's tooltips, for its script only
    assert "<foreignObject" not in svg
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= NAMESPACES
    assert "@import" not in svg and "url(" not in svg
    assert "Noto Sans CJK SC" in svg
    assert 'width="' in svg and 'height="' in svg


def test_labels_titles_and_series_names_are_text():
    svg = bar_chart("各中心组学习次数", LABELS, SERIES)

    texts = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert {"各中心组学习次数", *LABELS, *SERIES} <= set(texts)


def test_a_series_must_match_the_labels():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_chart("标题", LABELS, {"集中学习": [1, 2]})


def test_data_uri_round_trips():
    svg = pie_chart("构成", {"甲": 1})
    uri = svg_data_uri(svg)

    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


def test_template_tag_renders_an_img_with_a_data_uri():
    svg = bar_chart("学习次数", LABELS, SERIES)
    html = Template('{% load charts %}{% chart_img svg alt %}|<img src="{{ svg|svg_data_uri }}">').render(
        Context({"svg": svg, "alt": '学习次数 "全旗"'})
    )

    tag, own = html.split("|")
    assert tag.startswith('<img src="data:image/svg+xml;base64,')
    assert 'alt="学习次数 &quot;全旗&quot;"' in tag
    assert 'class="chart img-fluid"' in tag
    assert svg_data_uri(svg) in tag and svg_data_uri(svg) in own
    assert "<svg" not in html


def test_template_tag_renders_nothing_without_a_chart():
    assert Template("{% load charts %}{% chart_img svg '无' %}").render(Context({"svg": ""})) == ""


def test_weasyprint_pdf_keeps_the_chinese_labels_as_text_in_an_embedded_cjk_font(tmp_path):
    import weasyprint

    charts = [
        bar_chart("各中心组学习次数", LABELS, SERIES),
        pie_chart("心得体会构成", {"理论学习": 10, "调研报告": 4}),
    ]
    html = Template(
        "{% load charts %}<html><head><style>img { max-width: 100%; }</style></head><body>"
        "{% for svg in charts %}{% chart_img svg '图表' %}{% endfor %}</body></html>"
    ).render(Context({"charts": charts}))
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(weasyprint.HTML(string=html, base_url=None).write_pdf())

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for word in ["各中心组学习次数", *LABELS, *SERIES, "心得体会构成", "理论学习", "调研报告"]:
        assert word in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines()[2:] if "CJK" in line or "WenQuanYi" in line]
    assert cjk, fonts
    assert all(" yes " in line and "Type 3" not in line for line in cjk), fonts


def test_the_same_chart_is_drawn_once_and_other_numbers_are_drawn_again(monkeypatch):
    from django.core.cache import cache

    from core import charts

    cache.clear()
    drawn = []
    to_markup = charts._to_markup
    monkeypatch.setattr(charts, "_to_markup", lambda chart: drawn.append(chart) or to_markup(chart))
    first = bar_chart("学习次数", LABELS, SERIES, horizontal=True)
    assert bar_chart("学习次数", LABELS, SERIES, horizontal=True) == first and len(drawn) == 1
    # pygal gives each drawing its own id: the same markup back means it was not drawn again.
    bar_chart("学习次数", LABELS, {"集中学习": [3, 5, 2], "专题研讨": [1, None, 5]}, horizontal=True)
    assert len(drawn) == 2
    bar_chart("学习次数", LABELS, SERIES)  # the same numbers, drawn upright: another chart
    pie_chart("构成", {"甲": 1})
    pie_chart("构成", {"甲": 1})
    assert len(drawn) == 4


def test_a_failing_cache_still_draws_the_chart(monkeypatch, caplog):
    from core import charts

    class Broken:
        def get(self, *args):
            raise ConnectionError("redis down")

        set = get

    monkeypatch.setattr(charts, "cache", Broken())
    svg = bar_chart("学习次数", LABELS, SERIES)
    assert svg.startswith("<svg ") and "Cache unavailable for charts" in caplog.text
