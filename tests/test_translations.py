"""The UI speaks Simplified Chinese: every string in the code has a real zh_Hans translation.

A string can be marked in many ways: gettext and its lazy, plural (ngettext) and context (pgettext)
variants, imported under any name or reached through the module, and in templates translate/trans and
blocktranslate/blocktrans (with count, context, trimmed). Two checks together see all of them:
makemessages on a copy of the sources (what the catalogue will really be built from), and a reading of the
Python syntax tree that follows every import of django.utils.translation, whatever it is called, so a
string behind an alias that makemessages cannot see is caught too. Probe files with every form, planted in
the copy, prove that each check catches what it must.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("config", "core", "studygroups", "inspections", "outreach", "assessment", "reports", "demo")
SOURCE_DIRS += ("templates", "static")
TRANSLATION_MODULE = "django.utils.translation"
# Marking function: (index of the msgid, of the plural, of the context) among its arguments.
MARKERS = {
    "gettext": (0, None, None),
    "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None),
    "ngettext": (0, 1, None),
    "ngettext_lazy": (0, 1, None),
    "pgettext": (1, None, 0),
    "pgettext_lazy": (1, None, 0),
    "npgettext": (1, 2, 0),
    "npgettext_lazy": (1, 2, 0),
}

PROBE_PY = """
from django.utils import translation
from django.utils import translation as tr
import django.utils.translation
import django.utils.translation as t9n
from django.utils.translation import gettext, gettext_lazy as _, gettext as _t, gettext_lazy as lazy
from django.utils.translation import ngettext, ngettext_lazy as nl, pgettext, pgettext_lazy as pl
from django.utils.translation import npgettext, npgettext_lazy, gettext_noop as noop

again = _t

gettext("probe gettext")
_("probe underscore")
_t("probe alias")
lazy("probe lazy alias")
again("probe assigned alias")
ngettext("probe one", "probe many", 2)
nl("probe lazy one", "probe lazy many", 2)
pgettext("probe context", "probe pgettext")
pl("probe context", "probe pgettext lazy")
npgettext("probe context", "probe np one", "probe np many", 2)
npgettext_lazy("probe context", "probe npl one", "probe npl many", 2)
noop("probe noop")
translation.gettext("probe module")
tr.gettext_lazy("probe module alias")
django.utils.translation.gettext("probe dotted")
t9n.ngettext("probe dotted one", "probe dotted many", 2)
translation.ngettext_lazy("probe module lazy one", "probe module lazy many", 2)
translation.pgettext_lazy("probe context", "probe module pgettext lazy")
"""
PROBE_PY_IDS = {
    (None, "probe gettext"),
    (None, "probe underscore"),
    (None, "probe alias"),
    (None, "probe lazy alias"),
    (None, "probe assigned alias"),
    (None, "probe one"),
    (None, "probe lazy one"),
    ("probe context", "probe pgettext"),
    ("probe context", "probe pgettext lazy"),
    ("probe context", "probe np one"),
    ("probe context", "probe npl one"),
    (None, "probe noop"),
    (None, "probe module"),
    (None, "probe module alias"),
    (None, "probe dotted"),
    (None, "probe dotted one"),
    (None, "probe module lazy one"),
    ("probe context", "probe module pgettext lazy"),
}
# What makemessages (xgettext) cannot see: names it does not know (it matches the last name before the
# parenthesis, so `translation.gettext(...)` and `t9n.ngettext(...)` are seen).
PROBE_PY_HIDDEN = {
    (None, "probe alias"),
    (None, "probe lazy alias"),
    (None, "probe assigned alias"),
    (None, "probe lazy one"),
    ("probe context", "probe pgettext lazy"),
    (None, "probe noop"),
}
PROBE_HTML = """{% load i18n %}
<p title="{% translate 'probe attribute' %}">{% trans "probe trans" %} {% translate "probe translate" context "probe context" %}</p>
{% blocktranslate with name=user %}probe block {{ name }}{% endblocktranslate %}
{% blocktrans trimmed %}
  probe trimmed
{% endblocktrans %}
{% blocktranslate count counter=3 context "probe context" %}probe block one{% plural %}probe block {{ counter }}{% endblocktranslate %}
{% translate "probe as" as probe %}{{ probe }}
"""
PROBE_HTML_IDS = {
    (None, "probe attribute"),
    (None, "probe trans"),
    ("probe context", "probe translate"),
    (None, "probe block %(name)s"),
    (None, "probe trimmed"),
    ("probe context", "probe block one"),
    (None, "probe as"),
}


def _untranslated(po_text: str) -> list[tuple[str | None, str]]:
    catalogue = polib.pofile(po_text)
    return [(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def _translated_keys(po_path: Path) -> set[tuple[str | None, str, str | None]]:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural or None)
        for e in polib.pofile(str(po_path))
        if not e.obsolete and e.translated() and "fuzzy" not in e.flags
    }


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr}"
    return None


def marked_strings(source: str, filename: str = "<probe>") -> list[tuple[str | None, str, str | None, str]]:
    """Every (context, msgid, plural, where) marked in Python source, whatever the marking function is called.

    An f-string or other non-literal as the msgid of a marking call is reported with msgid "<not a literal>"
    when it is not a plain variable (which may hold a string marked elsewhere with gettext_noop).
    """
    tree = ast.parse(source, filename)
    functions: dict[str, str] = {}  # local name -> marking function
    modules: set[str] = {TRANSLATION_MODULE}  # names that stand for the translation module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for alias in node.names:
                if alias.name in MARKERS:
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "django.utils":
            modules.update(a.asname or a.name for a in node.names if a.name == "translation")
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if a.name == TRANSLATION_MODULE and a.asname)
    for node in ast.walk(tree):  # plain re-binding: `again = gettext`
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in functions:
            functions.update({t.id: functions[node.value.id] for t in node.targets if isinstance(t, ast.Name)})
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name in functions:
            marker = functions[name]
        elif name and "." in name and name.rsplit(".", 1)[0] in modules and name.rsplit(".", 1)[1] in MARKERS:
            marker = name.rsplit(".", 1)[1]
        else:
            continue
        where = f"{filename}:{node.lineno}"
        msgid_at, plural_at, context_at = MARKERS[marker]

        def literal(index, call=node):
            arg = call.args[index] if index is not None and index < len(call.args) else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
            return None if arg is None or isinstance(arg, ast.Name | ast.Attribute) else "<not a literal>"

        msgid = literal(msgid_at)
        if msgid is not None:
            found.append((literal(context_at), msgid, literal(plural_at), where))
    return found


def _python_files(root: Path):
    for name in SOURCE_DIRS:
        folder = root / name
        if folder.exists():
            yield from (p for p in folder.rglob("*.py") if "vendor" not in p.parts and "migrations" not in p.parts)


def missing_in_python(root: Path, po_path: Path) -> list[tuple[str | None, str, str | None, str]]:
    catalogue = _translated_keys(po_path)
    missing = []
    for path in _python_files(root):
        for context, msgid, plural, where in marked_strings(path.read_text(encoding="utf-8"), str(path)):
            if (context, msgid, plural) not in catalogue:
                missing.append((context, msgid, plural, where))
    return missing


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    problems = _untranslated(PO.read_text(encoding="utf-8"))
    assert problems == [], f"{len(problems)} untranslated or fuzzy: {problems[:20]}"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the sources with probes planted: only the probes may be new."""
    for name in SOURCE_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "vendor"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "core" / "i18n_probe.py").write_text(PROBE_PY, encoding="utf-8")
    (tmp_path / "templates" / "i18n_probe.html").write_text(PROBE_HTML, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    fresh = set(_untranslated((tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text("utf-8")))
    probes = (PROBE_PY_IDS - PROBE_PY_HIDDEN) | PROBE_HTML_IDS
    assert probes <= fresh, f"makemessages no longer sees: {sorted(probes - fresh, key=str)}"
    problems = sorted(fresh - probes, key=str)
    assert problems == [], f"run makemessages (see README) and translate: {problems[:20]}"


def test_every_string_marked_in_python_is_in_the_catalogue_whatever_the_function_is_called():
    missing = missing_in_python(ROOT, PO)
    assert missing == [], f"not in the catalogue (or marked in a way makemessages cannot see): {missing[:20]}"


def test_the_syntax_tree_check_sees_every_way_of_marking_a_string(tmp_path):
    found = {(context, msgid) for context, msgid, _plural, _where in marked_strings(PROBE_PY)}
    assert found == PROBE_PY_IDS
    plurals = {msgid: plural for _c, msgid, plural, _w in marked_strings(PROBE_PY)}
    assert plurals["probe npl one"] == "probe npl many" and plurals["probe gettext"] is None
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "probe.py").write_text(PROBE_PY + '_(f"probe {1}")\n', encoding="utf-8")
    missing = {(c, m) for c, m, _p, _w in missing_in_python(tmp_path, PO)}
    assert missing == PROBE_PY_IDS | {(None, "<not a literal>")}


def test_translation_functions_are_imported_as_themselves_or_as_underscore():
    """The house rule: `gettext`/`gettext_lazy` as `_`; any other alias hides strings from makemessages."""
    wrong = []
    for path in _python_files(ROOT):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
                wrong += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {a.name} as {a.asname}"
                    for a in node.names
                    if a.asname not in (None, "_", a.name)
                ]
    assert wrong == []


def test_an_entry_without_translation_is_caught():
    sample = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain"\n\nmsgid "Save"\nmsgstr ""\n\n#, fuzzy\nmsgid "Edit"\nmsgstr "编辑"\n\nmsgid "Log in"\nmsgstr "登录"\n'
    assert _untranslated(sample) == [(None, "Save"), (None, "Edit")]


def test_translations_keep_every_placeholder():
    """A translation that drops %(name)s would crash or mislead at run time."""
    import re

    placeholder = re.compile(r"%\((\w+)\)")
    wrong = []
    for entry in polib.pofile(str(PO)):
        translated = entry.msgstr or entry.msgstr_plural.get(0, "")
        if set(placeholder.findall(entry.msgid)) != set(placeholder.findall(translated)):
            wrong.append(entry.msgid)
    assert wrong == []
