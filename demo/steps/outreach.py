"""The outreach demo step: three years of pairings and exchange visits, monthly themed party days at every
branch with household visits, the needs raised there followed to done, and the online learning column.

Registered in ``DemoConfig.ready()`` after the studygroups step. Everything goes through
:class:`demo.writers.Rows` (COPY with history rows): the prefecture seed has little time left, so the step
writes few, plain rows (exchange visits without sessions behind them, no posts studied, no reading links on posts).
Records are entered by the demo accounts in the demo county, by nobody elsewhere; nothing after ``today``.
"""

from __future__ import annotations

import datetime
import random

from demo.context import DemoContext, moment, weekday
from demo.writers import Rows, row
from outreach.models import (
    BranchHouseholds,
    Column,
    ExchangeVisit,
    Need,
    Pairing,
    PairingSide,
    PartyDay,
    Post,
)

MODELS = (
    "outreach.Pairing",
    "outreach.PairingSide",
    "outreach.ExchangeVisit",
    "outreach.BranchHouseholds",
    "outreach.PartyDay",
    "outreach.Need",
    "outreach.Column",
    "outreach.Post",
    "outreach.PostStudy",
    "outreach.FeedToken",
)

THEMES = ["学党史、悟思想", "办实事、开新局", "学习必学书目专题", "重温入党誓词", "党史故事分享会", "政策宣讲进万家"]
STORIES = ["红船精神的故事", "乌兰夫同志的故事", "草原英雄小姐妹", "廷·巴特尔扎根草原", "牧区脱贫攻坚的故事"]
NEEDS = [
    ("infrastructure", "村道破损，雨天难行", "三组路口"),
    ("infrastructure", "自来水冬季冻管", "牧业点"),
    ("livelihood", "希望组织肉牛养殖技术培训", "村委会"),
    ("health", "老人希望就近体检", "卫生室"),
    ("education", "学生上学接送不便", "学校门口"),
    ("environment", "垃圾清运不及时", "集中居住点"),
    ("safety", "草场边界纠纷", "二组草场"),
    ("other", "希望建文化活动室", "村部"),
]
HANDLERS = ["驻村工作队", "第一书记", "村党支部", "镇农牧业办"]
COLUMNS = [("理论政策热点面对面", "重要讲话、重要论述的解读阐释"), ("微讲堂", "党史学习教育微讲堂")]
POST_TITLES = [
    "学习贯彻全会精神系列解读（{n}）",
    "必学书目导读（{n}）",
    "党史上的今天（{n}）",
    "惠民政策一图读懂（{n}）",
]


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("outreach")
    ctx.stage("outreach")
    _pairings_and_visits(ctx, rng)
    _party_days(ctx, rng)
    _online_learning(ctx, rng)


def _before_today(ctx: DemoContext, at: datetime.datetime) -> datetime.datetime:
    return min(at, ctx.now - datetime.timedelta(minutes=1))


def _pairings_and_visits(ctx: DemoContext, rng: random.Random) -> None:
    pairings, sides = Rows(ctx, Pairing, "pairings"), Rows(ctx, PairingSide, "pairing sides")
    visits = Rows(ctx, ExchangeVisit, "exchange visits")
    staff, secretary = ctx.accounts.get("staff"), ctx.accounts.get("secretary")
    planned, pending = [], []
    for ci, county in enumerate(ctx.counties):
        departments = [g for g in county.groups if g.unit.kind == "department"]
        townships = [g for g in county.groups if g.unit.kind == "township"]
        # The demo secretary's department is paired every year, so its visits show.
        if secretary is not None and secretary.study_group in departments:
            departments.remove(secretary.study_group)
            departments.insert(0, secretary.study_group)
        author = staff if ci == 0 else None
        for year in ctx.years:
            shuffled = townships[:]
            rng.shuffle(shuffled)
            count = min(len(shuffled), max(2, len(shuffled) // 3))
            for ti, town in enumerate(shuffled[:count]):
                other = departments[ti] if ti < len(departments) and ti % 3 != 2 else shuffled[-1 - ti]
                if other is town or other in shuffled[:count]:
                    continue
                a, b = sorted((town, other), key=lambda g: g.pk)
                at = _before_today(ctx, moment(datetime.date(year, 2, 20), 10 * 60))
                pairing = row(Pairing, year=year, group_a=a, group_b=b, is_active=True, notes="")
                pairings.add(pairing, at, author)
                planned.append((pairing, a, b, year, at, author))
    pairings.flush()
    for pairing, a, b, year, at, author in planned:
        for group in (a, b):
            sides.add(row(PairingSide, pairing=pairing, study_group=group, year=year, counted=True), at, author)
        for visit_no, month in enumerate((5, 10)):
            day = weekday(rng, year, month, 8, 25, set())
            if moment(day) >= ctx.now:
                continue
            host, guest = (a, b) if visit_no == 0 else (b, a)
            starts = moment(day, 9 * 60)
            ends = starts + datetime.timedelta(hours=3)
            visit = row(
                ExchangeVisit,
                pairing=pairing,
                host_group=host,
                guest_group=guest,
                title="三看一听一分享",
                starts_at=starts,
                ends_at=ends,
                place=f"{host.unit.name}会议室",
                methods_seen="网格化管理、“四议两公开”工作法",
                atmosphere="干部作风扎实，服务群众热情",
                archives_read="查阅中心组学习记录、会议纪要",
                report_heard="听取理论学习和重点工作汇报",
                experience_shared="分享“党建+”促进产业发展的做法",
                takeaways="规范化与实效化互补，约定下次回访",
            )
            # No sessions behind the demo's visits: the studygroups step's sessions each have their roster's
            # attendance and materials, which tests/demo holds them to.
            entered = _before_today(ctx, ends + datetime.timedelta(days=1))
            pending.append((visit, entered, author))
    sides.flush()
    for visit, entered, author in pending:
        visits.add(visit, entered, author)
    visits.flush()


def _party_days(ctx: DemoContext, rng: random.Random) -> None:
    numbers, days, needs = (
        Rows(ctx, BranchHouseholds, "branch households"),
        Rows(ctx, PartyDay, "party days"),
        Rows(ctx, Need, "raised needs"),
    )
    staff = ctx.accounts.get("staff")
    last_month = ctx.today.replace(day=1) - datetime.timedelta(days=1)
    pending = []
    for ci, county in enumerate(ctx.counties):
        author = staff if ci == 0 else None
        for branch in county.branches:
            base = rng.randint(80, 400)
            for year in ctx.years:
                if datetime.date(year, 1, 1) > ctx.today:
                    continue
                at = _before_today(ctx, moment(datetime.date(year, 1, 15), 9 * 60))
                numbers.add(
                    row(BranchHouseholds, branch=branch, year=year, households=base + rng.randint(-5, 5)), at, author
                )
            for year in ctx.years:
                for month in range(1, 13):
                    held = datetime.date(year, month, rng.randint(1, 10))
                    if held > last_month:
                        break
                    # Each month about a tenth of the households, so a year comes near full coverage.
                    visited = max(1, round(base * rng.uniform(0.05, 0.14)))
                    team = round(visited * 0.3)
                    first = round(visited * 0.2)
                    entered = _before_today(ctx, moment(held + datetime.timedelta(days=rng.randint(0, 4)), 15 * 60))
                    day = row(
                        PartyDay,
                        branch=branch,
                        held_on=held,
                        theme=rng.choice(THEMES),
                        stories=rng.choice(STORIES),
                        households_by_work_team=team,
                        households_by_first_secretary=first,
                        households_by_members=visited - team - first,
                        notes="",
                    )
                    days.add(day, entered, author)
                    if rng.random() < 0.25:
                        pending.append(_need(ctx, rng, branch, day, held, entered, author))
    numbers.flush()
    days.flush()  # the needs point at their party days: these get their ids here
    for need, at, author in pending:
        needs.add(need, at, author)
    needs.flush()


def _need(ctx: DemoContext, rng: random.Random, branch, day: PartyDay, raised: datetime.date, at, author):
    """A need raised at a party day, and how far it went: mostly done, some closed, some still open."""
    category, text, place = rng.choice(NEEDS)
    need = row(
        Need,
        branch=branch,
        party_day=day,
        ask=rng.choice(["governance", "ideas", "needs"]),
        category=category,
        place=place,
        description=text,
        raised_on=raised,
        due_on=raised + datetime.timedelta(days=rng.choice((30, 60, 90))),
        handled_by="",
        result="",
        close_reason="",
        status=Need.Status.OPEN,
    )
    fate, done = rng.random(), raised + datetime.timedelta(days=rng.randint(5, 100))
    if fate < 0.7 and done < ctx.today:
        need.status, need.done_on, need.started_on = Need.Status.DONE, done, raised
        need.handled_by, need.result = rng.choice(HANDLERS), "已协调解决并回访群众"
    elif fate < 0.78:
        need.status, need.close_reason = Need.Status.CLOSED, "不属于村级事权，已转交相关部门"
    elif fate < 0.9:
        need.status, need.started_on, need.handled_by = Need.Status.IN_PROGRESS, raised, rng.choice(HANDLERS)
    return need, at, author


def _online_learning(ctx: DemoContext, rng: random.Random) -> None:
    columns, posts = Rows(ctx, Column, "learning columns"), Rows(ctx, Post, "learning posts")
    staff = ctx.accounts.get("staff")
    made = []
    for ci, county in enumerate(ctx.counties):
        author = staff if ci == 0 else None
        at = _before_today(ctx, moment(ctx.start, 9 * 60))
        for name, description in COLUMNS:
            column = row(Column, unit=county.unit, name=name, description=description)
            columns.add(column, at, author)
            made.append((ci, column, author))
    columns.flush()
    county_posts: dict[int, list[Post]] = {}
    for ci, column, author in made:
        for year in ctx.years:
            for month in range(1, 13):
                published = datetime.date(year, month, rng.randint(1, 25))
                if published >= ctx.today:
                    break
                n = (year - ctx.years[0]) * 12 + month
                title = rng.choice(POST_TITLES).format(n=n)
                post = row(
                    Post,
                    column=column,
                    title=f"{column.name}：{title}",
                    published_on=published,
                    body=f"<p>{title}。</p><p>请各中心组成员结合工作实际认真学习。</p>",
                    link="",
                    tags="理论学习, 党史",
                    required=month % 3 == 0,
                )
                posts.add(post, _before_today(ctx, moment(published, 8 * 60)), author)
                county_posts.setdefault(ci, []).append(post)
    posts.flush()
    # Posts studied are left to the demo accounts: each would add a self-study entry of half an hour, which the
    # studygroups step's self-study (tests/demo) does not expect.
