"""Every table of the app says so in a sentence when it is empty, and every column has a header."""

import importlib
from pathlib import Path

import django_tables2 as tables
import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_tables() -> list[type[tables.Table]]:
    """The tables declared in the project's apps (a base without its own Meta is not shown by itself)."""
    ours = {c.name for c in apps.get_app_configs() if Path(c.path).is_relative_to(ROOT)}
    for name in ours:
        if (ROOT / name.replace(".", "/") / "tables.py").exists():
            importlib.import_module(f"{name}.tables")
    found = {t for t in _subclasses(tables.Table) if t.__module__.split(".")[0] in ours and "Meta" in t.__dict__}
    return sorted(found, key=lambda t: t.__qualname__)


def test_the_app_has_its_tables():
    names = {t.__name__ for t in project_tables()}
    assert {"NotificationTable", "SessionTable", "MakeupTable", "ExamTable"} <= names


@pytest.mark.parametrize("table_class", project_tables(), ids=lambda t: t.__name__)
def test_an_empty_table_says_so_and_every_column_has_a_header(table_class, rf, admin_user):
    table = table_class(table_class._meta.model.objects.none())
    empty_text = str(table.empty_text or "").strip()
    assert empty_text, f"{table_class.__name__}: no empty_text"
    request = rf.get("/")
    request.user = admin_user
    assert empty_text in table.as_html(request)
    headers = [str(column.header).strip() for column in table.columns]
    assert all(headers), f"{table_class.__name__}: a column without a header: {headers}"
