"""Locked once used: a template (a scorecard, an assessment scheme) cannot change once something refers to
it, since what was scored against it must keep meaning what it meant; a new version is made instead.

A template model subclasses :class:`LockedOnceUsed` and names the relations that use it (``used_by``) and
the rows that belong to it (``parts``, copied into a new version); a part model subclasses it too and names
its template (``part_of``). Saving or deleting a locked row raises :class:`TemplateLocked`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class TemplateLocked(ValidationError):
    pass


class LockedOnceUsed(models.Model):
    # Reverse relations whose rows use this template ("visits"); any row locks it.
    used_by: tuple[str, ...] = ()
    # Reverse relations of the rows that make up the template ("criteria"), copied by new_version().
    parts: tuple[str, ...] = ()
    # For a part: the field naming its template ("template").
    part_of: str = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_locked()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_locked()
        return super().delete(*args, **kwargs)

    def locked_template(self) -> LockedOnceUsed:
        return getattr(self, self.part_of) if self.part_of else self

    def is_locked(self) -> bool:
        template = self.locked_template()
        if template.pk is None:
            return False
        return any(getattr(template, name).exists() for name in template.used_by)

    def _refuse_if_locked(self) -> None:
        # A new part added to a used template changes it as much as an edit does.
        if (self.pk is not None or self.part_of) and self.is_locked():
            raise TemplateLocked(_("This template is in use and cannot change; make a new version of it."))


@transaction.atomic
def new_version(template: LockedOnceUsed, *, user, **changes) -> LockedOnceUsed:
    """A copy of ``template`` (with ``changes``, ``version`` one higher if it has one) and of its parts,
    free to edit until something uses it; the original stays as it was."""
    model = type(template)
    copy = model.objects.get(pk=template.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    if hasattr(copy, "version"):
        latest = model.objects.filter(**_siblings(template)).aggregate(models.Max("version"))["version__max"]
        copy.version = (latest or template.version) + 1
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.created_by = user
    copy.save()
    for name in template.parts:
        for part in getattr(template, name).all():
            part.pk = part.id = None
            part._state.adding = True
            setattr(part, part.part_of, copy)
            part.created_by = user
            part.save()
    return copy


def _siblings(template: LockedOnceUsed) -> dict:
    """Versions of the same template: the model may name the fields they share (``version_of``)."""
    return {name: getattr(template, name) for name in getattr(template, "version_of", ())}
