"""The fields a browser would send from a form of a page (for the load test and the fault scripts)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """The fields a browser would send from one form: inputs, checked boxes, selected options, text areas."""

    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag in ("input", "select", "textarea"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select":
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append([self._select, a.get("value", "")])
                self._select = None
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.append([self._select, self._first_option or ""])  # none selected: the first
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, form_id: str | None = None) -> dict:
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
