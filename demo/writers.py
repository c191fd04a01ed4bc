"""Audited bulk writes fast enough for the prefecture scale (bench/seed_demo.py: 300 s).

Rows go in with their history rows, dated at the row's ``created_at`` and by its ``created_by``: on
PostgreSQL by COPY with ids taken from the table's sequence (elsewhere by ``bulk_create()``), and the
history rows are copied from them by one INSERT ... SELECT per batch instead of being built in Python.
Deletions write their "-" history rows the same way. Steps use :class:`Rows` and :func:`row`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone

from core.models import User

BATCH_SIZE = 5000


@contextmanager
def _entry_times(model):
    """Let bulk creation keep the created_at/updated_at set on the rows.

    Django's pre_save stamps auto_now_add and auto_now fields with the current time even in
    bulk_create(); the demo's rows carry the moment they would have been entered instead.
    """
    fields = [model._meta.get_field("created_at"), model._meta.get_field("updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


_ROW_FIELDS: dict[type, tuple[dict, dict]] = {}


def reset() -> None:
    """Forget the fields' defaults read by :func:`row` (they may read settings); done before each run."""
    _ROW_FIELDS.clear()


def row(model, **values):
    """An unsaved ``model`` instance made without Model.__init__ (several times faster, which counts at a
    million rows): the fields' defaults, then ``values`` by attribute name, relations by object or id."""
    spec = _ROW_FIELDS.get(model)
    if spec is None:
        fields = model._meta.concrete_fields
        defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}
        spec = _ROW_FIELDS[model] = (defaults, {f.name: f.attname for f in fields if f.is_relation})
    defaults, relations = spec
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    state.update(defaults)
    for name, value in values.items():
        attname = relations.get(name)
        if attname is not None:
            state[attname] = None if value is None else value.pk
            obj._state.fields_cache[name] = value
        elif name in defaults:
            state[name] = value
        else:
            raise TypeError(f"{model.__name__} has no field {name!r}")
    return obj


def create_with_history(model, objs: list) -> None:
    """Insert ``objs`` and a "+" history row for each, dated at its created_at and by its created_by.

    The same rows as core.scoping.bulk_create_audited() with each row's _history_date and _history_user
    set, written several times faster, which the prefecture scale needs (three quarters of a million
    attendance rows). The rows must carry created_at and updated_at: nothing stamps them here.
    """
    table, pk = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = [f.attname for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, len(objs)]
            )
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = value
                obj._state.adding, obj._state.db = False, connection.alias
            columns = ", ".join(qn(c) for c in [pk, *(f.column for f in fields)])
            relations = [f for f in fields if f.is_relation]
            with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    values = obj.__dict__
                    for f in relations:  # a related object assigned before it was saved (bulk_create() checks this)
                        if values[f.attname] is None and obj._state.fields_cache.get(f.name) is not None:
                            related = obj._state.fields_cache[f.name]
                            if related.pk is None:
                                raise ValueError(f"{model.__name__}.{f.name} points to an unsaved object.")
                            values[f.attname] = related.pk
                    copy.write_row([obj.pk, *(values[name] for name in names)])
    else:
        with _entry_times(model):
            model._base_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    copy_to_history(model, [obj.pk for obj in objs], kind="+", date="created_at", user="created_by_id")


def _which(chunk: list) -> tuple[str, list]:
    # One array parameter on PostgreSQL: binding thousands of parameters costs more than the insert.
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [chunk]
    return f"IN ({', '.join(['%s'] * len(chunk))})", list(chunk)


def copy_to_history(
    model, pks: list, *, kind: str, date: str, user: str, params: tuple = (), reason: str | None = None
) -> None:
    """Copy rows of ``model`` into its history table as ``kind`` ("+", "~", "-") rows, one INSERT ... SELECT
    per batch. ``date`` and ``user`` are SQL over the row's columns (or "%s" taking ``params``)."""
    history = model.history.model
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in history.tracked_fields)
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH_SIZE):
            which, chunk = _which(pks[i : i + BATCH_SIZE])
            cursor.execute(
                f"INSERT INTO {qn(history._meta.db_table)} ({columns}, history_date, history_type, history_user_id, "
                f"history_change_reason) SELECT {columns}, {date}, %s, {user}, %s FROM {qn(model._meta.db_table)} "
                f"WHERE {qn(model._meta.pk.column)} {which}",
                [*params, kind, reason, *chunk],
            )


def copy_m2m_to_history(model, field: str, pks: list, *, kinds: tuple[str, ...] = ("+",)) -> None:
    """The links of the tracked many-to-many ``field`` that the history rows of ``kinds`` of rows ``pks``
    hold (what simple-history writes): the rows' current links copied next to each of those history rows,
    one INSERT ... SELECT per batch."""
    if not pks:
        return
    m2m = model._meta.get_field(field)
    through = m2m.remote_field.through
    history = model.history.model
    through_history = getattr(history, field).model
    qn = connection.ops.quote_name
    columns = [qn(f.column) for f in through._meta.concrete_fields]
    source = qn(through._meta.get_field(m2m.m2m_field_name()).column)
    row_id = qn(model._meta.pk.column)
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH_SIZE):
            which, chunk = _which(pks[i : i + BATCH_SIZE])
            cursor.execute(
                f"INSERT INTO {qn(through_history._meta.db_table)} ({', '.join(columns)}, history_id) "
                f"SELECT {', '.join(f't.{c}' for c in columns)}, h.history_id "
                f"FROM {qn(through._meta.db_table)} t JOIN {qn(history._meta.db_table)} h ON h.{row_id} = t.{source} "
                f"WHERE t.{source} {which} AND h.history_type IN ({', '.join(['%s'] * len(kinds))})",
                [*chunk, *kinds],
            )


def delete_audited(model, *, pks: Iterable | None = None, reason: str = "seed_demo --flush") -> int:
    """Delete all rows of ``model`` in bulk (``pks`` in that order if given), writing one "-" history row for
    each (as a post_delete would) when the model keeps history.

    QuerySet.delete() sends the signals one row at a time, far too slow for a prefecture's rows. The
    caller deletes the models in PROTECT order. Foreign keys pointing here from other models must already
    be gone: no cascade and no SET_NULL happen.
    """
    if pks is None:
        pks = model._base_manager.order_by("pk").values_list("pk", flat=True)
    pks = list(pks)
    now = timezone.now()
    for i in range(0, len(pks), BATCH_SIZE):
        chunk = pks[i : i + BATCH_SIZE]
        if hasattr(model, "history"):  # derived rows (studygroups.CoverageKey) keep none
            copy_to_history(model, chunk, kind="-", date="%s", user="NULL", params=(now,), reason=reason)
        batch = model._base_manager.filter(pk__in=chunk)
        batch._raw_delete(batch.db)
    return len(pks)


class Rows:
    """Rows of one model, written BATCH_SIZE at a time with their history (create_with_history()).
    Each row carries when it was entered and by whom: created_at, created_by, and so its history row.
    ``label`` names them in the context's counts and on the progress bar."""

    def __init__(self, ctx, model, label: str, after: Callable[[list], None] | None = None):
        self.ctx, self.model, self.label, self.after = ctx, model, label, after
        self.buffer: list = []
        self.count = 0
        ctx.counts.setdefault(label, 0)

    def add(self, obj, at: datetime.datetime, by: User | None, updated: datetime.datetime | None = None) -> None:
        obj.created_at, obj.updated_at = at, updated or at
        obj.created_by_id = by.pk if by is not None else None
        self.buffer.append(obj)
        if len(self.buffer) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        create_with_history(self.model, self.buffer)
        if self.after is not None:
            self.after(self.buffer)
        self.count += len(self.buffer)
        # Added to, not set: a later step may write more rows under the same label (the outreach step's
        # exchange-visit sessions count among the study sessions).
        self.ctx.counts[self.label] += len(self.buffer)
        self.buffer = []
        progress = self.ctx.progress
        if progress is not None and hasattr(progress, "set_postfix_str"):
            progress.set_postfix_str(f"{self.count:,} {self.label}")
