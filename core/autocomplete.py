"""Search-as-you-type for long choice lists (groups, people, and kinds apps register): a JSON view answering at most ``LIMIT`` rows the
user may see, and a select widget that renders only the chosen option (static/js/autocomplete.js does the rest).

    study_group = ModelChoiceFilter(queryset=..., widget=AutocompleteSelect("autocomplete_groups"))
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.models import Person, StudyGroup

LIMIT = 20


def _groups(user, q: str):
    rows = StudyGroup.objects.visible_to(user).select_related("unit")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(unit__name__icontains=q) | Q(unit__short_name__icontains=q))
    return [(group.pk, group.name) for group in rows.order_by("unit__path", "unit__sort_order", "name")[:LIMIT]]


def _people(user, q: str):
    rows = Person.objects.visible_to(user).select_related("unit")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(unit__name__icontains=q) | Q(title__icontains=q))
    return [(person.pk, f"{person.name} · {person.unit.name}") for person in rows.order_by("name", "pk")[:LIMIT]]


SOURCES = {"groups": _groups, "people": _people}


def register(kind: str, source) -> None:
    """Another app's kind: ``source(user, q)`` answers at most ``LIMIT`` ``(pk, text)`` rows the user may see
    (called from its AppConfig.ready(), as core may not import the apps)."""
    SOURCES[kind] = source


@login_required
@require_GET
def autocomplete(request, kind: str):
    """``{"results": [{"id": 1, "text": "..."}]}``: the first rows matching ``q`` among those the user sees."""
    source = SOURCES.get(kind)
    if source is None:
        raise Http404
    q = request.GET.get("q", "").strip()[:50]
    results = [{"id": pk, "text": text} for pk, text in source(request.user, q)]
    response = JsonResponse({"results": results})
    response["Cache-Control"] = "private, no-store"
    return response


class AutocompleteSelect(forms.Select):
    """A select that renders the empty choice and the chosen row only, never the whole queryset."""

    def __init__(self, kind: str, attrs=None):
        self.kind = kind
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-autocomplete"] = reverse("autocomplete", args=[self.kind])
        return context

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in (None, "") and str(v).isdigit()]
        field = getattr(self.choices, "field", None)
        options = []
        if field is not None and field.empty_label is not None:
            options.append(("", field.empty_label))
        if chosen and field is not None:
            options += [(str(row.pk), field.label_from_instance(row)) for row in field.queryset.filter(pk__in=chosen)]
        elif chosen:
            options += [(key, label) for key, label in self.choices if str(key) in chosen]
        groups = []
        for index, (key, label) in enumerate(options):
            selected = key in chosen or (not chosen and key == "")
            groups.append((None, [self.create_option(name, key, label, selected, index, attrs=attrs)], index))
        return groups
