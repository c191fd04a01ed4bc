"""Every table of the app says so in a sentence when it is empty, and every column has a header."""

import importlib
from pathlib import Path

import django_tables2 as tables
import pytest
from django.apps import apps
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[1]


def project_tables() -> list[type[tables.Table]]:
    for config in apps.get_app_configs():
        if Path(config.path).is_relative_to(ROOT) and (Path(config.path) / "tables.py").exists():
            importlib.import_module(f"{config.name}.tables")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {t for t in subclasses(tables.Table) if t.__module__.split(".")[0] in {c.name for c in apps.get_app_configs()}}
        - {t for t in subclasses(tables.Table) if "Meta" not in t.__dict__},  # bases for others, never shown
        key=lambda t: t.__qualname__,
    )


def test_the_app_has_its_tables():
    names = {t.__name__ for t in project_tables()}
    assert {"NotificationTable", "SessionTable", "MakeupTable", "ExamTable"} <= names


@pytest.mark.parametrize("table_class", project_tables(), ids=lambda t: t.__name__)
def test_an_empty_table_says_so_and_every_column_has_a_header(table_class, rf: RequestFactory, admin_user):
    table = table_class(table_class._meta.model.objects.none() if table_class._meta.model else [])
    assert str(table._meta.empty_text or "").strip(), f"{table_class.__name__}: no empty_text"
    request = rf.get("/")
    request.user = admin_user
    html = table.as_html(request)
    assert str(table._meta.empty_text) in html
    headers = [str(column.header).strip() for column in table.columns]
    assert all(headers), f"{table_class.__name__}: a column without a header: {headers}"
