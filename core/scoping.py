"""The one door to data: every queryset a user sees passes through ``visible_to`` or ``editable_by``.

Each scoped model declares a :class:`Scope` saying how its rows reach the org tree (for county and
region roles), a study group (for secretaries and members) and a person (for members). Guessing
another unit's URL then gives 404, since views fetch objects only from these querysets.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class Scope:
    # Lookup from the model to OrgUnit ("" when the model is OrgUnit itself).
    unit: str
    # Lookups to StudyGroup (any of them matches), or () when rows belong to no group.
    group: tuple[str, ...] = ()
    # Lookup to Person, or None.
    person: str | None = None
    # Roles that may write rows inside their scope (superusers always may).
    editors: tuple[str, ...] = field(default=("staff", "secretary"))
    # Rows of a unit (county plans, reading lists) are also visible to the groups below that unit
    # (to read; writing them stays with the unit's own editors).
    shared_down: bool = False
    # Personal records (exam scores, self-study): a member sees only their own, not their colleagues'.
    private: bool = False


def _prefix(lookup: str) -> str:
    return f"{lookup}__" if lookup else ""


def _units_above_groups(group_ids) -> list[int]:
    """Ids of the units of these groups and of all their ancestors (one query)."""
    from studygroups.models import OrgUnit

    ids: set[int] = set()
    for pk, path in OrgUnit.objects.filter(study_group__in=group_ids).values_list("pk", "path"):
        ids.add(pk)
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    return sorted(ids)


class ScopedQuerySet(models.QuerySet):
    def _scope(self) -> Scope:
        return self.model.scope

    def under(self, node) -> ScopedQuerySet:
        """Rows belonging to ``node`` or anything below it in the org tree: one query at any depth."""
        p = _prefix(self._scope().unit)
        return self.filter(Q(**{f"{p}pk": node.pk}) | Q(**{f"{p}path__startswith": node.descendant_prefix}))

    def _in_groups(self, group_ids, *, shared: bool = True) -> ScopedQuerySet:
        scope = self._scope()
        if not scope.group and not (shared and scope.shared_down):
            return self.none()
        condition = Q()
        for lookup in scope.group:
            condition |= Q(**{f"{lookup}__in": group_ids})
        if shared and scope.shared_down:
            condition |= Q(**{f"{_prefix(scope.unit)}pk__in": _units_above_groups(group_ids)})
        # A subquery keeps rows unique when a lookup crosses a to-many relation.
        return self.filter(pk__in=self.model._default_manager.filter(condition).values("pk"))

    def _of_person(self, person_id) -> ScopedQuerySet:
        scope = self._scope()
        if scope.person is None:
            return self.none()
        return self.filter(**{scope.person: person_id})

    def visible_to(self, user) -> ScopedQuerySet:
        from core.models import Role

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        if user.role in (Role.STAFF, Role.INSPECTOR, Role.AUDITOR) and user.scope_unit_id:
            return self.under(user.scope_unit)
        if user.role == Role.SECRETARY and user.study_group_id:
            return self._in_groups([user.study_group_id])
        if user.role == Role.MEMBER and user.person_id:
            from studygroups.models import Membership

            if self._scope().private:
                return self._of_person(user.person_id)
            groups = Membership.objects.filter(person_id=user.person_id).values("study_group")
            return self._in_groups(groups) | self._of_person(user.person_id)
        return self.none()

    def editable_by(self, user) -> ScopedQuerySet:
        from core.models import Role

        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        if user.role not in self._scope().editors:
            return self.none()
        if user.role == Role.MEMBER:
            # Members write only their own records (reflections, self-study...), never their colleagues'.
            return self._of_person(user.person_id) if user.person_id else self.none()
        if user.role == Role.SECRETARY:
            # A secretary reads the county's shared plans but writes only their own group's rows.
            return self._in_groups([user.study_group_id], shared=False) if user.study_group_id else self.none()
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
