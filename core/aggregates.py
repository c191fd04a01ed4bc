"""Figures from several tables in one SQL statement: a dashboard's counts cost one round trip, not one each."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connections
from django.db.models import Exists, Max, Min, QuerySet, Value
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


def years_with_rows(rows: QuerySet, field: str) -> list[int]:
    """The years (local calendar years for a date-time) in which ``rows`` have a ``field``, newest first.

    The same years as ``SELECT DISTINCT EXTRACT(YEAR ...)`` over ``rows``, without reading every row of a
    scope (and joining each to its unit): the first and last year of the whole table (an index on ``field``
    answers at its two ends), then, in one statement, an EXISTS per year in between over ``rows``, each
    stopping at its first row."""
    model = rows.model
    bounds = model._base_manager.aggregate(first=Min(field), last=Max(field))
    if bounds["first"] is None:
        return []
    first, last = (
        (timezone.localtime(value) if isinstance(value, datetime.datetime) else value).year
        for value in (bounds["first"], bounds["last"])
    )
    if last - first >= _YEARS_CHECKED:
        years = rows.order_by().annotate(_year=ExtractYear(field)).values_list("_year", flat=True).distinct()
        return sorted(years, reverse=True)
    checks = {f"y{year}": Exists(rows.filter(**{f"{field}__year": year})) for year in range(last, first - 1, -1)}
    found = model._base_manager.order_by().annotate(**checks).values(*checks)[:1]
    return [int(name[1:]) for row in found for name, present in row.items() if present]
