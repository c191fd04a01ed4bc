"""Figures from several tables in one SQL statement: a dashboard's counts cost one round trip, not one each."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value


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
