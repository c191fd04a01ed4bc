"""Stub measures whose values each test sets, so the assessment's tests do not depend on the providers.

``stubs`` replaces core.registry.indicator_sources with three measures over a hand-built county of four
groups: A and B are departments, C and D townships (``t.outreach`` applies to townships only).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from assessment.models import Rule, Scheme, SchemeIndicator
from core import registry
from core.models import OrgUnit
from core.registry import IndicatorSource
from studygroups.models import StudySession
from tests.factories import OrgUnitFactory, StudyGroupFactory

YEAR = 2025
CUTOFF = timezone.make_aware(datetime.datetime(2026, 1, 10, 12, 0))


def _fixed(values: dict, name: str):
    """A compute() reading ``values[name]`` ({group id: value}), with one query like a real measure."""

    def compute(groups, period, params):
        ids = set(groups.values_list("pk", flat=True))
        return {pk: value for pk, value in values.get(name, {}).items() if pk in ids}

    return compute


def _sessions(groups, period, params):
    """Sessions of each group entered before the cut-off: a measure over real records."""
    counts = {pk: Decimal(0) for pk in groups.values_list("pk", flat=True)}
    rows = StudySession.objects.filter(study_group__in=groups, created_at__lte=period.cutoff)
    for pk in rows.values_list("study_group_id", flat=True):
        counts[pk] += 1
    return counts


def _records_url(name):
    return lambda group, period, params: f"/records/{name}/?group={group.pk}&year={period.year}"


@pytest.fixture
def stubs(monkeypatch):
    values: dict[str, dict] = {}
    sources = registry._Ordered()
    for source in (
        IndicatorSource("t.sessions", "会议次数", "次", _fixed(values, "t.sessions"), _records_url("s"), order=1),
        IndicatorSource("t.rate", "出勤率", "%", _fixed(values, "t.rate"), _records_url("r"), order=2),
        IndicatorSource(
            "t.outreach",
            "互动次数",
            "次",
            _fixed(values, "t.outreach"),
            _records_url("o"),
            applies_to=lambda group: group.unit.kind == OrgUnit.Kind.TOWNSHIP,
            order=3,
        ),
        IndicatorSource(
            "t.real_sessions",
            "录入会议",
            "次",
            _sessions,
            _records_url("real"),
            records=(("studygroups.StudySession", "study_group"),),
            order=4,
        ),
    ):
        sources.register(source)
    monkeypatch.setattr(registry, "indicator_sources", sources)
    return values


@pytest.fixture
def county(world):
    """The home county's two groups (A: the department, C: the township) and two more (B, D)."""
    home = world.home
    b_unit = OrgUnitFactory(parent=home.county, kind=OrgUnit.Kind.DEPARTMENT, name="甲旗财政局")
    d_unit = OrgUnitFactory(parent=home.county, kind=OrgUnit.Kind.TOWNSHIP, name="甲旗新华镇")
    return SimpleNamespace(
        county=home.county,
        a=home.dept_group,
        b=StudyGroupFactory(unit=b_unit),
        c=home.town_group,
        d=StudyGroupFactory(unit=d_unit),
    )


def make_scheme(county_unit, lines, *, threshold=60, year=YEAR, user=None) -> Scheme:
    """A scheme of ``lines``: (measure, weight, target, rule, missing)."""
    scheme = Scheme.objects.create(county=county_unit, year=year, name="考核", pass_threshold=Decimal(threshold))
    for order, (source, weight, target, rule, missing) in enumerate(lines, start=1):
        SchemeIndicator.objects.create(
            scheme=scheme,
            source=source,
            weight=Decimal(weight),
            target=None if target is None else Decimal(target),
            rule=rule,
            missing=missing,
            order=order,
        )
    return scheme


# The three measures of the hand-worked county, out of 100.
HAND_LINES = (
    ("t.sessions", 40, 12, Rule.PROPORTIONAL, "zero"),
    ("t.rate", 30, 90, Rule.PROPORTIONAL, "zero"),
    ("t.outreach", 30, 2, Rule.ALL_OR_NOTHING, "zero"),
)


def hand_values(values, c):
    D = Decimal
    values["t.sessions"] = {c.a.pk: D(12), c.b.pk: D(6), c.c.pk: D(15), c.d.pk: D(0)}
    values["t.rate"] = {c.a.pk: D(90), c.b.pk: None, c.c.pk: D(45), c.d.pk: D(100)}
    values["t.outreach"] = {c.a.pk: D(5), c.c.pk: D(1), c.d.pk: D(2)}
