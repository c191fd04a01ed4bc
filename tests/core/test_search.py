"""The lists' search (core.search) finds exactly the rows the plain ``icontains`` OR over joins found."""

import importlib
from functools import reduce
from operator import or_

import pytest
from django.db.models import Q

from core import search
from core.search import is_caseless, search_q
from studygroups.filters import SearchFilterSet
from studygroups.models import Attendance, Reflection, SelfStudy
from tests.factories import PersonFactory, StudyGroupFactory
from tests.studygroups.factories import PlanFactory, PlanTopicFactory, StudySessionFactory, local
from tests.studygroups.test_list_queries import _fill

TERMS = [
    "学习",  # in most rows, group names included
    "党建",  # only a group's name, a session's materials, a plan topic
    "体会",  # only reflection bodies
    "甲旗",  # unit names (exam scores search their person's unit)
    "abc",
    "ABC",
    "ａｂｃ",  # full-width letters have case too
    "ＡＢＣ",
    "１２",  # full-width digits have none
    "%",
    "_",
    "量子纠缠",  # nothing
]


def _filtersets():
    for module in ("studygroups.filters", "inspections.filters", "outreach.filters", "assessment.filters"):
        importlib.import_module(module)
    pending, found = [SearchFilterSet], []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.search_fields and getattr(cls._meta, "model", None) is not None:
            found.append(cls)
    return found


def _old(model, fields, term):
    """What the search was: icontains over each field, joins included, rows kept once."""
    condition = reduce(or_, (Q(**{f"{field}__icontains": term}) for field in fields))
    return set(
        model._default_manager.filter(pk__in=model._default_manager.filter(condition).values("pk")).values_list(
            "pk", flat=True
        )
    )


@pytest.fixture
def tricky(world):
    _fill(world, 2)
    home = world.home
    party = StudyGroupFactory(unit=home.village, name="党建ABC学习组")
    host = PersonFactory(unit=home.town, name="Ｘｙ王")
    StudySessionFactory(study_group=party, starts_at=local(2025, 4, 1), title="会议", place="会议室", host=None)
    session = StudySessionFactory(
        study_group=home.dept_group,
        starts_at=local(2025, 4, 2),
        title="Abc讲座",
        materials="1. 党建读本１２",
        host=host,
    )
    Reflection.objects.create(session=session, person=home.member, text="ｘｙ全角ａＢｃ 100%_达成")
    Attendance.objects.create(session=session, person=host, status="leave", reason="Abc")
    SelfStudy.objects.create(person=host, date=local(2025, 4, 2).date(), hours=1, material="ａｂｃ", notes="")
    plan = PlanFactory(study_group=party, year=2025, title="计划")
    PlanTopicFactory(plan=plan, title="党建专题")
    PlanTopicFactory(plan=plan, title="党建二题")  # two topics match: the plan still comes once
    return world


@pytest.mark.parametrize("listed", [search.MAX_LISTED_IDS, 0], ids=["ids listed", "subqueries or joined rows"])
def test_every_list_search_finds_the_same_rows(tricky, monkeypatch, listed):
    monkeypatch.setattr(search, "MAX_LISTED_IDS", listed)
    checked = 0
    for filterset in _filtersets():
        model = filterset._meta.model
        for term in TERMS:
            new = list(
                model._default_manager.filter(
                    search_q(model, filterset.search_fields, term, joined=filterset.search_joined)
                ).values_list("pk", flat=True)
            )
            assert len(new) == len(set(new)), (filterset.__name__, term)
            assert set(new) == _old(model, filterset.search_fields, term), (filterset.__name__, term)
            checked += bool(new)
    assert checked > 40  # the terms do find rows


@pytest.mark.parametrize("name", ["session_list", "reflection_list", "makeup_list", "selfstudy_list", "plan_list"])
def test_lists_show_the_same_page(tricky, client_as, monkeypatch, name):
    from django.urls import reverse

    def shown(term):
        response = client.get(reverse(f"studygroups:{name}"), {"q": term})
        return [row.record.pk for row in response.context["table"].page.object_list]

    client = client_as("staff")
    terms = ("党建", "abc", "ＡＢＣ", "学习", "体会", "量子纠缠")
    now = [shown(term) for term in terms]
    monkeypatch.setattr(
        SearchFilterSet,
        "search",
        lambda self, queryset, name, value: queryset.filter(pk__in=_old(queryset.model, self.search_fields, value)),
    )
    assert now == [shown(term) for term in terms]
    assert any(now)


def test_a_common_term_is_matched_on_the_joined_row(tricky, monkeypatch):
    """Above MAX_LISTED_IDS matching sessions, the make-ups match their joined session's title, not a list
    or subquery of session ids; the same rows either way."""
    term = "Abc"
    rows = Attendance.objects.filter(session__title__icontains=term) | Attendance.objects.filter(reason__icontains=term)
    expected = set(rows.values_list("pk", flat=True))
    assert expected  # the tricky session's leave
    monkeypatch.setattr(search, "MAX_LISTED_IDS", 0)
    condition = search_q(Attendance, ("session__title", "reason"), term, joined=("session",))
    assert "session__title__icontains" in str(condition) and "session_id__in" not in str(condition)
    assert set(Attendance.objects.filter(condition).values_list("pk", flat=True)) == expected
    condition = search_q(Attendance, ("session__title", "reason"), term)
    assert "session_id__in" in str(condition)


def test_caseless_terms():
    assert is_caseless("学习") and is_caseless("１２") and is_caseless("100%_") and is_caseless("《党建》")
    for term in ("abc", "ＡＢＣ", "ａ", "学习a", "Ⅻ", "ʼ", "i\u0307"):
        assert not is_caseless(term), term
