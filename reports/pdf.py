"""HTML to PDF with WeasyPrint, deny by default.

The fetcher loads only ``data:`` URIs (charts), the app's own static files (``static:css/x.css``) and the
font files a site configured (``font:body``); ``file://``, ``http(s)://``, relative paths and anything else
are refused, so a record cannot make the renderer read a local file, call an address inside the network
or follow a redirect. Style sheets are passed as strings; templates escape user text (Django autoescape).

Fonts: ``REPORT_FONT_FILES`` maps the roles ``title`` (小标宋), ``body`` (仿宋) and ``heading`` (黑体) to
font files a site holds a licence for; a role without a file uses the installed family of
``REPORT_FONT_FAMILIES`` (the free Noto CJK fonts scripts/system-deps.sh installs). WeasyPrint embeds
the fonts subsetted to the characters used, so ``pdftotext`` gives back the Chinese text.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

FONT_ROLES = ("title", "body", "heading")
FONT_MIME = {".otf": "font/otf", ".ttf": "font/ttf", ".ttc": "font/collection", ".woff": "font/woff"}


class FetchRefused(ValueError):
    """A resource the report may not load (WeasyPrint logs it and renders without it)."""


class SafeFetcher(URLFetcher):
    """Fetch ``data:``, ``static:`` and ``font:`` URLs; refuse everything else before any I/O."""

    def __init__(self):
        # No HTTP, file or redirect handler is ever used: fetch() below never calls the opener for them.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "static":
            return self._file(_static_path(url[len("static:") :]), url)
        if scheme == "font":
            return self._file(_font_path(url[len("font:") :]), url)
        self.refused.append(url)
        raise FetchRefused(f"Refused to load {url!r}: reports load only their own static files, fonts and data: URIs")

    def _file(self, path: Path | None, url: str):
        if path is None:
            self.refused.append(url)
            raise FetchRefused(f"Refused to load {url!r}: not one of the app's static files or configured fonts")
        mime = FONT_MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def _static_path(name: str) -> Path | None:
    """A file of the app's own static tree (no ``..``, no absolute path, no symlink out of it)."""
    if not name or name.startswith("/") or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if not found:
        return None
    path = Path(found).resolve()
    roots = [Path(root).resolve() for root in settings.STATICFILES_DIRS]
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        return None
    return path


def _font_path(role: str) -> Path | None:
    configured = font_files().get(role)
    return Path(configured) if configured else None


def font_files() -> dict[str, str]:
    """The configured font files that exist, by role (a missing file fails loudly: a site meant to use it)."""
    files = {}
    for role, path in (getattr(settings, "REPORT_FONT_FILES", {}) or {}).items():
        if not path:
            continue
        if role not in FONT_ROLES:
            raise ValueError(f"REPORT_FONT_FILES: unknown role {role!r} (one of {FONT_ROLES})")
        if not Path(path).is_file():
            raise FileNotFoundError(f"REPORT_FONT_FILES[{role!r}] = {path!r} is not a readable file")
        files[role] = path
    return files


def font_css() -> str:
    """``@font-face`` rules for configured font files, and the families of each role as CSS variables."""
    families = getattr(settings, "REPORT_FONT_FAMILIES", {})
    files = font_files()
    rules, stacks = [], {}
    for role in FONT_ROLES:
        installed = families.get(role, "Noto Serif CJK SC")
        if role in files:
            rules.append(f'@font-face {{ font-family: "report-{role}"; src: url("font:{role}"); }}')
            stacks[role] = f'"report-{role}", "{installed}"'
        else:
            stacks[role] = f'"{installed}"'
    fallback = '"Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", serif'
    for role in FONT_ROLES:
        rules.append(f".font-{role} {{ font-family: {stacks[role]}, {fallback}; }}")
    # On html, not body: the @page footer inherits from the root element.
    rules.append(f"html {{ font-family: {stacks['body']}, {fallback}; }}")
    return "\n".join(rules)


def stylesheet(name: str) -> str:
    """One of reports' style sheets (static/reports/), read as a string."""
    path = _static_path(f"reports/{name}")
    if path is None:
        raise FileNotFoundError(name)
    return path.read_text(encoding="utf-8")


def render_pdf(html: str, *, css: str = "", fetcher: SafeFetcher | None = None) -> bytes:
    """The PDF of ``html`` (already escaped by its template) with ``css`` and the font rules, as bytes."""
    from weasyprint.text.fonts import FontConfiguration

    fetcher = fetcher or SafeFetcher()
    fonts = FontConfiguration()  # @font-face rules (configured font files) register here
    sheets = [weasyprint.CSS(string=font_css(), url_fetcher=fetcher, font_config=fonts)]
    if css:
        sheets.append(weasyprint.CSS(string=css, url_fetcher=fetcher, font_config=fonts))
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)
