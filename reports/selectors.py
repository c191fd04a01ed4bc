"""What each report says: plain data read from the study records (numbers from studygroups.selectors.stats).

Renderers (reports/renderers.py) turn these into PDF and XLSX without touching the database again, except
the year-end sheets, whose rows stream from the database straight into the workbook.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.models import Attachment, Membership, OrgUnit, Person, StudyGroup
from core.xlsx import Column, Sheet
from reports.models import SummaryNarrative
from studygroups.models import Attendance, Reflection, ResearchTopic, Speech, StudySession
from studygroups.selectors.stats import (
    GroupStats,
    Period,
    combine_stats,
    group_stats,
    research_state_at,
    research_topics_of,
    topic_coverage,
)

# --- the half-year summary -----------------------------------------------------------------------


@dataclass
class GroupLine:
    group: StudyGroup
    stats: GroupStats


@dataclass
class TopicLine:
    group: str
    title: str
    due_month: int
    covered_by: list[str]


@dataclass
class ResearchLine:
    group: str
    title: str
    state: str
    state_label: str
    reported_on: datetime.date | None
    application: str


@dataclass
class HalfYearData:
    subject: str  # the group's name, or the org's for a county-wide summary
    org: OrgUnit
    group: StudyGroup | None
    year: int
    half: int
    period: Period
    computed_at: datetime.datetime
    total: GroupStats
    groups: list[GroupLine]
    kinds: list[tuple[str, int]]
    topics: list[TopicLine]
    research: list[ResearchLine]
    narrative: SummaryNarrative | None
    late_after_days: int = field(default_factory=lambda: settings.LATE_ENTRY_DAYS)

    @property
    def county_wide(self) -> bool:
        return self.group is None

    def computed_numbers(self) -> list[tuple[str, object]]:
        """Every number the summary states that the system computed, labelled, in the order written."""
        t = self.total
        rows: list[tuple[str, object]] = [(_("Sessions held"), t.sessions_held)]
        rows += [(_("of which: %(kind)s") % {"kind": label}, n) for label, n in self.kinds]
        rows += [
            (_("Planned topics due in the half-year"), t.topics_planned),
            (_("Planned topics covered"), t.topics_covered),
            (_("Member-sessions expected"), t.expected),
            (_("Member-sessions attended"), t.attended),
            (_("Attendance rate (%)"), t.attendance_rate if t.attendance_rate is not None else "—"),
            (
                _("Leaders' attendance rate (%)"),
                t.leader_attendance_rate if t.leader_attendance_rate is not None else "—",
            ),
            (_("On leave"), t.leave),
            (_("Absent"), t.absent),
            (_("Make-ups owed"), t.makeups_owed),
            (_("Reflections"), t.reflections),
            (_("Research topics"), t.research_topics),
            (_("Research topics reported"), t.research_reported),
            (_("Research results put to use"), t.research_applied),
            (_("Records entered late"), t.records_late),
        ]
        if self.county_wide:
            rows.insert(0, (_("Study groups"), len(self.groups)))
        return rows


def summary_groups(org: OrgUnit, group: StudyGroup | None) -> list[StudyGroup]:
    if group is not None:
        return [group]
    return list(StudyGroup.objects.under(org).filter(is_active=True).select_related("unit"))


def half_year_data(
    *, org: OrgUnit, group: StudyGroup | None, year: int, half: int, now: datetime.datetime | None = None
) -> HalfYearData:
    now = now or timezone.now()
    period = Period.half(year, half)
    groups = summary_groups(org, group)
    stats = group_stats(groups, period, now=now)
    total = combine_stats(stats.values())
    kinds = [
        (label, total.sessions_held_by_kind[value])
        for value, label in StudySession.Kind.choices
        if total.sessions_held_by_kind.get(value)
    ]
    names = {g.pk: g.name for g in groups}
    topics = []
    for group_id, coverage in topic_coverage(groups, period, now=now).items():
        for topic in coverage.topics:
            covered_by = [f"{timezone.localtime(s.starts_at):%Y-%m-%d} {s.title}" for s in topic.sessions]
            topics.append(TopicLine(names[group_id], topic.title, topic.due_month, covered_by))
    labels = dict(ResearchTopic.Status.choices)
    research = [
        ResearchLine(
            names[r.study_group_id], r.title, r.state, str(labels.get(r.state, r.state)), r.reported_on, r.application
        )
        for r in ResearchTopic.objects.filter(research_topics_of(period), study_group_id__in=list(names))
        .annotate(state=research_state_at(period.last_day))
        .order_by("study_group__unit__path", "assigned_on", "pk")
    ]
    narrative = SummaryNarrative.objects.filter(
        org=group.unit if group else org, study_group=group, year=year, half=half
    ).first()
    return HalfYearData(
        subject=group.name if group else _("%(org)s study center groups") % {"org": org.name},
        org=group.unit if group else org,
        group=group,
        year=year,
        half=half,
        period=period,
        computed_at=now,
        total=total,
        groups=[GroupLine(g, stats[g.pk]) for g in groups],
        kinds=kinds,
        topics=topics,
        research=research,
        narrative=narrative,
    )


# --- the year-end audit pack ---------------------------------------------------------------------


@dataclass(frozen=True)
class PackContext:
    """What every sheet of a pack reads: the groups under ``org`` and the year."""

    org: OrgUnit
    year: int
    now: datetime.datetime | None = None  # the build's time: which sessions are past, which records due

    @property
    def period(self) -> Period:
        return Period.year(self.year)

    @cached_property
    def stats(self) -> dict[int, GroupStats]:
        """Each group's numbers for the year, computed once for both the groups sheet and the PDF summary."""
        return group_stats(self.groups(), self.period, now=self.now)

    def groups(self):
        return StudyGroup.objects.under(self.org)

    def sessions(self):
        p = self.period
        return StudySession.objects.filter(study_group__in=self.groups(), starts_at__gte=p.start, starts_at__lt=p.end)


@dataclass(frozen=True)
class PackSheet:
    order: int
    build: Callable[[PackContext], Sheet]


PACK_SHEETS: list[PackSheet] = []


def pack_sheet(order: int):
    """Adds a sheet to every year-end pack: ``@pack_sheet(50) def inspections_sheet(ctx) -> Sheet``.

    Sheets are written in ``order``; each streams its rows (``.iterator()``), so a prefecture fits in memory.
    """

    def register(build: Callable[[PackContext], Sheet]):
        PACK_SHEETS.append(PackSheet(order, build))
        PACK_SHEETS.sort(key=lambda s: s.order)
        return build

    return register


def pack_sheets(ctx: PackContext) -> Iterator[Sheet]:
    for spec in PACK_SHEETS:
        yield spec.build(ctx)


def _labels(choices) -> dict[str, str]:
    """A choice's labels translated once, not once per row (the lazy labels call gettext each time)."""
    return {value: str(label) for value, label in choices.choices}


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(value) if value else None


@pack_sheet(10)
def groups_sheet(ctx: PackContext) -> Sheet:
    stats = ctx.stats
    groups = ctx.groups().select_related("unit").order_by("unit__path", "unit__sort_order", "unit__name")
    day = ctx.period.last_day
    members = {}
    for group_id, n in (
        Membership.objects.filter(study_group__in=ctx.groups())
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(ctx.year, 1, 1)), start_date__lte=day)
        .values_list("study_group_id")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    ):
        members[group_id] = n
    columns = [
        Column(_("Unit")),
        Column(_("Study group")),
        Column(_("Members in the year"), kind="number"),
        Column(_("Sessions held"), kind="number"),
        Column(_("Member-sessions expected"), kind="number"),
        Column(_("Member-sessions attended"), kind="number"),
        Column(_("Attendance rate (%)"), kind="number"),
        Column(_("Leaders' attendance rate (%)"), kind="number"),
        Column(_("Reflections"), kind="number"),
        Column(_("Planned topics"), kind="number"),
        Column(_("Planned topics covered"), kind="number"),
        Column(_("Research topics"), kind="number"),
        Column(_("Records entered late"), kind="number"),
    ]

    def rows():
        for g in groups:
            s = stats[g.pk]
            yield [
                g.unit.name,
                g.name,
                members.get(g.pk, 0),
                s.sessions_held,
                s.expected,
                s.attended,
                s.attendance_rate,
                s.leader_attendance_rate,
                s.reflections,
                s.topics_planned,
                s.topics_covered,
                s.research_topics,
                s.records_late,
            ]

    return Sheet(_("Groups"), columns, rows())


@pack_sheet(20)
def sessions_sheet(ctx: PackContext) -> Sheet:
    kinds = _labels(StudySession.Kind)
    rows = (
        ctx.sessions()
        .order_by("study_group__unit__path", "study_group__unit__name", "starts_at", "pk")
        .values_list(
            "pk",
            "study_group__name",
            "starts_at",
            "ends_at",
            "title",
            "kind",
            "place",
            "host__name",
            "record_entered_at",
        )
    )
    columns = [
        Column(_("Session no."), kind="number"),
        Column(_("Study group")),
        Column(_("Starts at"), kind="datetime"),
        Column(_("Ends at"), kind="datetime"),
        Column(_("Subject")),
        Column(_("Kind")),
        Column(_("Place")),
        Column(_("Host")),
        Column(_("Record entered at"), kind="datetime"),
    ]
    return Sheet(
        _("Sessions"),
        columns,
        ([pk, g, s, e, t, kinds.get(k, k), p, h, r] for pk, g, s, e, t, k, p, h, r in rows.iterator(2000)),
    )


def attendance_rows(sessions) -> Iterator[list]:
    """Attendance of ``sessions`` as sheet rows, straight from the database (values only, no model objects)."""
    labels, methods = _labels(Attendance.Status), _labels(Attendance.Method)
    rows = (
        Attendance.objects.filter(session__in=sessions)
        .order_by("session__study_group_id", "session__starts_at", "session_id", "person__name", "pk")
        .values_list(
            "session_id",
            "session__study_group__name",
            "session__starts_at",
            "session__title",
            "person__name",
            "status",
            "reason",
            "method",
            "checked_in_at",
            "makeup_done_on",
            "created_at",
        )
    )
    for sid, group, starts, title, name, status, reason, method, checked, makeup, entered in rows.iterator(5000):
        yield [
            sid,
            group,
            starts,
            title,
            name,
            labels.get(status, status),
            reason,
            methods.get(method, method),
            checked,
            makeup,
            entered,
        ]


def attendance_columns() -> list[Column]:
    return [
        Column(_("Session no."), kind="number"),
        Column(_("Study group")),
        Column(_("Starts at"), kind="datetime"),
        Column(_("Subject")),
        Column(_("Person's name")),
        Column(_("Attendance")),
        Column(_("Reason")),
        Column(_("How recorded")),
        Column(_("Checked in at"), kind="datetime"),
        Column(_("Make-up study done on"), kind="date"),
        Column(_("Entered at"), kind="datetime"),
    ]


@pack_sheet(30)
def attendance_sheet(ctx: PackContext) -> Sheet:
    return Sheet(_("Attendance"), attendance_columns(), attendance_rows(ctx.sessions()))


@pack_sheet(40)
def reflections_sheet(ctx: PackContext) -> Sheet:
    rows = (
        Reflection.objects.filter(session__in=ctx.sessions())
        .order_by("session__study_group__unit__path", "session__starts_at", "person__name", "pk")
        .values_list(
            "session_id",
            "session__study_group__name",
            "session__starts_at",
            "session__title",
            "person__name",
            "created_at",
            "text",
        )
    )
    columns = [
        Column(_("Session no."), kind="number"),
        Column(_("Study group")),
        Column(_("Starts at"), kind="datetime"),
        Column(_("Subject")),
        Column(_("Person's name")),
        Column(_("Entered at"), kind="datetime"),
        Column(_("Reflection"), width=60),
    ]
    return Sheet(_("Reflections"), columns, (list(r) for r in rows.iterator(2000)))


def _visits(ctx: PackContext):
    from inspections.models import Visit

    p = ctx.period
    return Visit.objects.filter(
        session__study_group__in=ctx.groups(), session_starts_at__gte=p.start, session_starts_at__lt=p.end
    )


@pack_sheet(50)
def inspections_sheet(ctx: PackContext) -> Sheet:
    """The year's sit-in visits (巡听旁听) with their scores, observer summaries and publication."""
    from inspections.models import Visit, VisitKind

    visits = _visits(ctx)
    inspectors: dict[int, list[str]] = {}
    pairs = Visit.inspectors.through.objects.filter(visit__in=visits).order_by("user__username")
    for visit_id, name, username in pairs.values_list("visit_id", "user__person__name", "user__username"):
        inspectors.setdefault(visit_id, []).append(name or username)
    kinds = _labels(VisitKind)
    rows = visits.order_by("session__study_group__unit__path", "session_starts_at", "pk").values_list(
        "pk",
        "session__study_group__name",
        "session_starts_at",
        "session__title",
        "kind",
        "total",
        "max_total",
        "scored_at",
        "summary_due",
        "summary_at",
        "published_at",
        "overall",
        "problems",
    )
    columns = [
        Column(_("Visit no."), kind="number"),
        Column(_("Study group")),
        Column(_("Starts at"), kind="datetime"),
        Column(_("Subject")),
        Column(_("Kind")),
        Column(_("Inspectors")),
        Column(_("Score"), kind="number"),
        Column(_("Full score"), kind="number"),
        Column(_("Scored at"), kind="datetime"),
        Column(_("Summary due"), kind="date"),
        Column(_("Summary submitted at"), kind="datetime"),
        Column(_("Published at"), kind="datetime"),
        Column(_("Overall assessment"), width=40),
        Column(_("Problems"), width=40),
    ]

    def sheet_rows():
        for (
            pk,
            group,
            starts,
            title,
            kind,
            total,
            full,
            scored,
            due,
            summary,
            published,
            overall,
            problems,
        ) in rows.iterator(2000):
            yield [
                pk,
                group,
                _local(starts),
                title,
                kinds.get(kind, kind),
                "、".join(inspectors.get(pk, [])),
                total,
                full,
                _local(scored),
                due,
                _local(summary),
                _local(published),
                overall,
                problems,
            ]

    return Sheet(_("Sit-in inspections"), columns, sheet_rows())


@pack_sheet(60)
def rectifications_sheet(ctx: PackContext) -> Sheet:
    """Every problem found on the year's visits and where its rectification stands."""
    from inspections.models import Finding

    categories, statuses = _labels(Finding.Category), _labels(Finding.Status)
    rows = (
        Finding.objects.filter(visit__in=_visits(ctx))
        .order_by("visit__session__study_group__unit__path", "visit__session_starts_at", "pk")
        .values_list(
            "pk",
            "visit_id",
            "visit__session__study_group__name",
            "category",
            "description",
            "advice",
            "deadline",
            "status",
            "response",
            "answered_at",
            "times_returned",
            "verified_at",
            "verified_by__username",
        )
    )
    columns = [
        Column(_("Item no."), kind="number"),
        Column(_("Visit no."), kind="number"),
        Column(_("Study group")),
        Column(_("Category")),
        Column(_("Problem"), width=40),
        Column(_("Rectification advice"), width=40),
        Column(_("Rectify by"), kind="date"),
        Column(_("Status")),
        Column(_("What was done"), width=40),
        Column(_("Answered at"), kind="datetime"),
        Column(_("Times sent back"), kind="number"),
        Column(_("Verified at"), kind="datetime"),
        Column(_("Verified by")),
    ]

    def sheet_rows():
        for (
            pk,
            visit,
            group,
            category,
            problem,
            advice,
            deadline,
            status,
            done,
            answered,
            back,
            verified,
            by,
        ) in rows.iterator(2000):
            yield [
                pk,
                visit,
                group,
                categories.get(category, category),
                problem,
                advice,
                deadline,
                statuses.get(status, status),
                done,
                _local(answered),
                back,
                _local(verified),
                by or "",
            ]

    return Sheet(_("Rectifications"), columns, sheet_rows())


def _late(entered: datetime.datetime | None, start: datetime.datetime) -> int | None:
    """Days between the session's local day and the entry's, when more than LATE_ENTRY_DAYS."""
    if entered is None:
        return None
    days = (timezone.localdate(entered) - timezone.localdate(start)).days
    return days if days > settings.LATE_ENTRY_DAYS else None


def _assessment_counties(org: OrgUnit) -> list[OrgUnit]:
    """The counties whose assessment covers groups under ``org``: the county itself, those below a region,
    or the one above a department or township."""
    counties = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).filter(
        Q(pk=org.pk) | Q(pk__in=org.ancestor_ids) | Q(path__startswith=org.descendant_prefix)
    )
    return list(counties.order_by("path", "sort_order", "name"))


@pack_sheet(70)
def assessment_sheet(ctx: PackContext) -> Sheet:
    """The year's published annual assessment (年度考核) of each county covering the pack, the rows of the
    groups under ``org`` in rank order, each indicator's score in one cell; a county whose results are not
    published has one row saying so. Read from the published snapshot (assessment.selectors), never
    recomputed."""
    from assessment.models import Result
    from assessment.selectors import published_run, result_rows

    columns = [
        Column(_("County")),
        Column(_("Rank in the county"), kind="number"),
        Column(_("Unit")),
        Column(_("Study group")),
        Column(_("Unit kind")),
        Column(_("Indicators"), width=60),
        Column(_("Score from the records"), kind="number"),
        Column(_("Adjustment"), kind="number"),
        Column(_("Reasons for the adjustment"), width=30),
        Column(_("Total score"), kind="number"),
        Column(_("Rank among its unit kind"), kind="number"),
        Column(_("Grade")),
        Column(_("Published at"), kind="datetime"),
    ]
    groups = ctx.groups()

    def rows():
        for county in _assessment_counties(ctx.org):
            run = published_run(county, ctx.year)
            if run is None:
                yield [county.name, None, None, None, None, _("The %(year)s results are not published.")
                       % {"year": ctx.year}, None, None, None, None, None, None, None]  # fmt: skip
                continue
            published = _local(run.published_at)
            for row in result_rows(run, Result.objects.filter(study_group__in=groups)):
                scores = "；".join(
                    f"{cell.indicator.label}：{cell.score if cell.score is not None else _('n/a')}"
                    for cell in row.cells
                )
                reasons = "；".join(f"{a['points']}：{a['reason']}" for a in row.result.adjustments)
                yield [
                    county.name,
                    row.rank,
                    str(row.unit),
                    str(row.study_group),
                    row.unit_kind_label,
                    scores,
                    row.score,
                    row.adjustment,
                    reasons or None,
                    row.total,
                    row.kind_rank,
                    pgettext("assessment grade", "Passed") if row.passed else pgettext("assessment grade", "Failed"),
                    published,
                ]

    return Sheet(_("Assessment results"), columns, rows())


@pack_sheet(90)
def late_entries_sheet(ctx: PackContext) -> Sheet:
    """Records entered more than LATE_ENTRY_DAYS after their session: written records, attendance,
    speeches and reflections (the same rule as the session pages' late flags)."""
    sessions = ctx.sessions()
    sources = [
        (
            _("Written record"),
            sessions.filter(record_entered_at__isnull=False)
            .order_by("starts_at", "pk")
            .values_list(
                "pk", "study_group__name", "starts_at", "title", "record_entered_at", "record_entered_by__username"
            ),
        ),
        (_("Attendance"), Attendance.objects.filter(session__in=sessions)),
        (_("Speech"), Speech.objects.filter(session__in=sessions)),
        (_("Reflection"), Reflection.objects.filter(session__in=sessions)),
    ]
    columns = [
        Column(_("Record")),
        Column(_("Session no."), kind="number"),
        Column(_("Study group")),
        Column(_("Session day"), kind="date"),
        Column(_("Subject")),
        Column(_("Person")),
        Column(_("Entered at"), kind="datetime"),
        Column(_("Entered by")),
        Column(_("Days after the session"), kind="number"),
    ]

    def rows():
        label, records = sources[0]
        for sid, group, start, title, entered, who in records.iterator(2000):
            days = _late(entered, start)
            if days is not None:
                yield [label, sid, group, timezone.localdate(start), title, "", entered, who or "", days]
        for label, queryset in sources[1:]:
            values = (
                queryset.filter(
                    created_at__gt=F("session__starts_at") + datetime.timedelta(days=settings.LATE_ENTRY_DAYS - 1)
                )
                .order_by("session__starts_at", "pk")
                .values_list(
                    "session_id",
                    "session__study_group__name",
                    "session__starts_at",
                    "session__title",
                    "person__name",
                    "created_at",
                    "created_by__username",
                )
            )
            for sid, group, start, title, name, entered, who in values.iterator(5000):
                days = _late(entered, start)
                if days is not None:
                    yield [label, sid, group, timezone.localdate(start), title, name, entered, who or "", days]

    return Sheet(_("Late entries"), columns, rows())


@dataclass
class PackSummary:
    org: OrgUnit
    year: int
    computed_at: datetime.datetime
    total: GroupStats
    groups: list[GroupLine]


def pack_summary(ctx: PackContext, *, now: datetime.datetime | None = None) -> PackSummary:
    groups = list(ctx.groups().select_related("unit"))
    if now is None or now == ctx.now:
        stats, now = ctx.stats, ctx.now or timezone.now()
    else:
        stats = group_stats(groups, ctx.period, now=now)
    return PackSummary(
        org=ctx.org,
        year=ctx.year,
        computed_at=now,
        total=combine_stats(stats.values()),
        groups=[GroupLine(g, stats[g.pk]) for g in groups],
    )


# --- the study archive ---------------------------------------------------------------------------


def archive_subject(*, person: Person | None, group: StudyGroup | None) -> str:
    return person.name if person else group.name


def _session_key(model) -> str | None:
    """The name of ``model``'s foreign key to StudySession (a record hung on a session), if it has one."""
    for f in model._meta.get_fields():
        if f.many_to_one and f.concrete and f.related_model is StudySession:
            return f.name
    return None


def session_attachments(
    *, reader, sessions: list[StudySession], person: Person | None = None
) -> list[tuple[StudySession, Attachment]]:
    """The files of each session and of the records hung on it (reflections...; only ``person``'s own in a
    member's archive), as (session, attachment) in the sessions' order, then upload order.

    The owners are the registered attachment owners (core.registry), each read through ``visible_to(reader)``;
    one query per owner model and one for the files' rows. The files' bytes are read by the caller.
    """
    from django.contrib.contenttypes.models import ContentType

    from core.registry import attachment_owners

    order = {s.pk: n for n, s in enumerate(sessions)}
    by_id = {s.pk: s for s in sessions}
    session_of: dict[tuple[int, int], int] = {}  # (owner type, owner id) -> session id
    condition = Q(pk__in=[])
    for model in attachment_owners.models():
        owner_type = ContentType.objects.get_for_model(model)
        if model is StudySession:
            pairs = [(pk, pk) for pk in by_id]
        else:
            key = _session_key(model)
            if key is None:
                continue
            owners = model.objects.visible_to(reader).filter(**{f"{key}__in": list(by_id)})
            if person is not None and any(f.name == "person" for f in model._meta.get_fields()):
                owners = owners.filter(person=person)
            pairs = list(owners.values_list("pk", key))
        if pairs:
            session_of.update(((owner_type.pk, pk), sid) for pk, sid in pairs)
            condition |= Q(owner_type=owner_type, owner_id__in=[pk for pk, _ in pairs])
    if not session_of:
        return []
    rows = Attachment.objects.visible_to(reader).filter(condition).order_by("created_at", "pk")
    found = [(by_id[session_of[(a.owner_type_id, a.owner_id)]], a) for a in rows]
    return sorted(found, key=lambda pair: order[pair[0].pk])


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def downloads_panel(user, today: datetime.date) -> dict:
    """The user's five latest report jobs and the five latest frozen packs they may see (two queries)."""
    from reports.models import ReportJob

    # Each row is named by its subject (ReportJob.subject_name): read with it, not a query per row.
    jobs = ReportJob.objects.visible_to(user).select_related("org", "study_group", "person", "bulletin")
    return {
        "mine": list(jobs.filter(requested_by=user)[:5]),
        "packs": list(jobs.filter(frozen=True).order_by("-year", "org__name", "-version")[:5]),
    }
