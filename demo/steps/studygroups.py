"""The studygroups demo step: three years of study records on the demo region that core's part built.

Registered in ``StudygroupsConfig.ready()`` as ``DemoStep("studygroups", build, MODELS)`` and run by
``manage.py seed_demo`` (the ``demo`` app) after the org tree, people and accounts. :func:`build` runs
its builders in order, each with its own ``ctx.rng(key)``; what they share (plan topics, reading lists,
the simulated sessions...) is a :class:`StudyRecords`, left in ``ctx.state["studygroups"]`` for later steps.

The study records (plans, sessions, attendance, speeches, reflections, self-study, reading, research
topics, articles, exam scores) carry the moment they would have been entered: created_at (and
record_entered_at) mostly soon after the fact, late for some groups (the year-end rush of the seeds),
never after the start of ``today``. Their authors are the demo accounts in the demo county, nobody
elsewhere; the history rows say the same. Sessions from ``today`` on are planned, without records. Up
to three quarters of a million attendance rows at the prefecture scale go through
:class:`demo.writers.Rows`. The texts they are written from are in ``demo/data/studygroups/``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.models import Membership, Person
from demo.context import (
    DemoContext,
    GroupSpec,
    data,
    day_between,
    evening_time,
    moment,
    office_time,
    person_name,
    weekday,
    weighted,
    year_span,
)
from demo.writers import BATCH_SIZE, Rows, copy_m2m_to_history, copy_to_history, row
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    Speech,
    StudySession,
    TheoryArticle,
)
from studygroups.models.plans import topic_key
from studygroups.services.coverage import coverage_rebuild, coverage_rebuild_all

# What the step writes, in the order it creates them (seed_demo --flush deletes them in reverse).
MODELS = (
    "studygroups.Plan",
    "studygroups.PlanTopic",
    "studygroups.RequiredReading",
    "studygroups.StudySession",
    "studygroups.Attendance",
    "studygroups.Speech",
    "studygroups.Reflection",
    "studygroups.SelfStudy",
    "studygroups.ReadingProgress",
    "studygroups.ResearchTopic",
    "studygroups.TheoryArticle",
    "studygroups.ExamScore",
    "studygroups.CoverageKey",  # derived from the plans and sessions (deleted first)
)


def build(ctx: DemoContext) -> None:
    """The study records of every group of ``ctx``, builder after builder."""
    rec = ctx.state["studygroups"] = StudyRecords()
    for key, label, builder in (
        ("plans", "study plans", build_plans),
        ("readings", "required readings", build_readings),
        ("sessions", "study sessions", build_sessions),
        ("attendance", "attendance", build_attendance),
        ("speeches", "speeches", build_speeches),
        ("reflections", "reflections", build_reflections),
        ("selfstudy", "self-study", build_self_study),
        ("reading", "reading progress", build_reading_progress),
        ("research", "research topics", build_research_topics),
        ("articles", "theory articles", build_articles),
        ("exams", "exam scores", build_exam_scores),
    ):
        ctx.stage(label)
        builder(ctx, rec, ctx.rng(key))
    # Plans, topics and sessions were written in bulk (no signals): their coverage keys, derived, at once.
    coverage_rebuild_all()


# --------------------------------------------------------------------------------------------------
# What the records are written from (demo/data/studygroups/) and how often things happen.


@dataclass(frozen=True)
class Topic:
    """A study topic (专题) as plans name it; ``short`` is how speeches and articles refer to it."""

    short: str
    title: str
    content: str
    materials: tuple[str, ...]
    first: int | None = None  # first and last year plans carry it (None: open)
    last: int | None = None
    always: bool = False  # in every plan of the years it is current

    def in_year(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    first: int | None = None
    last: int | None = None
    lead: bool = False  # on every list of the years it is current

    def in_year(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


def _topic(item: dict) -> Topic:
    return Topic(**{**item, "materials": tuple(item["materials"])})


TOPICS = tuple(_topic(t) for t in data("studygroups/topics.json")["topics"])
TOPIC_BY_TITLE = {t.title: t for t in TOPICS}
# What a session studies when it follows no plan topic (before the plan is out, or a group off its plan).
AD_HOC = tuple(_topic(t) for t in data("studygroups/topics.json")["ad_hoc"])
BOOKS = tuple(Book(**b) for b in data("studygroups/books.json")["books"])
TEXTS = data("studygroups/texts.json")
SESSION_KIND_WORDS = TEXTS["session_kinds"]  # by StudySession.Kind value
LEAVE_REASONS = weighted(TEXTS["leave_reasons"])
LEADER_LEAVE_REASONS = weighted(TEXTS["leader_leave_reasons"])
ISSUES = TEXTS["issues"]  # by kind of group

SK = StudySession.Kind
# Minutes a session of each kind lasts (min, max): "half a day" for the main kinds.
SESSION_MINUTES = {
    SK.CONCENTRATED: (120, 180),
    SK.SEMINAR: (150, 210),
    SK.LECTURE: (100, 140),
    SK.COURSEWARE: (80, 110),
    SK.PARTY_DAY: (150, 200),
    SK.ONLINE: (60, 90),
    SK.EXCHANGE: (210, 270),
}
START_MINUTES = (8 * 60 + 30, 9 * 60, 14 * 60 + 30, 15 * 60)
MONTHLY_KINDS = ((SK.CONCENTRATED, SK.SEMINAR, SK.ONLINE, SK.COURSEWARE), (55, 37, 4, 4))
EXTRA_KINDS = {
    "county": ((SK.LECTURE, SK.COURSEWARE, SK.ONLINE, SK.CONCENTRATED), (45, 25, 15, 15)),
    "department": ((SK.LECTURE, SK.COURSEWARE, SK.PARTY_DAY, SK.EXCHANGE, SK.ONLINE), (30, 20, 20, 15, 15)),
    "township": ((SK.LECTURE, SK.COURSEWARE, SK.PARTY_DAY, SK.EXCHANGE, SK.ONLINE), (25, 20, 30, 15, 10)),
}
# Chance that a group holds no monthly session in a month: Spring Festival, New Year, the summer.
MONTH_SKIP = {1: 0.25, 2: 0.5, 7: 0.06, 8: 0.1}
# Reflections are written after the session: not before twenty minutes after its end.
TWENTY_MINUTES = datetime.timedelta(minutes=20)


@dataclass(slots=True)
class SessionSim:
    """A session as simulated: its row, who attended how, who spoke, and when its parts were entered."""

    session: StudySession
    group_index: int
    topic: Topic
    topics: list[PlanTopic]
    rows: list[tuple]  # (person, status, reason, checked_in_at, makeup_on, makeup_notes), in roster order
    speeches: list[tuple]  # (person, is_lead, topic, gist)
    record_at: datetime.datetime | None  # when the written record was entered (None: not yet, or never)
    sheet_at: datetime.datetime  # when the secretary entered the attendance sheet


@dataclass(frozen=True)
class FixedSession:
    """What a later step fixes of a session it has :func:`simulate_session` draw (the rest is drawn as usual)."""

    kind: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    title: str
    place: str
    note: str  # what the record says of the form
    created_at: datetime.datetime


@dataclass
class _GroupFlags:
    rush: set[tuple[int, int]]  # (group, year): records written in a December rush (年底突击赶写)
    absent_leader: set[int]  # groups whose leader is often away
    qr_from: dict[int, datetime.date]  # groups checking in by QR code from that day on


@dataclass
class StudyRecords:
    """What the builders leave for the ones after them. Keys: (group or county index, year)."""

    group_topics: dict[tuple[int, int], list[PlanTopic]] = field(default_factory=dict)
    group_plan_at: dict[tuple[int, int], datetime.datetime] = field(default_factory=dict)
    county_plan_at: dict[tuple[int, int], datetime.datetime] = field(default_factory=dict)
    readings: dict[tuple[int, int], list[RequiredReading]] = field(default_factory=dict)
    sessions: list[SessionSim] = field(default_factory=list)
    behind: set[tuple[int, int]] = field(default_factory=set)  # (group, year) pairs that fall behind their plan
    flags: _GroupFlags | None = None  # which groups rush their records, have leaders often away...
    rooms: list[str] = field(default_factory=list)  # each group's usual meeting room


# --------------------------------------------------------------------------------------------------
# The builders.


def build_plans(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Per year and county: the region's topic arrangement as received, the county's annual plan; per group
    an annual plan (about ten topics, each with month, place and people, 四明确) and quarterly plans."""
    now = ctx.now
    n_groups = len(ctx.groups)
    for year in ctx.years:  # about a fifth of the groups fall behind their plan each year
        rec.behind |= {(gi, year) for gi in rng.sample(range(n_groups), max(1, round(n_groups * 0.2)))}
    rec.rooms = [_group_room(ctx, gi, ctx.rng(f"room:{gi}")) for gi in range(n_groups)]

    region = ctx.region
    plans: list[tuple] = []  # (plan, at, by, topics)
    for year in ctx.years:
        yrng = ctx.rng(f"plans:{year}")
        current = [t for t in TOPICS if t.in_year(year)]
        lead = [t for t in current if t.always]
        rest = [t for t in current if not t.always]
        chosen = lead + yrng.sample(rest, min(len(rest), max(0, yrng.randint(11, 12) - len(lead))))
        arrangement_day = datetime.date(year, 1, 8) + datetime.timedelta(days=yrng.randint(0, 25))
        arrangement_number = f"{region.short_name}宣发〔{year}〕{yrng.randint(1, 4)}号"
        for ci, county in enumerate(ctx.counties):
            crng = ctx.rng(f"plans:{year}:{ci}")
            author = ctx.county_author(ci)
            received = office_time(crng, arrangement_day + datetime.timedelta(days=crng.randint(1, 6)))
            if received >= now:
                continue
            arrangement = row(
                Plan,
                level=Plan.Level.ARRANGEMENT,
                unit=county.unit,
                year=year,
                title=f"{year}年全盟党委（党组）理论学习中心组专题学习重点内容安排",
                issuer=f"{region.name}委宣传部",
                document_number=arrangement_number,
                issued_on=arrangement_day,
            )
            plans.append(
                (
                    arrangement,
                    received,
                    author,
                    [row(PlanTopic, order=i + 1, title=t.title, content=t.content) for i, t in enumerate(chosen)],
                )
            )
            # The county's plan: the arrangement's topics (one may be left out), one or two a month from March.
            dropped = crng.choice(rest) if rest and crng.random() < 0.5 else None
            county_topics = [t for t in chosen if t is not dropped]
            county_day = arrangement_day + datetime.timedelta(days=crng.randint(10, 28))
            county_at = office_time(crng, county_day)
            if county_at >= now:
                continue
            months = [3 + i * 10 // len(county_topics) for i in range(len(county_topics))]
            county_number = f"{county.unit.short_name}宣发〔{year}〕{crng.randint(2, 9)}号"
            q = county.q
            plans.append(
                (
                    row(
                        Plan,
                        level=Plan.Level.COUNTY,
                        unit=county.unit,
                        year=year,
                        title=f"{year}年全{q}党委（党组）理论学习中心组学习计划",
                        issuer=f"{county.unit.name}委宣传部",
                        document_number=county_number,
                        issued_on=county_day,
                        notes=f"依据{region.name}委宣传部《{year}年全盟党委（党组）理论学习中心组专题学习重点内容安排》"
                        f"（{arrangement_number}）制定。",
                    ),
                    county_at,
                    author,
                    [
                        row(
                            PlanTopic,
                            order=i + 1,
                            title=t.title,
                            content=t.content,
                            planned_month=month,
                            place="各党委（党组）会议室",
                            participants="各党委（党组）理论学习中心组成员",
                        )
                        for i, (t, month) in enumerate(zip(county_topics, months, strict=True))
                    ],
                )
            )
            rec.county_plan_at[ci, year] = county_at
            for gi, spec in enumerate(ctx.specs):
                if spec.county is county:
                    plans += _group_plans(ctx, rec, gi, year, county_topics, months, county_day, county_number)

    rows = Rows(ctx, Plan, "study plans")
    topics = Rows(ctx, PlanTopic, "plan topics")
    for plan, at, by, _topics in plans:
        rows.add(plan, at, by)
    rows.flush()
    for plan, at, by, plan_topics in plans:
        for topic in plan_topics:
            topic.plan = plan
            topic.title_key = topic_key(topic.title)  # rows written in bulk: save() does not set it
            topics.add(topic, at, by)
    topics.flush()


def _group_room(ctx: DemoContext, gi: int, rng: random.Random) -> str:
    spec = ctx.specs[gi]
    unit = spec.group.unit
    if spec.category == "county":
        return f"{unit.name}委常委会议室"
    if spec.category == "township":
        return f"{unit.name}党委{rng.choice(TEXTS['township_rooms'])}"
    return f"{unit.name}{rng.choice(TEXTS['rooms'])}"


def _group_plans(ctx, rec, gi, year, county_topics, months, county_day, county_number) -> list[tuple]:
    """A group's annual plan and quarterly plans (with the annual topics of their quarter)."""
    grng = ctx.rng(f"plans:{year}:g{gi}")
    spec = ctx.specs[gi]
    group = spec.group
    behind = (gi, year) in rec.behind
    day = county_day + datetime.timedelta(days=grng.randint(20, 60) if behind else grng.randint(4, 20))
    at = office_time(grng, day)
    if at >= ctx.now:
        return []
    author = ctx.group_author(gi)
    keep = [(t, m) for t, m in zip(county_topics, months, strict=True) if t.always or grng.random() < 0.85]
    issuer = group.name.removesuffix("理论学习中心组")
    annual = row(
        Plan,
        level=Plan.Level.ANNUAL,
        unit=group.unit,
        study_group=group,
        year=year,
        title=f"{group.name}{year}年学习计划",
        issuer=issuer,
        issued_on=day,
        notes=f"依据《{year}年全{spec.county.q}党委（党组）理论学习中心组学习计划》（{county_number}）制定。",
    )
    annual_topics = []
    for i, (topic, month) in enumerate(keep):
        if grng.random() < 0.25:
            month += grng.choice((-1, 1))
        month = min(12, max(month, day.month))
        lecture = grng.random() < 0.1
        annual_topics.append(
            row(
                PlanTopic,
                order=i + 1,
                title=topic.title,
                content=topic.content,
                planned_month=month,
                place=f"{spec.county.unit.name}委党校报告厅" if lecture else rec.rooms[gi],
                participants=grng.choice(TEXTS["participants"]),
            )
        )
    rec.group_topics[gi, year] = sorted(annual_topics, key=lambda t: (t.planned_month, t.order))
    rec.group_plan_at[gi, year] = at
    result = [(annual, at, author, annual_topics)]
    for quarter in range(1, 5):
        q_day = max(day, datetime.date(year, quarter * 3 - 2, 1) - datetime.timedelta(days=grng.randint(0, 10)))
        q_at = max(at, office_time(grng, q_day))
        mine = [t for t in annual_topics if (t.planned_month - 1) // 3 + 1 == quarter]
        if not mine or q_at >= ctx.now:
            continue
        quarterly = row(
            Plan,
            level=Plan.Level.QUARTERLY,
            unit=group.unit,
            study_group=group,
            year=year,
            quarter=quarter,
            title=f"{group.name}{year}年第{'一二三四'[quarter - 1]}季度学习计划",
            issuer=issuer,
            issued_on=q_at.date(),
        )
        copies = [
            row(
                PlanTopic,
                order=i + 1,
                title=t.title,
                content=t.content,
                planned_month=t.planned_month,
                place=t.place,
                participants=t.participants,
            )
            for i, t in enumerate(mine)
        ]
        result.append((quarterly, q_at, author, copies))
    return result


def build_readings(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Each county's required reading list (必学书目) of each year: four to six books, out with its plan."""
    rows = Rows(ctx, RequiredReading, "required readings")
    for year in ctx.years:
        current = [b for b in BOOKS if b.in_year(year)]
        for ci, county in enumerate(ctx.counties):
            at = rec.county_plan_at.get((ci, year))
            if at is None:
                continue
            crng = ctx.rng(f"readings:{year}:{ci}")
            lead = [b for b in current if b.lead]
            rest = [b for b in current if not b.lead]
            books = lead + crng.sample(rest, min(len(rest), max(0, crng.randint(4, 6) - len(lead))))
            readings = [
                row(RequiredReading, unit=county.unit, year=year, order=i + 1, title=b.title, author=b.author)
                for i, b in enumerate(books)
            ]
            for reading in readings:
                rows.add(reading, at, ctx.county_author(ci))
            rec.readings[ci, year] = readings
    rows.flush()


def build_sessions(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """About one session a month per group and a few more of other kinds, three years of them, with their
    records; attendance, speeches and reflections are drawn here too and written by the next builders."""
    n = len(ctx.groups)
    secretary_group = next((gi for gi in range(n) if ctx.group_author(gi) is not None), None)
    rush = set()
    for year in ctx.years:  # groups that write most records at the year's end; never the demo secretary's
        pool = [gi for gi in range(n) if gi != secretary_group]
        rush |= {(gi, year) for gi in rng.sample(pool, max(1, round(n * 0.1)))}
    absent_leader = set(rng.sample(range(n), max(1, round(n * 0.12))))
    qr_from = {}
    for gi in range(n):
        if rng.random() < 0.45:
            qr_from[gi] = ctx.start + datetime.timedelta(days=rng.randint(540, 1000))
    flags = _GroupFlags(rush=rush, absent_leader=absent_leader, qr_from=qr_from)
    rec.flags = flags

    rows = Rows(ctx, StudySession, "study sessions", after=_session_topics_and_history)
    for gi in range(n):
        sims = _simulate_group(ctx, rec, gi, flags)
        if gi == secretary_group:
            sims += _notices_due_soon(ctx, rec, gi, sims)
        for sim in sims:
            rec.sessions.append(sim)
            session = sim.session
            session._demo_topics = sim.topics
            rows.add(session, session.created_at, session.created_by, updated=session.updated_at)
    rows.flush()


def simulate_session(ctx: DemoContext, gi: int, day: datetime.date, fixed: FixedSession, grng: random.Random):
    """A session of group ``gi`` that a later step fixes (an exchange visit's side), drawn as this step draws
    its own: the roster's attendance, the host, speakers, the record and when it was entered."""
    rec: StudyRecords = ctx.state["studygroups"]
    roster = sorted(ctx.rosters()[gi], key=lambda m: (m.role_order, m.start_date))
    return _simulate_session(
        ctx, rec, gi, ctx.specs[gi], grng, rec.flags, day, False, roster, set(), {}, {}, fixed=fixed
    )


def write_sessions(ctx: DemoContext, sims: list[SessionSim]) -> None:
    """Write sessions a later step simulated, with their attendance and speeches, as this step writes its own
    (and counted with them); they join ``ctx.state["studygroups"].sessions`` for the steps after."""
    rec: StudyRecords = ctx.state["studygroups"]
    rows = Rows(ctx, StudySession, "study sessions", after=_session_topics_and_history)
    for sim in sims:
        session = sim.session
        session._demo_topics = sim.topics
        rows.add(session, session.created_at, session.created_by, updated=session.updated_at)
    rows.flush()
    coverage_rebuild({(sim.session.study_group_id, timezone.localtime(sim.session.starts_at).year) for sim in sims})
    extra = StudyRecords(sessions=sims)
    build_attendance(ctx, extra, None)
    build_speeches(ctx, extra, None)
    rec.sessions.extend(sims)


def _notices_due_soon(ctx: DemoContext, rec: StudyRecords, gi: int, sims: list[SessionSim]) -> list[SessionSim]:
    """Two sessions of the demo secretary's group, on the next working days from ``SESSION_NOTICE_DAYS`` on,
    scheduled yesterday with their notice period set so that it falls due as the demo starts: one from today
    (the worker `make run` starts sends it at its first run), one from tomorrow. Skipped on a day the group
    already meets. Their own draws: nothing else changes."""
    grng = ctx.rng(f"sessions:due-soon:{gi}")
    spec = ctx.specs[gi]
    taken = {sim.session.starts_at.date() for sim in sims}
    created = office_time(grng, ctx.today - datetime.timedelta(days=1))
    author = ctx.group_author(gi)
    added = []
    day = ctx.today + datetime.timedelta(days=settings.SESSION_NOTICE_DAYS - 1)
    for due_in in (0, 1):
        day += datetime.timedelta(days=1)
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        # The notice goes out from the start of the day ``notice_days`` before the session's day.
        notice_days = (day - ctx.today).days - due_in
        if day in taken:
            continue
        topic = grng.choice(AD_HOC)
        title, place, _note = _session_title_place(ctx, rec, gi, spec, grng, SK.CONCENTRATED, topic, day)
        start = moment(day, grng.choice(START_MINUTES))
        seated = [m for m in ctx.rosters()[gi] if m.start_date <= day and (m.end_date is None or m.end_date >= day)]
        host = next((m.person for m in seated if m.role == Membership.Role.LEADER), None)
        materials = _materials(grng, ctx, rec, gi, topic, day.year)
        session = row(
            StudySession,
            study_group=spec.group,
            title=title[:200],
            kind=SK.CONCENTRATED,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=grng.randint(*SESSION_MINUTES[SK.CONCENTRATED])),
            place=place[:100],
            host=host,
            materials=materials,
            materials_entered_at=created,
            notice_days=notice_days,
            version=1,
        )
        session.created_at, session.updated_at, session.created_by = created, created, author
        added.append(
            SessionSim(
                session=session,
                group_index=gi,
                topic=topic,
                topics=[],
                rows=[],
                speeches=[],
                record_at=None,
                sheet_at=session.ends_at,
            )
        )
    return added


def _session_topics_and_history(sessions: list[StudySession]) -> None:
    """After a batch of sessions is written: their plan topics, and a truthful history.

    demo.writers.create_with_history() records each session once, as it is now. A session entered before it took
    place had no record then: its "+" row is set back to what was entered at creation, and a "~" row
    dated at the last change (the record, a notice or reminder sent by the system) holds what it is now.
    """
    through = StudySession.topics.through
    through.objects.bulk_create(
        [through(studysession_id=s.pk, plantopic_id=t.pk) for s in sessions for t in s._demo_topics],
        batch_size=BATCH_SIZE,
    )
    history = StudySession.history.model
    # Each history row holds the session's topics (the demo's topics never change).
    copy_m2m_to_history(StudySession, "topics", [s.pk for s in sessions])
    changed = [s for s in sessions if s.updated_at > s.created_at]
    if not changed:
        return
    history.objects.filter(history_type="+", id__in=[s.pk for s in changed]).update(
        record="",
        record_entered_at=None,
        record_entered_by=None,
        work_problems="",
        outcomes="",
        notice_sent_at=None,
        record_reminder_sent_at=None,
        version=1,
        updated_at=F("created_at"),
    )
    # The current state, dated at the last change, by whoever entered the record if that was it.
    copy_to_history(
        StudySession,
        [s.pk for s in changed],
        kind="~",
        date="updated_at",
        user="CASE WHEN record_entered_at = updated_at THEN record_entered_by_id END",
    )
    copy_m2m_to_history(StudySession, "topics", [s.pk for s in changed if s._demo_topics], kinds=("~",))


def _simulate_group(ctx: DemoContext, rec: StudyRecords, gi: int, flags: _GroupFlags) -> list[SessionSim]:
    grng = ctx.rng(f"sessions:{gi}")
    spec = ctx.specs[gi]
    roster = sorted(ctx.rosters()[gi], key=lambda m: (m.role_order, m.start_date))
    speech_counts: dict[int, int] = {}
    propensity: dict[int, float] = {}
    sims = []
    for year in ctx.years:
        used: set[datetime.date] = set()
        slots = []
        for month in range(1, 13):
            skip = MONTH_SKIP.get(month, 0.04) + (0.3 if (gi, year) in rec.behind else 0.0)
            if grng.random() >= skip:
                slots.append((weekday(grng, year, month, 6, 26, used), True))
        for _ in range(grng.randint(3, 5)):
            month = grng.choice((1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
            slots.append((weekday(grng, year, month, 2, 28, used), False))
        slots.sort()
        covered: set[int] = set()
        for day, monthly in slots:
            sim = _simulate_session(
                ctx, rec, gi, spec, grng, flags, day, monthly, roster, covered, speech_counts, propensity
            )
            if sim.session.created_at < ctx.now:
                sims.append(sim)
    return sims


def _simulate_session(
    ctx,
    rec,
    gi,
    spec,
    grng,
    flags,
    day,
    monthly,
    roster,
    covered,
    speech_counts,
    propensity,
    *,
    fixed: FixedSession | None = None,
):
    """One session of group ``gi`` on ``day``, drawn from ``grng``; ``fixed`` (a later step's session, such as
    one side of an exchange visit) sets its kind, time, subject, place, note and when it was entered."""
    year = day.year
    group = spec.group
    now = ctx.now
    if fixed is not None:
        kind, start, end = fixed.kind, fixed.starts_at, fixed.ends_at
    else:
        if monthly:
            kind = grng.choices(*MONTHLY_KINDS)[0]
        else:
            kind = grng.choices(*EXTRA_KINDS[spec.category])[0]
        start = moment(day, grng.choice(START_MINUTES))
        end = start + datetime.timedelta(minutes=grng.randint(*SESSION_MINUTES[kind]))

    # When the record is entered: mostly within three days; late for a few; in a December rush for some groups.
    late_days = settings.LATE_ENTRY_DAYS
    behind = (gi, year) in rec.behind
    u = grng.random()
    rushed = False
    if (gi, year) in flags.rush and day.month < 12 and u < 0.6:
        record_at = office_time(grng, datetime.date(year, 12, grng.randint(12, 30)))
        rushed = True
    elif u < (0.07 if behind else 0.025):
        record_at = None  # never written
    elif u < (0.12 if behind else 0.06):
        record_at = office_time(grng, day + datetime.timedelta(days=grng.randint(late_days + 1, late_days + 40)))
    elif grng.random() < 0.35:
        record_at = end + datetime.timedelta(minutes=grng.randint(30, 150))
    else:
        record_at = office_time(grng, day + datetime.timedelta(days=grng.randint(1, 3)))
    sheet_at = end + datetime.timedelta(minutes=grng.randint(20, 1800))
    notice_days = settings.SESSION_NOTICE_DAYS
    if fixed is not None:
        created, rushed = fixed.created_at, False  # planned with the visit; a December record is only late
    elif rushed:
        created = record_at  # the whole session was entered after the fact
    else:
        created = office_time(grng, day - datetime.timedelta(days=notice_days + grng.randint(1, 24)))

    # Plan topics covered: the month's (or an overdue) topic of the annual plan once the plan is out.
    plan_topics = rec.group_topics.get((gi, year), [])
    plan_at = rec.group_plan_at.get((gi, year))
    linked: list[PlanTopic] = []
    if plan_topics and plan_at is not None and plan_at <= created:
        if monthly:
            if behind and grng.random() < 0.35:
                pass  # studied something else
            else:
                due = [t for t in plan_topics if id(t) not in covered and t.planned_month <= day.month]
                if not due and grng.random() < 0.4:
                    due = [t for t in plan_topics if id(t) not in covered and t.planned_month == day.month + 1]
                if due:
                    linked = due[:2] if len(due) > 1 and grng.random() < 0.35 else due[:1]
                elif grng.random() < 0.5:
                    linked = [grng.choice(plan_topics)]
        elif grng.random() < 0.6:
            linked = [grng.choice(plan_topics)]
    covered.update(id(t) for t in linked)
    topic = TOPIC_BY_TITLE[linked[0].title] if linked else grng.choice(AD_HOC)
    if not linked and kind not in (SK.CONCENTRATED, SK.LECTURE, SK.EXCHANGE, SK.PARTY_DAY):
        kind = SK.CONCENTRATED
    if fixed is not None:
        title, place, note = fixed.title, fixed.place, fixed.note
    else:
        title, place, note = _session_title_place(ctx, rec, gi, spec, grng, kind, topic, day)

    # Who was there: every member of the group on the day.
    active = [m for m in roster if m.start_date <= day and (m.end_date is None or m.end_date >= day)]
    leader_away = gi in flags.absent_leader
    qr = gi in flags.qr_from and day >= flags.qr_from[gi]
    rows = []
    statuses = {}
    R, S = Membership.Role, Attendance.Status
    for m in active:
        person = m.person
        if m.role == R.SECRETARY:
            leave, absent, late = 0.02, 0.0, 0.01
        elif m.role == R.LEADER:
            leave, absent, late = (0.26, 0.1, 0.03) if leader_away else (0.09, 0.01, 0.02)
        else:
            p = propensity.setdefault(id(person), grng.choice((0.4, 0.7, 1.0, 1.0, 1.2, 1.8)))
            leave, absent, late = 0.068 * p, 0.012 * p, 0.028
        u = grng.random()
        if u < leave:
            status = S.LEAVE
        elif u < leave + absent:
            status = S.ABSENT
        elif u < leave + absent + late:
            status = S.LATE
        else:
            status = S.PRESENT
        statuses[id(person)] = (status, m)
    # The host: the leader, else the first deputy there, else whoever is there.
    host = next((m for m in active if m.role == R.LEADER and statuses[id(m.person)][0] in (S.PRESENT, S.LATE)), None)
    if host is None:
        host = next((m for m in active if m.role == R.DEPUTY), None) or (active[0] if active else None)
        if host is not None:
            statuses[id(host.person)] = (S.PRESENT, host)
    for m in active:
        person = m.person
        status = statuses[id(person)][0]
        reason, checked_in, makeup_on, makeup_note = "", None, None, ""
        if status == S.LEAVE:
            reasons = LEADER_LEAVE_REASONS if m.role == R.LEADER else LEAVE_REASONS
            reason = grng.choices(*reasons)[0]
            if grng.random() < 0.83:
                makeup_on = day + datetime.timedelta(days=grng.randint(3, 30))
                makeup_note = grng.choice(TEXTS["makeup_notes"])
        elif status != S.ABSENT and qr and grng.random() < 0.9:
            minutes = grng.randint(-28, 10) if status == S.PRESENT else grng.randint(16, 45)
            checked_in = start + datetime.timedelta(minutes=minutes)
        rows.append((person, status, reason, checked_in, makeup_on, makeup_note))

    # Two or three speakers, those who spoke least in the group first (成员轮流制).
    attended = [
        m
        for m in active
        if statuses[id(m.person)][0] in (S.PRESENT, S.LATE) and m.role != R.SECRETARY and m is not host
    ]
    k = min(len(attended), 3 if grng.random() < 0.45 else 2)
    ranked = sorted(((speech_counts.get(id(m.person), 0), grng.random(), i) for i, m in enumerate(attended)))
    speakers = [attended[i] for _c, _r, i in ranked[:k]]
    work = _work_words(spec)
    speeches = []
    for i, m in enumerate(speakers):
        speech_counts[id(m.person)] = speech_counts.get(id(m.person), 0) + 1
        speech_topic = grng.choice(TEXTS["speech_topics"]).format(short=topic.short, work=work)
        gist = (
            f"结合{work}谈了学习{topic.short}的认识和体会，认为要{grng.choice(TEXTS['points'])}；"
            f"并就{grng.choice(ISSUES[spec.category])}提出了具体措施。"
        )
        speeches.append((m.person, i < 2, speech_topic[:200], gist))

    author = ctx.group_author(gi)
    in_db = record_at is not None and record_at < now
    record = work_problems = outcomes = ""
    if record_at is not None:
        record = _record_text(grng, spec, kind, day, start, place, host, topic, year, speakers, rows, note)
        if grng.random() < 0.3:
            issue = grng.choice(ISSUES[spec.category])
            work_problems = f"{issue}中存在的短板弱项"
            outcomes = f"会议研究确定{issue}整改措施{grng.randint(2, 6)}项，明确责任人和完成时限。"
    materials = _materials(grng, ctx, rec, gi, topic, year)

    # The system's messages: the advance notice before the session, the reminder of a missing record.
    notice_at = reminder_at = None
    if not rushed:
        notice = max(moment(day - datetime.timedelta(days=notice_days)), created) + datetime.timedelta(minutes=10)
        if notice < now and notice < start:
            notice_at = notice
        reminder = end + datetime.timedelta(days=settings.RECORD_REMINDER_DAYS, minutes=10)
        if reminder < now and (record_at is None or record_at > reminder):
            reminder_at = reminder
    updated = max(t for t in (created, notice_at, reminder_at, record_at if in_db else None) if t is not None)
    session = row(
        StudySession,
        study_group=group,
        title=title[:200],
        kind=kind,
        starts_at=start,
        ends_at=end,
        place=place[:100],
        host=host.person if host is not None else None,
        materials=materials,
        # Entered with the session: most a week or more before it, some within the last days (late
        # against the five working days inspections ask for), the year-end rush after the fact.
        materials_entered_at=created if materials else None,
        record=record if in_db else "",
        record_entered_at=record_at if in_db else None,
        record_entered_by=author if in_db else None,
        work_problems=work_problems if in_db else "",
        outcomes=outcomes if in_db else "",
        notice_days=notice_days,
        notice_sent_at=notice_at,
        record_reminder_sent_at=reminder_at,
        version=2 if in_db and not rushed else 1,
    )
    session.created_at, session.updated_at, session.created_by = created, updated, author
    return SessionSim(
        session=session,
        group_index=gi,
        topic=topic,
        topics=linked,
        rows=rows,
        speeches=speeches,
        record_at=record_at if in_db else None,
        sheet_at=record_at if in_db else sheet_at,
    )


def _work_words(spec: GroupSpec) -> str:
    return TEXTS["work"][spec.category].format(q=spec.county.q)


def _session_title_place(ctx, rec, gi, spec, grng, kind, topic, day) -> tuple[str, str, str]:
    """A session's subject, place, and what its record adds about the form (lecturer, visit, households)."""
    county, room = spec.county, rec.rooms[gi]
    if kind == SK.SEMINAR:
        return f"{topic.short}专题研讨", room, ""
    if kind == SK.LECTURE:
        gender = Person.Gender.MALE if grng.random() < 0.6 else Person.Gender.FEMALE
        surname, given = person_name(grng, gender, set())
        school = grng.choice(TEXTS["lecture_schools"]).format(county=county.unit.name, region=ctx.region.name)
        rank = grng.choice(TEXTS["lecturer_ranks"])
        place = f"{county.unit.name}委党校报告厅" if grng.random() < 0.4 else room
        return f"{topic.short}专题辅导讲座", place, f"会议邀请{school}{rank}{surname}{given}作专题辅导。"
    if kind == SK.COURSEWARE:
        return f"观看“{topic.short}”专题课件", room, ""
    if kind == SK.ONLINE:
        return f"线上学习：{topic.title}", f"线上（“学习强国”学习平台、“{county.unit.name}宣传”公众号）", ""
    if kind == SK.PARTY_DAY:
        unit = spec.group.unit
        branches = [b for b in county.branches if b.parent is unit] if spec.category == "township" else county.branches
        if not branches:
            return f"{day.month}月主题党日：{topic.short}", room, ""
        branch = grng.choice(branches)
        note = (
            f"学习结束后，成员分组走访{branch.name}群众，开展问政于民、问计于民、问需于民“三问”活动，"
            f"收集意见建议{grng.randint(3, 12)}条。"
        )
        return f"{day.month}月主题党日：{topic.short}", f"{branch.name}党群服务中心", note
    if kind == SK.EXCHANGE:
        township = spec.category != "township"
        partner = grng.choice(county.townships if township else county.departments[1:])
        note = f"按照“三看一听一分享”，实地观摩{partner.name}工作亮点，查阅学习档案，听取工作汇报并交流学习经验。"
        place = f"{partner.name}{'党委会议室' if township else '会议室'}"
        return f"赴{partner.name}开展“城乡互动学”交流", place, note
    title = topic.title if topic.title.startswith(("学习", "传达")) else f"{topic.title}专题学习"
    return title, room, ""


def _materials(grng: random.Random, ctx: DemoContext, rec: StudyRecords, gi: int, topic: Topic, year: int) -> str:
    lines = [m.format(year=year) for m in topic.materials]
    readings = rec.readings.get((ctx.county_index(gi), year))
    if readings and grng.random() < 0.5:
        lines.append(f"{grng.choice(readings).title}相关篇目")
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def _record_text(grng, spec, kind, day, start, place, host, topic, year, speakers, rows, note) -> str:
    """The written record (学习记录): time, place, host, content, form, speakers, who attended and who did not."""
    S = Attendance.Status
    when = f"{day.year}年{day.month}月{day.day}日{'上午' if start.hour < 12 else '下午'}"
    host_name = host.person.name if host is not None else ""
    parts = [f"{when}，{spec.group.name}在{place}召开{SESSION_KIND_WORDS[kind]}"]
    if host is not None:
        parts.append(f"，{host.person.title}{host_name}主持。")
    else:
        parts.append("。")
    parts.append(note)
    parts.append(f"会议学习了{'、'.join(m.format(year=year) for m in topic.materials)}。")
    if speakers:
        parts.append(f"{'、'.join(m.person.name for m in speakers)}结合各自工作作交流发言。")
    if host is not None:
        parts.append(f"{host_name}在总结讲话中强调，{grng.choice(TEXTS['emphases'])}。")
    present = sum(1 for r in rows if r[1] in (S.PRESENT, S.LATE))
    leaves = "、".join(f"{r[0].name}（{r[2]}）" for r in rows if r[1] == S.LEAVE)
    absent = "、".join(r[0].name for r in rows if r[1] == S.ABSENT)
    parts.append(f"应到{len(rows)}人，实到{present}人")
    if leaves:
        parts.append(f"；请假：{leaves}")
    if absent:
        parts.append(f"；缺席：{absent}")
    parts.append("。")
    return "".join(parts)


def build_attendance(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Attendance of every member on each past session's day: QR check-ins as they happened, the rest as
    the secretary entered them (with the record, or from the sign-in sheet); make-ups done before today."""
    rows = Rows(ctx, Attendance, "attendance records")
    now, today = ctx.now, ctx.today
    for sim in rec.sessions:
        session = sim.session
        if session.starts_at >= now:
            continue
        author = ctx.group_author(sim.group_index)
        for person, status, reason, checked_in, makeup_on, notes in sim.rows:
            if checked_in is not None:
                at, by, method = checked_in, ctx.account_of(person), Attendance.Method.QR
            else:
                at, by, method = sim.sheet_at, author, Attendance.Method.MANUAL
            if at >= now:
                continue
            done = makeup_on if makeup_on is not None and makeup_on < today else None
            attendance = row(
                Attendance,
                session_id=session.pk,
                person_id=person.pk,
                status=status,
                reason=reason,
                method=method,
                checked_in_at=checked_in,
                makeup_done_on=done,
                makeup_notes=notes if done else "",
            )
            rows.add(attendance, at, by, updated=max(at, moment(done, 17 * 60)) if done else at)
    rows.flush()


def build_speeches(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """The speeches of each session whose record is entered, entered with it."""
    rows = Rows(ctx, Speech, "speeches")
    for sim in rec.sessions:
        if sim.record_at is None:
            continue
        author = ctx.group_author(sim.group_index)
        for person, is_lead, topic, gist in sim.speeches:
            rows.add(
                row(Speech, session_id=sim.session.pk, person_id=person.pk, topic=topic, gist=gist, is_lead=is_lead),
                sim.record_at,
                author,
            )
    rows.flush()


def build_reflections(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Reflections (心得体会) after about two sessions in five (more after seminars) by a third to a half of
    those who attended, mostly within the week, some weeks late."""
    rows = Rows(ctx, Reflection, "reflections")
    now = ctx.now
    attended = (Attendance.Status.PRESENT, Attendance.Status.LATE)
    grng, current = None, None
    for sim in rec.sessions:
        session = sim.session
        if session.starts_at >= now:
            continue
        if sim.group_index != current:
            current = sim.group_index
            grng = ctx.rng(f"reflections:{current}")
        if grng.random() >= (0.6 if session.kind == SK.SEMINAR else 0.4):
            continue
        spec = ctx.specs[current]
        share = grng.uniform(0.3, 0.5)
        day = session.starts_at.date()
        for person, status, *_rest in sim.rows:
            if status not in attended or grng.random() >= share:
                continue
            u = grng.random()
            delay = grng.randint(0, 6) if u < 0.92 else grng.randint(8, 30) if u < 0.98 else grng.randint(31, 90)
            at = max(evening_time(grng, day + datetime.timedelta(days=delay)), session.ends_at + TWENTY_MINUTES)
            text = (
                f"通过这次学习，我对{sim.topic.short}有了更加深刻的理解。{grng.choice(TEXTS['insights'])}"
                f"作为{person.title}，我将"
                + grng.choice(TEXTS["actions"]).format(work=_work_words(spec), issue=grng.choice(ISSUES[spec.category]))
                + "。"
            )
            if at < now:
                rows.add(
                    row(Reflection, session_id=session.pk, person_id=person.pk, text=text),
                    at,
                    ctx.person_author(person, current),
                )
    rows.flush()


def build_self_study(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """A few self-study entries (自学) per member and year, one to four hours each."""
    rows = Rows(ctx, SelfStudy, "self-study records")
    now = ctx.now
    for gi, roster in enumerate(ctx.rosters()):
        grng = ctx.rng(f"selfstudy:{gi}")
        ci = ctx.county_index(gi)
        county = ctx.counties[ci].unit.name
        for m in roster:
            for year in ctx.years:
                first, last = year_span(m, year)
                if first > last:
                    continue
                readings = rec.readings.get((ci, year), [])
                for _ in range(round(grng.randint(2, 4) * ((last - first).days + 1) / 365)):
                    day = day_between(grng, first, last)
                    if readings and grng.random() < 0.45:
                        material = f"{grng.choice(readings).title}相关章节"
                    else:
                        source = grng.choice(TEXTS["self_study_sources"])
                        material = source.format(year=year, n=grng.randint(1, 24), county=county)
                    hours = Decimal(grng.randint(2, 8)) / 2
                    notes = grng.choice(TEXTS["self_study_notes"]).format(n=grng.randint(8, 30) * 100)
                    at = evening_time(grng, day + datetime.timedelta(days=grng.choice((0, 0, 0, 1, 2))))
                    if at < now:
                        study = row(
                            SelfStudy,
                            person_id=m.person.pk,
                            date=day,
                            material=material[:200],
                            hours=hours,
                            notes=notes,
                        )
                        rows.add(study, at, ctx.person_author(m.person, gi))
    rows.flush()


def build_reading_progress(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Members' progress through their county's required readings: most started, many finished."""
    rows = Rows(ctx, ReadingProgress, "reading progress records")
    now = ctx.now
    seen: set[tuple[int, int]] = set()
    for gi, roster in enumerate(ctx.rosters()):
        grng = ctx.rng(f"reading:{gi}")
        ci = ctx.county_index(gi)
        for m in roster:
            for year in ctx.years:
                readings = rec.readings.get((ci, year))
                if not readings:
                    continue
                first, last = year_span(m, year)
                first = max(first, rec.county_plan_at[ci, year].date())
                if first > last:
                    continue
                for reading in readings:
                    if grng.random() >= 0.5:
                        continue
                    finished = grng.random() < 0.7
                    day = day_between(grng, first, last)
                    at = evening_time(grng, day + datetime.timedelta(days=grng.choice((0, 0, 1, 2))))
                    if finished:
                        notes = grng.choice(TEXTS["reading_finished_notes"])
                    else:
                        notes = grng.choice(TEXTS["reading_started_notes"])
                    key = (id(m.person), id(reading))
                    if at >= now or key in seen:
                        continue
                    seen.add(key)
                    progress = row(
                        ReadingProgress,
                        person_id=m.person.pk,
                        reading_id=reading.pk,
                        finished_on=day if finished else None,
                        notes=notes,
                    )
                    rows.add(progress, at, ctx.person_author(m.person, gi))
    rows.flush()


def build_research_topics(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Two or three research topics (调研课题) per group in each year's second half: most reported by the
    year's end and many put to use; a few, more in groups behind their plan, still under way."""
    rows = Rows(ctx, ResearchTopic, "research topics")
    now, today = ctx.now, ctx.today
    R, St = Membership.Role, ResearchTopic.Status
    for gi, spec in enumerate(ctx.specs):
        grng = ctx.rng(f"research:{gi}")
        roster = ctx.rosters()[gi]
        author = ctx.group_author(gi)
        unit, county = spec.group.unit, spec.county
        body = spec.group.name.removesuffix("理论学习中心组")
        for year in ctx.years:
            stuck_chance = 0.3 if (gi, year) in rec.behind else 0.1
            for template in grng.sample(TEXTS["research_titles"][spec.category], 3 if grng.random() < 0.3 else 2):
                title = template.format(c=county.unit.name, u=unit.name, v="嘎查村" if county.q == "旗" else "村")
                assigned = day_between(grng, datetime.date(year, 6, 1), datetime.date(year, 7, 25))
                due = datetime.date(year, grng.choice((11, 12)), grng.choice((15, 20, 30)))
                reported = day_between(grng, datetime.date(year, 9, 20), datetime.date(year, 12, 28))
                applied = reported + datetime.timedelta(days=grng.randint(15, 90))
                stuck, applies = grng.random() < stuck_chance, grng.random() < 0.55
                at = office_time(grng, assigned)
                report = (
                    f"调研组先后深入{grng.randint(4, 15)}个基层单位实地走访，召开座谈会{grng.randint(2, 6)}次，"
                    f"发放调查问卷{grng.randint(6, 40) * 10}份，梳理出{grng.randint(3, 6)}个方面的问题，"
                    f"提出{grng.randint(5, 12)}条对策建议，形成调研报告。"
                )
                application = grng.choice(TEXTS["applications"]).format(
                    short=title.removeprefix("关于").removesuffix("的调研"),
                    body=body,
                    n=grng.randint(3, 8),
                    county=county.unit.name,
                    q=county.q,
                )
                if at >= now:
                    continue
                active = [m for m in roster if m.is_active_on(assigned) and m.role in (R.LEADER, R.DEPUTY)]
                lead = grng.choice(active).person if active else None
                topic = row(
                    ResearchTopic, study_group=spec.group, title=title, lead=lead, assigned_on=assigned, due_on=due
                )
                updated = at
                if stuck or reported >= today:
                    topic.status = St.RESEARCHING if (today - assigned).days > 20 else St.ASSIGNED
                else:
                    topic.status, topic.report, topic.reported_on = St.REPORTED, report, reported
                    updated = moment(reported, 16 * 60)
                    if applies and applied < today:
                        topic.status, topic.application, topic.applied_on = St.APPLIED, application, applied
                        updated = moment(applied, 16 * 60)
                rows.add(topic, at, author, updated=updated)
    rows.flush()


def build_articles(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """Theory articles, research reports and reflection essays by some members (more of the leaders)."""
    rows = Rows(ctx, TheoryArticle, "theory articles")
    now = ctx.now
    R, Kd = Membership.Role, TheoryArticle.Kind
    for gi, spec in enumerate(ctx.specs):
        grng = ctx.rng(f"articles:{gi}")
        county = spec.county.unit.name
        work = _work_words(spec)
        for m in ctx.rosters()[gi]:
            for year in ctx.years:
                first, last = year_span(m, year)
                if first > last:
                    continue
                chance = (0.45 if m.role in (R.LEADER, R.DEPUTY) else 0.25) * ((last - first).days + 1) / 365
                if grng.random() >= chance:
                    continue
                kind = grng.choices((Kd.ARTICLE, Kd.ESSAY, Kd.REPORT), (60, 25, 15))[0]
                plan_topics = rec.group_topics.get((gi, year))
                if plan_topics:
                    topic = TOPIC_BY_TITLE[grng.choice(plan_topics).title]
                else:
                    topic = grng.choice([t for t in TOPICS if t.in_year(year)])
                issue = grng.choice(ISSUES[spec.category])
                if kind == Kd.REPORT:
                    title = f"{spec.group.unit.name}{issue}情况的调研报告"
                else:
                    title = grng.choice(TEXTS["essay_titles" if kind == Kd.ESSAY else "article_titles"]).format(
                        short=topic.short, work=work
                    )
                written = day_between(grng, first, last)
                published = grng.choice(TEXTS["published_in"]).format(region=ctx.region.name, county=county)
                point = grng.choice(TEXTS["points"])
                if kind == Kd.REPORT:
                    text = f"围绕{issue}，作者深入基层走访座谈，摸清了现状，分析了存在的问题及其原因，提出要{point}。"
                else:
                    text = (
                        f"{topic.content}本文结合{work}实际，从{issue}入手，分析了存在的问题及其原因，提出要{point}。"
                    )
                at = evening_time(grng, written + datetime.timedelta(days=grng.randint(0, 5)))
                if at < now:
                    article = row(
                        TheoryArticle,
                        person=m.person,
                        kind=kind,
                        title=title[:200],
                        written_on=written,
                        published_in=published,
                        text=text,
                    )
                    rows.add(article, at, ctx.person_author(m.person, gi))
    rows.flush()


def build_exam_scores(ctx: DemoContext, rec: StudyRecords, rng: random.Random) -> None:
    """The annual theory exam for leading cadres, late in the year: everyone in a group that day sits it;
    scores 60 to 100, most between 80 and 95, entered by the propaganda department a week or two later."""
    rows = Rows(ctx, ExamScore, "exam scores")
    now = ctx.now
    rosters = ctx.rosters()
    for ci, county in enumerate(ctx.counties):
        for year in ctx.years:
            crng = ctx.rng(f"exams:{ci}:{year}")
            exam = (
                weekday(crng, year, 11, 20, 30, set()) if crng.random() < 0.6 else weekday(crng, year, 12, 1, 15, set())
            )
            entered = office_time(crng, exam + datetime.timedelta(days=crng.randint(5, 15)))
            if entered >= now:
                continue
            people: dict[int, Person] = {}
            for gi, spec in enumerate(ctx.specs):
                if spec.county is county:
                    for m in rosters[gi]:
                        if m.is_active_on(exam):
                            people.setdefault(id(m.person), m.person)
            for person in people.values():
                u = crng.random()
                if u < 0.05:
                    halves = crng.randint(120, 159)  # 60 to 79.5
                elif u < 0.93:
                    halves = min(190, max(160, round(crng.gauss(87.5, 3.8) * 2)))
                else:
                    halves = crng.randint(191, 200)
                score = row(ExamScore, person_id=person.pk, year=year, score=Decimal(halves) / 2, exam_date=exam)
                rows.add(score, entered, ctx.county_author(ci))
    rows.flush()
