"""Figures from several tables in one SQL statement: a dashboard's counts cost one round trip, not one each.

The project's one place for statements the ORM cannot say; the querysets in them are compiled by Django."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connections
from django.db.models import Exists, F, IntegerField, Max, Min, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import ExtractYear
from django.utils import timezone


def aggregate_together(*parts: tuple[QuerySet, dict[str, Any]]) -> dict[str, Any]:
    """``QuerySet.aggregate()`` of several querysets at once: ``parts`` are ``(queryset, {name: aggregate})``
    pairs, the result one dict of every name (names must differ between parts).

    Each part is an aggregate without GROUP BY, so it gives exactly one row even over no rows (a count of 0,
    an average of None, as ``aggregate()`` gives); the rows are joined side by side."""
    names: list[str] = []
    selects, params, compilers = [], [], []
    using = parts[0][0].db
    for index, (queryset, aggregates) in enumerate(parts):
        if set(aggregates) & set(names):
            raise ValueError(f"aggregate names repeated: {set(aggregates) & set(names)}")
        # Grouping by a constant is no grouping: one row whatever the queryset holds.
        query = (
            queryset.order_by().annotate(_all=Value(1)).values("_all").annotate(**aggregates).values(*aggregates)
        ).query
        compiler = query.get_compiler(using)
        sql, part_params = compiler.as_sql()
        selects.append(f"({sql}) AS part{index}")
        params.extend(part_params)
        names.extend(aggregates)
        compilers.append((compiler, len(aggregates)))
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT * FROM " + " CROSS JOIN ".join(selects), params)
        row = cursor.fetchone()
    values, start = [], 0
    for compiler, width in compilers:
        # The values as aggregate() returns them (decimals, dates...), by the compiler's own converters.
        converters = compiler.get_converters([column[0] for column in compiler.select])
        values.extend(next(iter(compiler.apply_converters([list(row[start : start + width])], converters))))
        start += width
    return dict(zip(names, values, strict=True))


# Beyond this many years between the table's first and last row, one EXISTS per year costs more than it saves.
_YEARS_CHECKED = 40


def _field_at(model, path: str):
    """The model field that ``path`` (``"session__starts_at"``) names, followed from ``model``."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _year(value) -> int:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).year
    return value.year if isinstance(value, datetime.date) else value


def years_with_rows(rows: QuerySet, field: str) -> list[int]:
    """The years (local calendar years for a date-time) in which ``rows`` have a ``field``, newest first.

    ``field`` is a date, a date-time or a year (an integer), on the rows or across a relation
    (``"session__starts_at"``).

    The same years as ``SELECT DISTINCT EXTRACT(YEAR ...)`` over ``rows``, without reading every row of a
    scope (and joining each to its unit): the first and last year of the whole table that holds ``field``
    (an index on ``field`` answers at its two ends; across a relation, the related table's bounds hold every
    row's), then, in one statement, an EXISTS per year in between over ``rows``, each stopping at its first
    row."""
    model = rows.model
    target = _field_at(model, field)
    bounds = target.model._base_manager.aggregate(first=Min(target.name), last=Max(target.name))
    if bounds["first"] is None:
        return []
    first, last = _year(bounds["first"]), _year(bounds["last"])
    of_year = field if isinstance(target, IntegerField) else f"{field}__year"
    if last - first >= _YEARS_CHECKED:
        column = F(field) if isinstance(target, IntegerField) else ExtractYear(field)
        years = rows.order_by().annotate(_year=column).values_list("_year", flat=True).distinct()
        return sorted((year for year in years if year is not None), reverse=True)
    checks = {f"y{year}": Exists(rows.filter(**{of_year: year})) for year in range(last, first - 1, -1)}
    found = model._base_manager.order_by().annotate(**checks).values(*checks)[:1]
    return [int(name[1:]) for row in found for name, present in row.items() if present]
