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


def test_date_columns_compile_no_template_and_render_as_the_library_does():
    """django-tables2 compiles a date column's template for every cell; core.tables' columns call the date
    filter instead and give the same cells (local time, the short format by default, the empty default)."""
    import datetime
    from unittest import mock

    from django.utils import timezone

    from core import tables as core_tables

    moment = timezone.make_aware(datetime.datetime(2025, 12, 31, 23, 30), datetime.UTC)  # 1 January in Shanghai
    rows = [{"day": datetime.date(2025, 1, 1) + datetime.timedelta(days=i), "at": moment} for i in range(30)]
    rows.append({"day": None, "at": None})

    class Ours(tables.Table):
        day = core_tables.DateColumn(format="Y-m-d")
        at = core_tables.DateTimeColumn(format="Y-m-d H:i")
        short = core_tables.DateColumn(accessor="day")

    class Library(tables.Table):
        day = tables.DateColumn(format="Y-m-d")
        at = tables.DateTimeColumn(format="Y-m-d H:i")
        short = tables.DateColumn(accessor="day")

    with mock.patch.object(core_tables, "Template", wraps=core_tables.Template) as compile_template:
        ours = [list(row) for row in Ours(rows).rows]
    assert compile_template.call_count == 0
    assert ours == [list(row) for row in Library(rows).rows]
    assert ours[0][:2] == ["2025-01-01", "2026-01-01 07:30"]
    assert ours[-1] == ["—", "—", "—"]
