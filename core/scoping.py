"""The one door to data: every queryset a user sees passes through ``visible_to`` or ``editable_by``.

Each scoped model declares a :class:`Scope` saying how its rows reach the org tree (for county and
region roles), a study group (for secretaries and members) and a person (for members). Guessing
another unit's URL then gives 404, since views fetch objects only from these querysets.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone


@dataclass(frozen=True)
class Scope:
    # Lookup from the model to OrgUnit ("" when the model is OrgUnit itself).
    unit: str
    # Lookups to StudyGroup (any of them matches), or () when rows belong to no group.
    group: tuple[str, ...] = ()
    # Lookup to Person, or None.
    person: str | None = None
    # Roles that may write rows inside their scope (superusers always may); None: core.policy's CHANGE rule.
    editors: tuple[str, ...] | None = None
    # Rows of a unit (county plans, reading lists) are also visible to the groups below that unit
    # (to read; writing them stays with the unit's own editors).
    shared_down: bool = False
    # Personal records (exam scores, self-study): a member sees only their own, not their colleagues'.
    private: bool = False
    # Tenure: lookup to the date or time a row belongs to (a session's start). A member then sees the
    # group's rows only from the time they sat in that group (their own personal rows always).
    when: str | None = None
    # Assigned: lookup to the accounts a row is assigned to (an inspector's visits); they always see it.
    assigned: str | None = None
    # Roles that see only the rows assigned to them, instead of everything in their unit.
    assigned_only: tuple[str, ...] = ()
    # Released: lookup to the time a row was published. Groups and members see it only from then;
    # roles the policy lets see unreleased rows (staff, auditors, inspectors) see it at once.
    released: str | None = None


def _prefix(lookup: str) -> str:
    return f"{lookup}__" if lookup else ""


def _units_above_groups(group_ids) -> list[int]:
    """Ids of the units of these groups and of all their ancestors (one query)."""
    from core.models import OrgUnit

    ids: set[int] = set()
    for pk, path in OrgUnit.objects.filter(study_group__in=group_ids).values_list("pk", "path"):
        ids.add(pk)
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    return sorted(ids)


def _seats_of(user) -> list[tuple]:
    """A person's seats (group, start, end), read once for the user object: a page scoping several
    querysets to a member reads them once (the user object lives for one request)."""
    from core.models import Membership

    seats = getattr(user, "_scope_seats", None)
    if seats is None or seats[0] != user.person_id:
        rows = Membership.objects.filter(person_id=user.person_id).values_list(
            "study_group_id", "start_date", "end_date"
        )
        seats = user._scope_seats = (user.person_id, list(rows))
    return seats[1]


def _units_above_groups_of(user, group_ids) -> list[int]:
    """``_units_above_groups``, read once per user object (one request) for the same groups."""
    key = tuple(sorted(group_ids))
    if user is None:
        return _units_above_groups(key)
    cache = user.__dict__.setdefault("_scope_units_above", {})
    if key not in cache:
        cache[key] = _units_above_groups(key)
    return cache[key]


def _scope_unit_of(user):
    """The unit a county or region account sees under, read with ``holds_all``: whether every unit of the
    org tree is that unit or below it (``under()`` of it then keeps every unit). The same one query as
    ``user.scope_unit`` (whose cache it fills); a unit already cached on the user is taken as it is."""
    from core.models import OrgUnit

    field = user._meta.get_field("scope_unit")
    if field.is_cached(user):
        return field.get_cached_value(user)
    prefix = Concat(OuterRef("path"), Cast(OuterRef("pk"), output_field=CharField()), Value("/"))
    outside = OrgUnit._base_manager.exclude(pk=OuterRef("pk")).exclude(path__startswith=prefix)
    unit = OrgUnit._base_manager.annotate(holds_all=~Exists(outside)).get(pk=user.scope_unit_id)
    field.set_cached_value(user, unit)
    return unit


@functools.cache
def _always_has_unit(model) -> bool:
    """Does every row of ``model`` reach a unit through its Scope.unit lookup? Only through non-null
    foreign keys the database enforces (a dangling key would drop the row from the join ``under()`` makes)."""
    lookup = model.scope.unit
    for name in lookup.split("__") if lookup else ():
        field = model._meta.get_field(name)
        if not (field.many_to_one or field.one_to_one) or field.auto_created or field.null:
            return False
        if not field.db_constraint:
            return False
        model = field.related_model
    return True


def _field_at(model, lookup: str) -> models.Field:
    *relations, name = lookup.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _day_bound(model, lookup: str, day: datetime.date):
    """``day`` as the lower bound of a date or date-time field (local midnight for date-times)."""
    if isinstance(_field_at(model, lookup), models.DateTimeField):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return day


class ScopedQuerySet(models.QuerySet):
    def _scope(self) -> Scope:
        return self.model.scope

    def under(self, node) -> ScopedQuerySet:
        """Rows belonging to ``node`` or anything below it in the org tree: one query at any depth.

        The units are picked in a subquery the path index serves (``LIKE 'prefix%'``, see OrgUnit.Meta);
        the rows then match on their own unit key (``unit_id IN (...)``), which PostgreSQL can hash or index
        instead of testing ``unit.id = X OR unit.path LIKE ...`` on every joined row.
        """
        from core.models import OrgUnit

        units = OrgUnit._base_manager.filter(Q(pk=node.pk) | Q(path__startswith=node.descendant_prefix))
        return self.filter(**{f"{_prefix(self._scope().unit)}pk__in": units.values("pk")})

    def with_count(self, name: str, relation: str, condition: Q | None = None) -> ScopedQuerySet:
        """Annotate ``name``: how many ``relation`` rows each row has (``condition`` on them, if given).

        A correlated subquery instead of Count(): PostgreSQL computes it only for the rows a page keeps
        (after ORDER BY ... LIMIT), and the pagination count leaves it out, where Count() groups the
        whole scope twice for a page of 25. Meta.ordering stays in force.
        """
        rows = self.model._base_manager.filter(pk=OuterRef("pk")).order_by().values("pk")
        counted = rows.annotate(n=Count(relation, filter=condition)).values("n")
        return self.annotate(**{name: Subquery(counted)})

    def _distinct_where(self, condition: Q) -> ScopedQuerySet:
        # A subquery keeps rows unique when a lookup crosses a to-many relation.
        return self.filter(pk__in=self.model._default_manager.filter(condition).values("pk"))

    def _in_groups(self, group_ids, *, shared: bool = True, user=None) -> ScopedQuerySet:
        scope = self._scope()
        if not scope.group and not (shared and scope.shared_down):
            return self.none()
        condition = Q()
        for lookup in scope.group:
            condition |= Q(**{f"{lookup}__in": group_ids})
        if shared and scope.shared_down:
            condition |= Q(**{f"{_prefix(scope.unit)}pk__in": _units_above_groups_of(user, group_ids)})
        return self._distinct_where(condition)

    def _during_tenure(self, user) -> ScopedQuerySet:
        """Rows of the person's groups, limited to the time they sat in each (Scope.when)."""
        scope = self._scope()
        seats = _seats_of(user)
        if not scope.when:
            return self._in_groups({group for group, _, _ in seats}, user=user)
        if not scope.group:
            return self.none()
        condition = Q(pk__in=[])
        for group, start, end in seats:
            seat = Q(**{f"{scope.when}__gte": _day_bound(self.model, scope.when, start)})
            if end is not None:
                after = end + datetime.timedelta(days=1)
                seat &= Q(**{f"{scope.when}__lt": _day_bound(self.model, scope.when, after)})
            for lookup in scope.group:
                condition |= Q(**{lookup: group}) & seat
        return self._distinct_where(condition)

    def _of_person(self, person_id) -> ScopedQuerySet:
        scope = self._scope()
        if scope.person is None:
            return self.none()
        return self.filter(**{scope.person: person_id})

    def _released(self) -> ScopedQuerySet:
        lookup = self._scope().released
        return self.filter(**{f"{lookup}__isnull": False, f"{lookup}__lte": timezone.now()})

    def visible_to(self, user) -> ScopedQuerySet:
        from core import policy

        kind = policy.scope_kind(user)
        if kind is None:
            return self.none()
        if kind == "all":
            return self
        scope = self._scope()
        if scope.assigned and policy.sees_only_assigned(user, self.model):
            return self.filter(**{scope.assigned: user.pk})
        if kind == "unit":
            unit = _scope_unit_of(user)
            if getattr(unit, "holds_all", False) and _always_has_unit(self.model):
                # The whole tree (a region auditor of the only region): under() would keep every row, at
                # the cost of joining each to its unit (~60 ms in a prefecture's session count).
                rows = self.all()
            else:
                rows = self.under(unit)
        elif kind == "group":
            rows = self._in_groups([user.study_group_id], user=user)
        elif scope.private:
            rows = self._of_person(user.person_id)
        else:
            rows = self._during_tenure(user) | self._of_person(user.person_id)
        if scope.released and not policy.can(user, policy.Action.SEE_UNRELEASED):
            rows = rows._released()
        if scope.assigned:
            # By key in a subquery: OR-ing the join to the assignments would list a row once per account
            # assigned to it (a visit with two inspectors twice) and keep the join in every count.
            rows = rows | self._distinct_where(Q(**{scope.assigned: user.pk}))
        return rows

    def editable_by(self, user) -> ScopedQuerySet:
        from core import policy

        kind = policy.scope_kind(user)
        if kind is None:
            return self.none()
        if kind == "all":
            return self
        if not policy.can(user, policy.Action.CHANGE, self.model):
            return self.none()
        if kind == "person":
            # Members write only their own records (reflections, self-study...), never their colleagues'.
            return self._of_person(user.person_id)
        if kind == "group":
            # A secretary reads the county's shared plans but writes only their own group's rows.
            return self._in_groups([user.study_group_id], shared=False)
        return self.visible_to(user)


# Signal-based history misses QuerySet.update() and bulk writes, so audited querysets refuse them;
# bulk creation goes through bulk_create_audited(), which writes the history rows too.
_bulk_allowed = contextvars.ContextVar("bulk_allowed", default=False)


class AuditBypassError(RuntimeError):
    pass


class AuditedQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AuditBypassError(f"{self.model.__name__}: QuerySet.update() skips the audit trail; save() each row.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditBypassError(f"{self.model.__name__}: bulk_update() skips the audit trail.")

    def bulk_create(self, objs, *args, **kwargs):
        if not _bulk_allowed.get():
            raise AuditBypassError(f"{self.model.__name__}: use core.scoping.bulk_create_audited().")
        return super().bulk_create(objs, *args, **kwargs)


@contextmanager
def _allow_bulk():
    token = _bulk_allowed.set(True)
    try:
        yield
    finally:
        _bulk_allowed.reset(token)


def bulk_create_audited(model, objs, *, user=None, batch_size: int = 1000):
    """Create many rows and their history rows (with ``user`` as author) in bulk."""
    from simple_history.utils import bulk_create_with_history

    with _allow_bulk():
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user)
