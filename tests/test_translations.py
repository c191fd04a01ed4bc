"""The UI speaks Simplified Chinese: every string in the code has a real zh_Hans translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("config", "core", "studygroups", "inspections", "outreach", "reports", "demo", "templates", "static")


def _untranslated(po_text: str) -> list[str]:
    catalogue = polib.pofile(po_text)
    return [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    problems = _untranslated(PO.read_text(encoding="utf-8"))
    assert problems == [], f"{len(problems)} untranslated or fuzzy: {problems[:20]}"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the sources: no new string may appear untranslated."""
    for name in SOURCE_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "vendor"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location", "-v0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    fresh = (tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    problems = _untranslated(fresh)
    assert problems == [], f"run `make messages-update` and translate: {problems[:20]}"


def test_an_entry_without_translation_is_caught():
    sample = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain"\n\nmsgid "Save"\nmsgstr ""\n\n#, fuzzy\nmsgid "Edit"\nmsgstr "编辑"\n\nmsgid "Log in"\nmsgstr "登录"\n'
    assert _untranslated(sample) == ["Save", "Edit"]


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
