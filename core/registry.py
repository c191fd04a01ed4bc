"""What feature apps show through core: each app fills these in its ``AppConfig.ready()``.

Core knows no feature app; it renders whatever is registered here (the pattern of Django's
``admin.site.register``). Registration order is kept, and ``order`` sorts where it matters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class PanelOrder:
    """Where a panel sits on its dashboard (``DashboardPanel.order``), so an app built later takes its slot."""

    STATE = 10  # the year's numbers, for those who oversee groups
    WORK = 20  # what to do now: sessions to come, records and attendance owed, make-ups, reflections
    ASSIGNED = 30  # items other apps assign to the user (the inspections app: an inspector's open items)
    LINKS = 90  # shortcuts to the lists


@dataclass(frozen=True)
class DashboardPanel:
    """A block on the dashboard: ``template`` rendered with ``context(user, today)``.

    Shown to the users ``core.policy`` allows ``permission`` (an Action; None: everyone), and only on the
    dashboards named in ``dashboards`` (core.policy.dashboard_kind values; empty: every dashboard)."""

    name: str
    template: str
    context: Callable[[Any, Any], dict]
    permission: Any = None
    dashboards: tuple[str, ...] = ()
    order: int = 100

    def shown_to(self, user) -> bool:
        from core import policy

        if self.dashboards and policy.dashboard_kind(user) not in self.dashboards:
            return False
        return self.permission is None or policy.can(user, self.permission)


@dataclass(frozen=True)
class NavEntry:
    """A link in the main menu; ``menu`` groups entries under one dropdown, "" puts it at the top level."""

    label: Any
    url_name: str
    menu: str = ""
    # (action, model label) asked of core.policy; None shows the entry to every signed-in user.
    permission: tuple[str, str] | None = None
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    """A step of ``seed_demo`` (the development app ``demo``): ``build(ctx)`` adds an app's rows to the demo
    region core's part built, after the steps of lower ``order``. ``models`` ("app.Model") are the models it
    writes, in the order it creates them; ``seed_demo --flush`` deletes them in reverse, the last step's first.
    """

    name: str
    build: Callable[[Any], None]
    models: tuple[str, ...] = ()
    order: int = 100


@dataclass
class _Ordered:
    items: list = field(default_factory=list)

    def register(self, item) -> None:
        if any(existing.name == item.name for existing in self.items if hasattr(existing, "name")):
            raise ValueError(f"{item.name!r} is already registered")
        self.items.append(item)

    def __iter__(self):
        return iter(sorted(self.items, key=lambda item: item.order))


class _Models:
    """A set of model labels ("app.Model"), resolved lazily so apps may register before models load."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def register(self, label: str, name: str | None = None) -> None:
        self._labels[name or label.split(".")[1].lower()] = label

    def models(self) -> list:
        from django.apps import apps

        return [apps.get_model(label) for label in self._labels.values()]

    def items(self) -> list[tuple]:
        """(name, model) pairs, in registration order."""
        from django.apps import apps

        return [(name, apps.get_model(label)) for name, label in self._labels.items()]

    def get(self, name: str):
        from django.apps import apps

        label = self._labels.get(name)
        return apps.get_model(label) if label else None

    def name_of(self, model) -> str | None:
        label = model._meta.label
        return next((name for name, value in self._labels.items() if value == label), None)


dashboard_panels = _Ordered()
nav_entries = _Ordered()
demo_steps = _Ordered()
# Records whose change history may be opened at /history/<name>/<pk>/.
history_models = _Models()
# Records that may own attachments (core.models.Attachment scopes files through them).
attachment_owners = _Models()
# Notification kinds and their labels: {"studygroups.notice": _("Advance notice")}.
notification_kinds: dict[str, Any] = {}
# The page that shows a record of a core model, served by the app that owns that page:
# {"core.StudyGroup": "studygroups:studygroup_detail"}; core.models' get_absolute_url() reads it.
# A value may also be a function of the record, for records shown on another record's page
# ({"studygroups.Attendance": lambda row: row.session.get_absolute_url()}).
detail_urls: dict[str, Any] = {}


def detail_url(obj) -> str:
    from django.urls import reverse

    name = detail_urls.get(obj._meta.label)
    if callable(name):
        return name(obj)
    return reverse(name, args=[obj.pk]) if name else ""


@dataclass(frozen=True)
class IndicatorSource:
    """A measure of a study group that the annual assessment (the ``assessment`` app) can score, computed by
    the app that owns its records and registered in that app's ``AppConfig.ready()``: a new indicator needs
    no change in the assessment app.

    ``compute(groups, period, params)`` gives ``{group id: value}`` (a ``Decimal``; None where the measure has
    no value, e.g. a rate over no sessions) for every group of ``groups`` (a StudyGroup queryset) at once, in a
    number of queries that does not grow with the groups. ``period`` is a :class:`AssessmentPeriod`: records
    count as they stood at ``period.cutoff`` (rows created after it do not count), so the same cut-off gives
    the same numbers twice. ``params`` are the scheme's settings for the indicator (``default_params`` filled
    in: which session kinds count, say).

    ``records_url(group, period, params)`` is the filtered list of the records behind the number (a URL).
    ``records`` names the models that feed it and the lookup from each to its study group
    (``("studygroups.Attendance", "session__study_group")``): the assessment reads their change history to
    name the records changed since results were published. ``applies_to(group)``, when given, says whether
    the indicator applies to a group (outreach counts apply to township groups only, say); where it does not,
    the group is scored on the other indicators.

    ``param_choices`` maps a list-valued param (``"kinds"``) to a callable giving its ``(value, label)``
    choices, so the scheme page edits it as checkboxes and shows the chosen labels; ``param_labels`` names
    such a param for people (``{"kinds": _("Session kinds counted")}``).
    """

    name: str  # unique, "app.measure": "studygroups.concentrated_sessions"
    label: Any
    unit: Any  # "次", "%", "篇", "分"
    compute: Callable[[Any, AssessmentPeriod, dict], dict[int, Any]]
    records_url: Callable[[Any, AssessmentPeriod, dict], str]
    records: tuple[tuple[str, str], ...] = ()
    default_params: dict = field(default_factory=dict)
    default_target: Any = None  # the target a new scheme proposes (12 sessions, 4 seminars, 90 %...)
    applies_to: Callable[[Any], bool] | None = None
    param_choices: dict[str, Callable[[], list]] = field(default_factory=dict)
    param_labels: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class AssessmentPeriod:
    """The year assessed and the cut-off time: records as they stood at ``cutoff`` (an aware datetime)."""

    year: int
    cutoff: Any


# The indicators the assessment can score, by name (IndicatorSource.name), registered by the owning apps.
indicator_sources = _Ordered()


def indicator_source(name: str) -> IndicatorSource | None:
    return next((source for source in indicator_sources if source.name == name), None)
