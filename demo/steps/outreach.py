"""The outreach demo step: three years of pairings and exchange visits, monthly themed party days at every
branch with household visits, the needs raised there followed to done, and the online learning column.

Registered in ``DemoConfig.ready()`` after the studygroups step. Everything goes through
:class:`demo.writers.Rows` (COPY with history rows). Each exchange visit is held as a session of each group,
drawn and written by the studygroups step's own machinery (the roster's attendance, speakers, the record);
members mark posts studied, each with its self-study entry. Records are entered by the demo accounts in the
demo county, by nobody elsewhere; nothing after ``today``. A required post serves one of its county's required readings
of the year.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from demo.context import DemoContext, evening_time, moment, office_time, weekday
from demo.steps.studygroups import FixedSession, simulate_session, write_sessions
from demo.writers import Rows, copy_to_history, row
from outreach.models import (
    BranchHouseholds,
    Column,
    ExchangeVisit,
    Need,
    Pairing,
    PairingSide,
    PartyDay,
    Post,
    PostStudy,
)
from outreach.services import SELF_STUDY_HOURS, _session_data, visit_record
from studygroups.models import RequiredReading, SelfStudy

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
    visits = Rows(ctx, ExchangeVisit, "exchange visits", after=_visit_history)
    staff, secretary = ctx.accounts.get("staff"), ctx.accounts.get("secretary")
    index = {id(group): gi for gi, group in enumerate(ctx.groups)}
    planned, pending, sims = [], [], []
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
                planned.append((pairing, a, b, year, at, author, f"{ci}:{year}:{ti}"))
    pairings.flush()
    for pairing, a, b, year, at, author, key in planned:
        for group in (a, b):
            sides.add(row(PairingSide, pairing=pairing, study_group=group, year=year, counted=True), at, author)
        for visit_no, month in enumerate((5, 10)):
            day = weekday(rng, year, month, 8, 25, set())
            host, guest = (a, b) if visit_no == 0 else (b, a)
            # Each visit its own draws: what is built does not depend on the reference day.
            vrng = ctx.rng(f"outreach:visit:{key}:{visit_no}")
            starts = moment(day, vrng.choice((8 * 60 + 30, 9 * 60, 14 * 60 + 30)))
            ends = starts + datetime.timedelta(hours=3)
            # Arranged between the two groups two to four weeks before, with both sessions and their notices.
            created = office_time(vrng, day - datetime.timedelta(days=vrng.randint(14, 30)))
            if created >= ctx.now:
                continue
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
            # Each group holds the visit as a session of its own (as outreach.services.visit_create makes
            # them), drawn and written as the studygroups step draws its sessions: the roster's attendance,
            # speakers, the record entered by the group's secretary.
            side_sims = []
            for side_no, group in enumerate((host, guest)):
                with translation.override(settings.LANGUAGE_CODE):
                    data = _session_data(visit, host=side_no == 0)
                fixed = FixedSession(
                    kind=data["kind"],
                    starts_at=starts,
                    ends_at=ends,
                    title=data["title"],
                    place=data["place"],
                    note=_visit_note(visit, host=side_no == 0),
                    created_at=created,
                )
                side_sims.append(simulate_session(ctx, index[id(group)], day, fixed, vrng))
            sims += side_sims
            host_sim, guest_sim = side_sims
            visit.host_session, visit.guest_session = host_sim.session, guest_sim.session
            # Who arranged it: the host's secretary account (the demo's), else nobody. Its checklist is written
            # after the visit, with the host's record (the day after when the record never came).
            done_at = None
            if starts < ctx.now:
                done_at = host_sim.record_at or _before_today(ctx, office_time(vrng, day + datetime.timedelta(days=1)))
            else:
                for field in CHECKLIST:
                    setattr(visit, field, "")
            pending.append((visit, created, ctx.group_author(index[id(host)]), done_at))
    sides.flush()
    write_sessions(ctx, sims)
    for visit, entered, by, done_at in pending:
        visits.add(visit, entered, by, updated=done_at or entered)
    visits.flush()


CHECKLIST = ("methods_seen", "atmosphere", "archives_read", "report_heard", "experience_shared", "takeaways")


def _visit_note(visit: ExchangeVisit, *, host: bool) -> str:
    """What a side's record says of the visit: who came or where it went, then the checklist."""
    if host:
        lead = f"{visit.guest_group.unit.name}理论学习中心组来访，开展“三看一听一分享”交流。"
    else:
        lead = f"赴{visit.host_group.unit.name}开展“三看一听一分享”交流。"
    with translation.override(settings.LANGUAGE_CODE):
        return lead + visit_record(visit).replace("\n", "；") + "。"


def _visit_history(batch: list[ExchangeVisit]) -> None:
    """A visit was arranged without its checklist, written after it took place: the "+" history row holds the
    visit as arranged, a "~" row at the last change the checklist (by whoever entered the visit)."""
    later = [v.pk for v in batch if v.updated_at > v.created_at]
    ExchangeVisit.history.model.objects.filter(history_type="+", id__in=later).update(
        **dict.fromkeys(CHECKLIST, ""), updated_at=F("created_at")
    )
    copy_to_history(ExchangeVisit, later, kind="~", date="updated_at", user="created_by_id")


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
    county_posts: list[tuple[int, str, Post]] = []
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
                county_posts.append((ci, f"{column.name}:{n}", post))
    posts.flush()
    _posts_serve_readings(ctx, [post for _ci, _key, post in county_posts if post.required])
    _posts_studied(ctx, county_posts)


def _posts_serve_readings(ctx: DemoContext, required: list[Post]) -> None:
    """Each required post serves one required reading of its county and year (the county's list, drawn per post)."""
    readings: dict[tuple[int, int], list[int]] = {}
    units = [county.unit for county in ctx.counties]
    for pk, unit_id, year in (
        RequiredReading.objects.filter(unit__in=units).order_by("pk").values_list("pk", "unit_id", "year")
    ):
        readings.setdefault((unit_id, year), []).append(pk)
    links = []
    for post in required:
        choices = readings.get((post.column.unit_id, post.published_on.year))
        if choices:
            pick = ctx.rng(f"post-reading:{post.published_on}:{post.title}").choice(choices)
            links.append(Post.readings.through(post_id=post.pk, requiredreading_id=pick))
    Post.readings.through.objects.bulk_create(links, batch_size=2000)


def _posts_studied(ctx: DemoContext, county_posts: list[tuple[int, str, Post]]) -> None:
    """Members of the county's groups mark posts studied within two weeks of publication, most of them the
    required ones: each a PostStudy with its self-study entry, as outreach.services.post_mark_studied makes
    them, entered by the member's own account (the demo member's) or by nobody."""
    studies, entries = Rows(ctx, PostStudy, "posts studied"), Rows(ctx, SelfStudy, "self-study records")
    member = ctx.accounts.get("member")
    me = member.person if member is not None else None
    seats: dict[int, list] = {}
    for gi, roster in enumerate(ctx.rosters()):
        seats.setdefault(ctx.county_index(gi), []).extend(roster)
    made = []
    with translation.override(settings.LANGUAGE_CODE):
        for ci, key, post in county_posts:
            # Each post its own draws: what is built does not depend on the reference day.
            prng = ctx.rng(f"outreach:studied:{ci}:{key}")
            published, seen = post.published_on, set()
            for m in seats.get(ci, ()):
                if not m.start_date <= published or (m.end_date is not None and m.end_date < published):
                    continue
                chance = 0.85 if m.person is me else 0.3 if post.required else 0.05
                if prng.random() >= chance or id(m.person) in seen:
                    continue
                day = published + datetime.timedelta(days=prng.randint(0, 14))
                at = evening_time(prng, day)
                if at >= ctx.now or (m.end_date is not None and day > m.end_date):
                    continue
                seen.add(id(m.person))
                by = ctx.account_of(m.person)
                entry = row(
                    SelfStudy,
                    person=m.person,
                    date=day,
                    material=(gettext("Online learning: %(title)s") % {"title": post.title})[:200],
                    hours=Decimal(str(SELF_STUDY_HOURS)),
                    notes=post.column.name,
                )
                entries.add(entry, at, by)
                made.append((row(PostStudy, post=post, person=m.person, studied_at=at, self_study=entry), at, by))
    entries.flush()
    for study, at, by in made:
        studies.add(study, at, by)
    studies.flush()
