"""Optimistic locking for any record edited in a form: a save from a stale form is refused and shown.

A model keeps a ``version`` counter (``VersionedModel``); the form carries the version it was loaded at.
``lock_current()`` locks the row and raises ``StaleVersion`` when somebody saved it meanwhile, and
``ConflictMixin`` answers 409 with the stored values beside the user's, so they can save again knowingly.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.db import models
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class StaleVersion(Exception):
    """Someone saved the record since the form was loaded: nothing was written."""

    def __init__(self, current: models.Model):
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")
        self.current = current


def lock_current(queryset: models.QuerySet, *, pk: int, version: int) -> models.Model:
    """The row, locked until the transaction ends, if it is still at ``version``; else StaleVersion.

    The caller changes it, adds one to ``version`` and saves, inside the same transaction."""
    row = queryset.select_for_update(of=("self",)).get(pk=pk)
    if row.version != version:
        raise StaleVersion(queryset.model._default_manager.get(pk=pk))
    return row


def shown(field: forms.Field, value) -> str:
    """A form value as a person reads it: local time, choice labels, names."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(field, forms.ModelMultipleChoiceField):
        return "; ".join(field.label_from_instance(obj) for obj in value)
    if isinstance(field, forms.ModelChoiceField):
        return field.label_from_instance(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)


def conflict_rows(form: forms.Form, current: models.Model) -> list[dict]:
    """The fields where what is stored now differs from what the user sent."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or not hasattr(current, name):
            continue  # the version itself, and form-only fields such as new files
        yours = form.cleaned_data.get(name)
        if isinstance(field, forms.ModelMultipleChoiceField):
            stored = getattr(current, name).all()
            differs = {row.pk for row in yours or ()} != {row.pk for row in stored}
        else:
            stored = getattr(current, name)
            differs = stored != yours
        if differs:
            rows.append(
                {"name": name, "label": field.label, "stored": shown(field, stored), "yours": shown(field, yours)}
            )
    return rows


class ConflictMixin:
    """For edit views: ``self.conflict(form, current)`` renders the form again, at the stored version, with
    the differences listed (``templates/core/includes/conflict.html``), and status 409."""

    def conflict(self, form, current: models.Model):
        data = form.data.copy()
        data[form.add_prefix("version")] = current.version
        fresh = self.get_form_class()(**(self.get_form_kwargs() | {"instance": current, "data": data}))
        messages.error(
            self.request, _("Someone else saved this record while you were editing it. Your changes were NOT saved.")
        )
        context = self.get_context_data(form=fresh, conflict_rows=conflict_rows(form, current), current=current)
        return render(self.request, self.template_name, context, status=409)
