"""The PDF renderer loads nothing it was not meant to: no local file, no address in the network, no redirect,
whatever a record holds; user text is escaped by the templates; fonts come from settings."""

import http.server
import subprocess
import threading

import pytest

from reports import pdf
from reports.models import ReportKind, SummaryNarrative
from reports.rendering import ReportRequest, build, half_year_html
from reports.selectors import half_year_data


@pytest.fixture
def local_server():
    """An HTTP server on 127.0.0.1 that records every request: /redirect answers 302 to /secret.css."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/secret.css")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red; }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_the_fetcher_refuses_files_the_network_and_unknown_schemes():
    fetcher = pdf.SafeFetcher()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:8000/admin/",
        "https://example.com/a.png",
        "ftp://example.com/x",
        "static:../../../etc/passwd",
        "static:/etc/passwd",
        "font:nothing",
        "javascript:alert(1)",
    ):
        with pytest.raises(pdf.FetchRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8
    assert fetcher.fetch("data:text/plain;base64,5a2m5Lmg").read() == "学习".encode()
    assert b"@page" in fetcher.fetch("static:reports/document.css").read()


def test_a_document_with_hostile_links_loads_nothing(local_server, tmp_path):
    base, hits = local_server
    html = (
        '<html><head><link rel="stylesheet" href="{base}/style.css"></head><body>'
        '<img src="file:///etc/passwd"><img src="{base}/redirect"><img src="/etc/passwd">'
        '<p style="background: url({base}/bg.png)">中心组学习</p>'
        "<style>@import url({base}/import.css);</style></body></html>"
    ).replace("{base}", base)
    fetcher = pdf.SafeFetcher()
    out = tmp_path / "hostile.pdf"
    out.write_bytes(pdf.render_pdf(html, fetcher=fetcher))
    assert hits == []
    assert f"{base}/style.css" in fetcher.refused and "file:///etc/passwd" in fetcher.refused
    assert f"{base}/redirect" in fetcher.refused
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "中心组学习" in text and "root:" not in text


def test_user_text_in_a_record_is_escaped_and_loads_nothing(county, local_server, tmp_path):
    base, hits = local_server
    hostile = f'<img src="file:///etc/passwd"><link rel="stylesheet" href="{base}/a.css"><img src="{base}/redirect">'
    SummaryNarrative.objects.create(org=county.home.county, year=2025, half=1, practices=hostile)
    session = county.sessions[0]
    session.title = f'<img src="{base}/title.png">学习全会精神'
    session.save()
    html = half_year_html(half_year_data(org=county.home.county, group=None, year=2025, half=1))
    assert "<img" not in html and "<link" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    out = tmp_path / "summary.pdf"
    build(ReportRequest(kind=ReportKind.HALF_YEAR, format="pdf", year=2025, half=1, org=county.home.county), out)
    assert hits == []
    text = "".join(
        subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert '<imgsrc="file:///etc/passwd">' in text  # shown as the text it is


def test_configured_font_files_are_embedded_and_missing_ones_fail_loudly(settings, tmp_path):
    settings.REPORT_FONT_FILES = {"title": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "body": ""}
    css = pdf.font_css()
    assert 'src: url("font:title")' in css and '"report-title"' in css
    out = tmp_path / "fonts.pdf"
    out.write_bytes(pdf.render_pdf('<h1 class="font-title">年终资料</h1><p>正文</p>'))
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    # The configured file is embedded (subsetted) under its role's family; the body keeps the installed font.
    assert "+report-title" in fonts and "Noto-Serif-CJK-SC" in fonts, fonts
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts.splitlines()[2:]), fonts
    settings.REPORT_FONT_FILES = {"body": str(tmp_path / "missing.otf")}
    with pytest.raises(FileNotFoundError):
        pdf.font_css()
