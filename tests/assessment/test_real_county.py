"""The annual assessment end to end with the REAL measures (studygroups and inspections providers), on a
county built by hand. Every value, score, total and rank below is worked out here, not by the code.

Year 2025, cut-off 10 January 2026 09:00. Three groups of the home county (``world``):

A  the department's group: leader L and member M, seated since 2024 (the member who left in 2024 is not
   seated in 2025).
     a1 10 Mar concentrated  L present, M present   reflections L, M   visit: 45 of 50, published 20 Mar
     a2 10 Jun seminar       L present, M absent    reflection L
     a3 10 Sep lecture       L present, M present   (lecture is not a kind this scheme counts)
     a4 10 Dec concentrated  L present, M late      reflection M
     a0 10 Nov 2024 concentrated, L present         (last year: not counted)
B  a second department's group: leader P and member Q, seated since 1 January 2025.
     b1 15 Apr concentrated  P, Q present           reflection P
     b2 15 Aug concentrated  P, Q present           reflection Q
     b3 20 Oct seminar       P present, Q leave     reflection P
     b4 20 Nov concentrated  P absent, Q present
     b5 20 Jan 2026 concentrated                    (after the cut-off, and next year)
     no inspection visit
T  the township's group: its one member R (no leader), seated since 2024.
     t1  5 May concentrated  R present              reflection R   visit: 36 of 40, published 15 May
     t2  5 Jul seminar       R present              reflection R
     t3  5 Sep concentrated  R absent

The scheme (full weight 100, pass mark 81):

  sessions   studygroups.concentrated_sessions  weight 40, target 4,   proportional, kinds concentrated+seminar
  attendance studygroups.attendance_rate        weight 30, target 90,  proportional
  reflect    studygroups.reflections_per_member weight 10, target 2,   all or nothing
  visit      inspections.visit_score            weight 20, no target (a percentage), proportional, skip if none

By hand:

  A  sessions a1 a2 a4 = 3 → 40×3/4 = 30.00; attendance 7 of 8 (a1 2, a2 1, a3 2, a4 2) = 87.5 %
     → 30×87.5/90 = 29.1666… = 29.17; reflections 4 / 2 seated = 2.0 → 10.00; visit 45/50 = 90.0 %
     → 20×90/100 = 18.00. Score 87.17.
  B  sessions b1–b4 = 4 → 40.00; attendance 6 of 8 = 75.0 % → 25.00; reflections 3 / 2 = 1.5 → 0.00;
     visit None, skipped: (40 + 25 + 0) × 100/80 = 81.25. Adjustment +6 ("承办现场推进会") → total 87.25.
  T  sessions t1 t2 t3 = 3 → 30.00; attendance 2 of 3 = 66.7 % → 30×66.7/90 = 22.2333… = 22.23;
     reflections 2 / 1 = 2.0 → 10.00; visit 36/40 = 90.0 % → 18.00. Score 80.23.

  Ranks: B 87.25 (1), A 87.17 (2), T 80.23 (3); among departments B 1, A 2; among townships T 1.
  Pass mark 81: A and B pass, T (80.23) fails.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from assessment.models import Missing, Result, Rule, Scheme, SchemeIndicator
from core.models import Membership, OrgUnit
from studygroups.models import Attendance, Reflection, StudySession
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory
from tests.inspections.factories import make_inspector, make_plan, make_target, make_template, make_visit
from tests.studygroups.factories import StudySessionFactory

pytestmark = pytest.mark.django_db
D = Decimal
K = StudySession.Kind
P, LT, LV, AB = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEAVE, Attendance.Status.ABSENT)


def at(y, m, d, hour=9):
    return timezone.make_aware(datetime.datetime(y, m, d, hour))


CUTOFF = at(2026, 1, 10, 9)


def session(group, when, kind, attendance, reflections=()):
    row = StudySessionFactory(study_group=group, starts_at=when, kind=kind)
    for person, status in attendance:
        Attendance.objects.create(session=row, person=person, status=status, reason="出差" if status == LV else "")
    for person in reflections:
        Reflection.objects.create(session=row, person=person, text="学习体会：要学深悟透。")
    return row


@pytest.fixture
def real(world):
    h = world.home
    A, T, L, M, R = h.dept_group, h.town_group, h.leader, h.member, h.town_member
    B = StudyGroupFactory(
        unit=OrgUnitFactory(
            parent=h.county, kind=OrgUnit.Kind.DEPARTMENT, name="甲旗文旅局", party_body=OrgUnit.PartyBody.GROUP
        )
    )
    Pm = MembershipFactory(study_group=B, role=Membership.Role.LEADER, start_date=datetime.date(2025, 1, 1)).person
    Q = MembershipFactory(study_group=B, start_date=datetime.date(2025, 1, 1)).person

    a1 = session(A, at(2025, 3, 10), K.CONCENTRATED, [(L, P), (M, P)], [L, M])
    session(A, at(2025, 6, 10), K.SEMINAR, [(L, P), (M, AB)], [L])
    session(A, at(2025, 9, 10), K.LECTURE, [(L, P), (M, P)])
    session(A, at(2025, 12, 10), K.CONCENTRATED, [(L, P), (M, LT)], [M])
    session(A, at(2024, 11, 10), K.CONCENTRATED, [(L, P)])

    session(B, at(2025, 4, 15), K.CONCENTRATED, [(Pm, P), (Q, P)], [Pm])
    session(B, at(2025, 8, 15), K.CONCENTRATED, [(Pm, P), (Q, P)], [Q])
    session(B, at(2025, 10, 20), K.SEMINAR, [(Pm, P), (Q, LV)], [Pm])
    session(B, at(2025, 11, 20), K.CONCENTRATED, [(Pm, AB), (Q, P)])
    session(B, at(2026, 1, 20), K.CONCENTRATED, [])

    t1 = session(T, at(2025, 5, 5), K.CONCENTRATED, [(R, P)], [R])
    session(T, at(2025, 7, 5), K.SEMINAR, [(R, P)], [R])
    session(T, at(2025, 9, 5), K.CONCENTRATED, [(R, AB)])

    make_template(h.county)
    inspector = make_inspector(h.county)
    plan = make_plan(h.county)
    for group, row, total, maximum, published in (
        (A, a1, "45", "50", at(2025, 3, 20)),
        (T, t1, "36", "40", at(2025, 5, 15)),
    ):
        make_visit(
            make_target(plan, group),
            inspectors=[inspector],
            session=row,
            scored_at=row.starts_at + datetime.timedelta(days=1),
            total=D(total),
            max_total=D(maximum),
            published_at=published,
        )

    scheme = Scheme.objects.create(county=h.county, year=2025, name="2025年度考核", pass_threshold=D(81))
    lines = [
        ("studygroups.concentrated_sessions", 40, 4, Rule.PROPORTIONAL, Missing.ZERO, {"kinds": ["concentrated", "seminar"]}),
        ("studygroups.attendance_rate", 30, 90, Rule.PROPORTIONAL, Missing.ZERO, {}),
        ("studygroups.reflections_per_member", 10, 2, Rule.ALL_OR_NOTHING, Missing.ZERO, {}),
        ("inspections.visit_score", 20, None, Rule.PROPORTIONAL, Missing.SKIP, {}),
    ]  # fmt: skip
    indicators = {}
    for order, (source, weight, target, rule, missing, params) in enumerate(lines, start=1):
        indicators[source.split(".")[1]] = SchemeIndicator.objects.create(
            scheme=scheme,
            source=source,
            weight=D(weight),
            target=None if target is None else D(target),
            rule=rule,
            missing=missing,
            params=params,
            order=order,
        )
    return {"A": A, "B": B, "T": T, "scheme": scheme, "i": indicators}


# group: {indicator: (value, score)}
EXPECTED = {
    "A": {
        "concentrated_sessions": ("3", "30.00"),
        "attendance_rate": ("87.5", "29.17"),
        "reflections_per_member": ("2.0", "10.00"),
        "visit_score": ("90.0", "18.00"),
    },
    "B": {
        "concentrated_sessions": ("4", "40.00"),
        "attendance_rate": ("75.0", "25.00"),
        "reflections_per_member": ("1.5", "0.00"),
        "visit_score": (None, None),
    },
    "T": {
        "concentrated_sessions": ("3", "30.00"),
        "attendance_rate": ("66.7", "22.23"),
        "reflections_per_member": ("2.0", "10.00"),
        "visit_score": ("90.0", "18.00"),
    },
}
# group: (score, adjustment, total, rank, kind rank, passed)
TOTALS = {
    "A": (D("87.17"), D("0"), D("87.17"), 2, 2, True),
    "B": (D("81.25"), D("6"), D("87.25"), 1, 1, True),
    "T": (D("80.23"), D("0"), D("80.23"), 3, 1, False),
}


def _table(run, real):
    table = {}
    for name in ("A", "B", "T"):
        result = Result.objects.get(run=run, study_group=real[name])
        lines = {
            key: (result.lines[str(ind.pk)]["value"], result.lines[str(ind.pk)]["score"])
            for key, ind in real["i"].items()
        }
        table[name] = (
            lines,
            (result.score, result.adjustment, result.total, result.rank, result.kind_rank, result.passed),
        )
    return table


def test_every_value_score_total_and_rank_is_the_hand_worked_one(real, world):
    staff = world.users.staff
    first = services.compute(scheme=real["scheme"], cutoff=CUTOFF, user=staff)
    _adjustment, run = services.adjust(
        run=first, study_group=real["B"], points=D(6), reason="承办现场推进会", user=staff
    )
    table = _table(run, real)
    for name in ("A", "B", "T"):
        lines, totals = table[name]
        assert lines == EXPECTED[name], name
        assert totals == TOTALS[name], name
    # Only these three groups are the county's active groups: the ranks run 1..3.
    assert run.results.count() == 3
    # Before the adjustment A led: 87.17 against B's 81.25.
    assert Result.objects.get(run=first, study_group=real["A"]).rank == 1


def test_computing_again_at_the_same_cut_off_gives_identical_results(real, world):
    staff = world.users.staff
    services.adjust(
        run=services.compute(scheme=real["scheme"], cutoff=CUTOFF, user=staff),
        study_group=real["B"],
        points=D(6),
        reason="承办现场推进会",
        user=staff,
    )
    runs = [services.compute(scheme=real["scheme"], cutoff=CUTOFF, user=staff) for _ in range(2)]
    first, second = (_table(run, real) for run in runs)
    assert first == second
    assert {name: totals for name, (_lines, totals) in first.items()} == TOTALS


def test_a_record_after_the_cut_off_does_not_change_the_numbers(real, world):
    staff = world.users.staff
    before = _table(services.compute(scheme=real["scheme"], cutoff=CUTOFF, user=staff), real)
    # A session of A on 9 January 2026: next year, and a session after the cut-off of this year's A.
    session(real["A"], at(2026, 1, 9), K.CONCENTRATED, [])
    after = _table(services.compute(scheme=real["scheme"], cutoff=CUTOFF, user=staff), real)
    assert after == before
