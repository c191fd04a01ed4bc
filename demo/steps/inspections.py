"""The inspections demo step: three years of sit-in inspection on the study records the studygroups step wrote.

Per county and year: a scorecard (seven criteria, 100 points), an approved plan whose key targets are the
groups the app's own rule (inspections.services.plans.records_source) finds weak in the year before (the
first year: groups staff flagged for little attention), the weakest first, at most a third of the groups;
visits on the target groups' real sessions (the demo inspector sits in on the demo county's, except where
they have a conflict); scores (key targets lower), observer summaries (some late), findings for the weaker
visits, rectified, some sent back once, the recent ones still open. Everything through demo.writers.Rows.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from core import workdays
from core.models import Membership, StudyGroup
from demo.context import DemoContext
from demo.writers import BATCH_SIZE, Rows, copy_m2m_to_history, row
from inspections.models import (
    AttentionFlag,
    Criterion,
    Finding,
    InspectionPlan,
    PlanTarget,
    Score,
    ScoreTemplate,
    Visit,
    VisitKind,
)
from inspections.services.plans import records_source
from studygroups.models import StudySession

MODELS = (
    "inspections.AttentionFlag",
    "inspections.ScoreTemplate",
    "inspections.Criterion",
    "inspections.InspectionPlan",
    "inspections.PlanTarget",
    "inspections.Visit",
    "inspections.Score",
    "inspections.Finding",
)

# (name, maximum, the problem category a low score on it becomes)
CRITERIA = [
    ("主题突出", 15, Finding.Category.TOPIC),
    ("思考深入", 15, Finding.Category.DEPTH),
    ("研讨聚焦", 15, Finding.Category.FOCUS),
    ("领导带头", 15, Finding.Category.LEADERS),
    ("发言质量", 15, Finding.Category.SPEECHES),
    ("准备和材料", 15, Finding.Category.PREPARATION),
    ("记录和考勤纪律", 10, Finding.Category.DISCIPLINE),
]
ADVICE = {
    Finding.Category.TOPIC: ("学习主题分散，未围绕年度专题展开", "紧扣年度学习专题确定每次学习主题"),
    Finding.Category.DEPTH: (
        "交流发言停留在原文复述，结合实际思考不够",
        "联系本单位工作实际深入思考，形成有见地的发言",
    ),
    Finding.Category.FOCUS: ("研讨发散，未聚焦工作中的突出问题", "围绕一至两个重点问题开展专题研讨"),
    Finding.Category.LEADERS: ("主要负责同志未作重点发言", "主要负责同志带头领学、带头发言"),
    Finding.Category.SPEECHES: ("部分成员发言准备不足，照稿宣读", "提前确定中心发言人，撰写发言提纲"),
    Finding.Category.PREPARATION: ("学习材料未按要求提前下发", "学习材料提前五个工作日报送并下发成员"),
    Finding.Category.DISCIPLINE: ("学习记录不完整，请假未注明事由", "规范学习记录，严格请假和补学制度"),
}
SUMMARY = {
    "good": ("学习主题鲜明，组织规范，研讨氛围浓厚。", "领导带头发言，结合实际谈认识、谈打算。"),
    "weak": ("学习组织基本规范，但质量有待提高。", "个别成员发言有一定深度。"),
}
KEY_SHARE = 1 / 3  # at most this share of a county's groups are key targets


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("inspections")
    now = ctx.now
    staff, inspector = ctx.accounts.get("staff"), ctx.accounts.get("inspector")
    by_county = defaultdict(list)
    for gi, spec in enumerate(ctx.specs):
        by_county[ctx.county_index(gi)].append((gi, spec.group))

    ctx.stage("inspection plans")
    rec = ctx.state.get("studygroups")
    sessions = _held_sessions(ctx)
    conflicted = _conflicted_groups(inspector)
    flags, templates = Rows(ctx, AttentionFlag, "attention flags"), Rows(ctx, ScoreTemplate, "scorecards")
    plan_rows = Rows(ctx, InspectionPlan, "inspection plans")
    first = ctx.years[0]
    flagged: dict[int, str] = {}
    for ci, groups in by_county.items():
        author = ctx.county_author(ci)
        for _gi, group in rng.sample(groups, max(1, len(groups) // 8)):
            flagged[group.pk] = "学习流于形式，领导班子重视不够"
            flags.add(
                row(AttentionFlag, study_group=group, year=first, reason=flagged[group.pk]),
                _at(first - 1, 12, 20),
                author,
            )
        for year in ctx.years:
            templates.add(
                row(ScoreTemplate, county=ctx.counties[ci].unit, year=year, name="理论学习中心组巡听评分表"),
                _at(year - 1, 12, 15),
                author,
            )
    flags.flush()
    templates.flush()
    criteria = Rows(ctx, Criterion, "criteria")
    template_of: dict[tuple[int, int], ScoreTemplate] = {}
    for template in templates_written(ctx):
        template_of[(template.county_id, template.year)] = template
        for order, (name, maximum, _category) in enumerate(CRITERIA):
            criteria.add(
                row(
                    Criterion, template=template, name=name, weight=Decimal("1"), maximum=Decimal(maximum), order=order
                ),
                template.created_at,
                template.created_by,
            )
    criteria.flush()
    criteria_of = defaultdict(list)
    for c in Criterion.objects.order_by("template_id", "order"):
        criteria_of[c.template_id].append(c)

    plan_targets: list[tuple[InspectionPlan, list[tuple[int, object, str, list[str]]]]] = []
    for ci, groups in by_county.items():
        county = ctx.counties[ci].unit
        author = ctx.county_author(ci)
        for year in ctx.years:
            approved = _at(year - 1, 12, 28)
            plan = row(
                InspectionPlan,
                county=county,
                year=year,
                status=InspectionPlan.Status.APPROVED,
                approved_at=approved,
                approved_by=staff if author else None,
            )
            if author is None:  # only the demo county has a staff account to approve with
                plan.status, plan.approved_at = InspectionPlan.Status.DRAFT, None
            plan_rows.add(plan, _at(year - 1, 12, 10), author, updated=approved)
            # The app's rule, asked only of the groups the simulation made weak the year before (behind their
            # plan, rushing their records, leader often away): the others pass it, and asking all is slow.
            weak = [g for gi, g in groups if _simulated_weak(rec, gi, year - 1)]
            if year == first:
                reasons = _reasons(plan, [g for _gi, g in groups], flagged)
            else:
                reasons = _reasons(plan, weak, {})
            plan_targets.append((plan, [(gi, g, ci, reasons.get(g.pk, [])) for gi, g in groups]))
    plan_rows.flush()

    ctx.stage("inspection visits")
    target_rows = Rows(ctx, PlanTarget, "plan targets")
    targets = []
    for plan, groups in plan_targets:
        weak = sorted((g for g in groups if g[3]), key=lambda g: -len(g[3]))[: max(1, int(len(groups) * KEY_SHARE))]
        key = {g[1].pk for g in weak}
        for gi, group, ci, reasons in groups:
            kind = VisitKind.KEY if group.pk in key else VisitKind.ROUTINE
            target = row(
                PlanTarget,
                plan=plan,
                study_group=group,
                kind=kind,
                planned_visits=2 if kind == VisitKind.KEY else 1,
                reasons="\n".join(reasons) if kind == VisitKind.KEY else "",
            )
            target_rows.add(target, plan.created_at, plan.created_by)
            targets.append((target, gi, ci))
    target_rows.flush()

    visit_rows = Rows(ctx, Visit, "visits")
    # The deadlines of every session day, the calendar read once.
    days = [timezone.localdate(start) for group in sessions.values() for _pk, start in group]
    materials, summaries = workdays.add_workdays_many(days, -5), workdays.add_workdays_many(days, 10)
    visits = []
    for target, gi, ci in targets:
        year = target.plan.year
        options = sessions.get((target.study_group_id, year), [])
        for pk, starts_at in rng.sample(options, min(target.planned_visits, len(options))):
            day = timezone.localdate(starts_at)
            visit = row(
                Visit,
                target=target,
                session_id=pk,
                kind=target.kind,
                template=template_of[(target.plan.county_id, year)],
                session_starts_at=starts_at,
                materials_due=materials[day],
                summary_due=summaries[day],
            )
            _result(visit, target, rng, now, criteria_of[visit.template_id], staff if ctx.county_author(ci) else None)
            author = ctx.county_author(ci)
            visit_rows.add(visit, min(starts_at - datetime.timedelta(days=14), now), author, updated=visit._updated)
            visits.append((visit, gi, ci))
    visit_rows.flush()
    through = Visit.inspectors.through
    links = [
        through(visit_id=v.pk, user_id=inspector.pk)
        for v, gi, ci in visits
        if inspector and ci == 0 and v.target.study_group_id not in conflicted
    ]
    through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    copy_m2m_to_history(Visit, "inspectors", [link.visit_id for link in links])

    ctx.stage("inspection scores")
    score_rows, finding_rows = Rows(ctx, Score, "scores"), Rows(ctx, Finding, "rectification items")
    for visit, gi, ci in visits:
        if visit.scored_at is None:
            continue
        by = inspector if ci == 0 else None
        for criterion, value in zip(criteria_of[visit.template_id], visit._values, strict=True):
            score_rows.add(row(Score, visit=visit, criterion=criterion, value=value), visit.scored_at, by)
        if visit.published_at is not None:
            for finding, at in _findings(visit, rng, now, ctx.group_author(gi), staff):
                finding_rows.add(finding, at, by, updated=finding._updated)
    score_rows.flush()
    finding_rows.flush()


def templates_written(ctx: DemoContext):
    return ScoreTemplate.objects.filter(county__in=[c.unit for c in ctx.counties]).order_by("pk")


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def _held_sessions(ctx: DemoContext) -> dict[tuple[int, int], list[tuple[int, datetime.datetime]]]:
    """The sessions of each group and year (one query)."""
    result = defaultdict(list)
    first = _at(ctx.years[0], 1, 1, 0)
    for pk, group_id, starts_at in (
        StudySession.objects.filter(starts_at__gte=first)
        .values_list("pk", "study_group_id", "starts_at")
        .order_by("pk")
    ):
        result[(group_id, timezone.localtime(starts_at).year)].append((pk, starts_at))
    return result


def _conflicted_groups(inspector) -> set[int]:
    if inspector is None or inspector.person_id is None:
        return set()
    person = inspector.person
    groups = set(Membership.objects.filter(person=person).values_list("study_group_id", flat=True))
    return groups | set(StudyGroup.objects.filter(unit_id=person.unit_id).values_list("pk", flat=True))


def _simulated_weak(rec, group_index: int, year: int) -> bool:
    if rec is None:
        return True
    flags = rec.flags
    return (group_index, year) in rec.behind or (
        flags is not None and ((group_index, year) in flags.rush or group_index in flags.absent_leader)
    )


def _reasons(plan: InspectionPlan, groups: list, flagged: dict[int, str]) -> dict[int, list[str]]:
    """The app's own reasons for the year before (the first year has no year before: the staff's flags)."""
    if flagged:
        return {
            pk: [f"宣传部标记为对理论学习重视不够：{reason}"]
            for pk, reason in flagged.items()
            if pk in {g.pk for g in groups}
        }
    reasons = defaultdict(list)
    if not groups:
        return reasons
    for candidate in records_source(plan=plan, groups=groups):
        reasons[candidate.study_group_id].append(str(candidate.reason))
    return reasons


def _result(visit, target, rng: random.Random, now, criteria, staff) -> None:
    """Scores, the summary and publication of a visit whose session is over; key targets score lower."""
    visit._updated = None
    visit._values = []
    start = visit.session_starts_at
    late = rng.random() < 0.15
    summary_day = (
        visit.summary_due + datetime.timedelta(days=rng.randint(1, 6))
        if late
        else timezone.localdate(start) + datetime.timedelta(days=rng.randint(1, 7))
    )
    summary_at = timezone.make_aware(datetime.datetime.combine(summary_day, datetime.time(16)))
    if summary_at >= now:
        return
    share = rng.uniform(0.5, 0.82) if target.kind == VisitKind.KEY else rng.uniform(0.7, 0.98)
    total = Decimal("0")
    for c in criteria:
        value = min(
            c.maximum,
            max(Decimal("0"), (c.maximum * Decimal(share + rng.uniform(-0.08, 0.08))).quantize(Decimal("0.1"))),
        )
        visit._values.append(value)
        total += value
    visit.scored_at, visit.total, visit.max_total = (
        start + datetime.timedelta(hours=4),
        total,
        sum(c.maximum for c in criteria),
    )
    good = share >= 0.8
    visit.overall, visit.highlights = SUMMARY["good" if good else "weak"]
    visit.problems = "" if good else "研讨聚焦不够，个别发言结合实际不紧。"
    visit.summary_at = summary_at
    published = summary_at + datetime.timedelta(days=3)
    if staff is not None and published < now:
        visit.published_at, visit.published_by = published, staff
    visit._updated = visit.published_at or summary_at


def _findings(visit, rng: random.Random, now, secretary, staff):
    """The weakest criteria of a published visit become rectification items, in every state."""
    scored = sorted(zip(visit._values, CRITERIA, strict=True), key=lambda pair: pair[0] / pair[1][1])
    weak = [category for value, (_n, maximum, category) in scored if value / maximum < Decimal("0.75")][:3]
    for category in weak:
        problem, advice = ADVICE[category]
        at = visit.published_at
        deadline = timezone.localdate(at) + datetime.timedelta(days=30)
        finding = row(Finding, visit=visit, category=category, description=problem, advice=advice, deadline=deadline)
        finding._updated = at
        answered = at + datetime.timedelta(days=rng.randint(10, 40))
        if answered < now:
            finding.status, finding.response = Finding.Status.ANSWERED, "已召开专题会议研究整改，完善了相关制度。"
            finding.answered_at, finding.answered_by = answered, secretary
            finding._updated = answered
            if rng.random() < 0.2:  # sent back once, answered again
                back, again = answered + datetime.timedelta(days=5), answered + datetime.timedelta(days=15)
                finding.status, finding.return_reason, finding.times_returned = (
                    Finding.Status.RETURNED,
                    "佐证材料不充分，请补充会议记录。",
                    1,
                )
                finding._updated = back
                if again < now:
                    finding.status, finding.answered_at, finding.response = (
                        Finding.Status.ANSWERED,
                        again,
                        "已补充会议记录和学习材料。",
                    )
                    finding._updated = again
            verified = finding.answered_at + datetime.timedelta(days=6)
            if finding.status == Finding.Status.ANSWERED and verified < now and staff is not None:
                finding.status, finding.verified_at, finding.verified_by = Finding.Status.CLOSED, verified, staff
                finding._updated = verified
        yield finding, at
