"""Every table of the app: organizations and people, sessions, attendance records, plans and records."""

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableListData
from django_tables2.rows import BoundRows
from django_tables2.utils import A

from core.models import OrgUnit, Person, StudyGroup
from core.tables import DateColumn, DateTimeColumn, TemplateColumn
from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    StudySession,
    TheoryArticle,
)
from studygroups.selectors.stats import sort_coverage

DATE = "Y-m-d"
DATETIME = "Y-m-d H:i"


class OrgUnitTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    parent = tables.Column(verbose_name=_("Parent"))

    class Meta:
        model = OrgUnit
        empty_text = _("No units to show.")
        fields = ["name", "kind", "party_body", "parent"]
        order_by = ["path", "sort_order", "name"]


class StudyGroupTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__name",))
    member_count = tables.Column(verbose_name=_("Current members"), orderable=True)

    class Meta:
        model = StudyGroup
        empty_text = _("No study groups to show.")
        fields = ["name", "unit", "member_count", "is_active"]


class PersonTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Work unit"), order_by=("unit__name",))

    class Meta:
        model = Person
        empty_text = _("No people to show.")
        fields = ["name", "gender", "title", "unit", "phone"]


# Sessions, make-ups and reflections


class SessionTable(tables.Table):
    starts_at = DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i")
    title = tables.Column(linkify=True, verbose_name=_("Subject"))
    study_group = tables.Column(verbose_name=_("Study group"), order_by=("study_group__name",))
    host = tables.Column(verbose_name=_("Host"), order_by=("host__name",))
    speech_count = tables.Column(verbose_name=_("Speeches"))
    record = TemplateColumn(
        template_name="studygroups/includes/session_record_badge.html",
        verbose_name=_("Written record"),
        order_by=("record_entered_at",),
        accessor="record_entered_at",
    )

    class Meta:
        model = StudySession
        empty_text = _("No study sessions to show.")
        fields = ["starts_at", "title", "study_group", "kind", "place", "host", "speech_count", "record"]
        order_by = ["-starts_at"]
        attrs = {"class": "table table-sm table-striped", "id": "sessions"}


def _late_attrs(record) -> str:
    return "1" if record.is_late_entry else "0"


class SessionRecordTable(tables.Table):
    day = tables.Column(verbose_name=_("Session date"), accessor="session__starts_at", order_by=("session__starts_at",))
    session = tables.Column(
        verbose_name=_("Session"),
        accessor="session__title",
        linkify=lambda record: record.session.get_absolute_url(),
        order_by=("session__title",),
    )
    group = tables.Column(
        verbose_name=_("Study group"), accessor="session__study_group__name", order_by=("session__study_group__name",)
    )
    person = tables.Column(verbose_name=_("Member"), accessor="person__name", order_by=("person__name",))

    def render_day(self, value):
        return timezone.localdate(value).isoformat()


class MakeupTable(SessionRecordTable):
    reason = tables.Column(verbose_name=_("Reason for leave"))
    created_at = DateTimeColumn(verbose_name=_("Entered at"), format="Y-m-d H:i")
    action = TemplateColumn(
        template_name="studygroups/includes/attendance_makeup_action.html",
        verbose_name=_("Actions"),
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = Attendance
        empty_text = _("No make-up study is owed.")
        fields = ["day", "session", "group", "person", "reason", "created_at", "action"]
        row_attrs = {"data-late": _late_attrs, "data-attendance": lambda record: record.pk}


class ReflectionTable(SessionRecordTable):
    text = tables.Column(verbose_name=_("Reflection"), orderable=False)
    attachment_count = tables.Column(verbose_name=_("Files"))
    created_at = DateTimeColumn(verbose_name=_("Entered at"), format="Y-m-d H:i")
    created_by = tables.Column(
        verbose_name=_("Entered by"), order_by=("created_by__last_name", "created_by__first_name")
    )
    late = tables.Column(verbose_name=_("Late entry"), empty_values=(), orderable=False)

    class Meta:
        model = Reflection
        empty_text = _("No reflections to show.")
        fields = ["day", "session", "group", "person", "text", "attachment_count", "created_at", "created_by", "late"]
        row_attrs = {"data-late": _late_attrs, "data-reflection": lambda record: record.pk}

    def render_text(self, value):
        return truncatechars(value, 80)

    def render_late(self, record):
        if record.is_late_entry:
            return format_html('<span class="badge text-bg-warning">{}</span>', _("Late entry"))
        return ""


# Plans, required reading and personal records


def edit_column(url_name: str, *, personal: bool = False) -> TemplateColumn:
    """An "Edit" link on rows the user's role may change; on ``personal`` records (self-study, articles) only
    on the user's own rows, unless they keep other people's records too."""
    if personal:
        condition = (
            '{% can user "others_records" as reaches_others %}'
            "{% if may_change and reaches_others or may_change and record.person_id == user.person_id %}"
        )
    else:
        condition = "{% if may_change %}"
    link = (
        '<a class="btn btn-link btn-sm p-0" href="{% url \'' + url_name + '\' record.pk %}">{% translate "Edit" %}</a>'
    )
    return TemplateColumn(
        template_code='{% load i18n policy %}{% can user "change" record as may_change %}'
        + condition
        + link
        + "{% endif %}",
        verbose_name=_("Actions"),
        orderable=False,
        exclude_from_export=True,
    )


class PlanTable(tables.Table):
    title = tables.Column(linkify=("studygroups:plan_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    owner = tables.Column(
        empty_values=(), verbose_name=_("Group or unit"), order_by=("study_group__name", "unit__name"), accessor="pk"
    )
    topic_count = tables.Column(verbose_name=_("Topics"))
    issued_on = DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))

    class Meta:
        model = Plan
        empty_text = _("No study plans to show.")
        fields = [
            "title",
            "level",
            "year",
            "quarter",
            "owner",
            "document_number",
            "issued_on",
            "topic_count",
            "created_by",
            "created_at",
        ]
        attrs = {"id": "plans"}

    def render_owner(self, record):
        return record.study_group or record.unit


class ReadingTable(tables.Table):
    order = tables.Column(verbose_name=_("No."))
    title = tables.Column(verbose_name=_("Title"))
    unit = tables.Column(verbose_name=_("Set by"), order_by=("unit__name",))
    finished_count = tables.Column(verbose_name=_("Finished by"))
    mine = TemplateColumn(
        template_name="studygroups/includes/records_reading_mine.html",
        verbose_name=_("My progress"),
        accessor="my_finished_on",
        order_by=("my_finished_on",),
    )
    edit = edit_column("studygroups:reading_update")

    class Meta:
        model = RequiredReading
        empty_text = _("No required reading to show.")
        fields = ["order", "title", "author", "year", "unit", "finished_count", "mine", "edit"]
        attrs = {"id": "readings"}
        row_attrs = {"data-reading-id": lambda record: record.pk}


class ReadingProgressTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Work unit"), order_by=("unit__name",))
    finished = tables.Column(verbose_name=_("Readings finished"))

    class Meta:
        model = Person
        empty_text = _("No members to show.")
        fields = ["name", "title", "unit", "finished"]
        attrs = {"id": "reading-progress"}
        row_attrs = {"data-person-id": lambda record: record.pk}


class SelfStudyTable(tables.Table):
    date = DateColumn(format=DATE)
    person = tables.Column(verbose_name=_("Person"), order_by=("person__name",))
    notes = tables.Column(verbose_name=_("Notes"), orderable=False)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = edit_column("studygroups:selfstudy_update", personal=True)

    class Meta:
        model = SelfStudy
        empty_text = _("No self-study records to show.")
        fields = ["date", "person", "material", "hours", "notes", "created_by", "created_at", "edit"]
        attrs = {"id": "self-study"}
        row_attrs = {"data-record-id": lambda record: record.pk}

    def render_notes(self, value):
        return value if len(value) <= 40 else f"{value[:40]}…"


class ResearchTable(tables.Table):
    title = tables.Column(linkify=("studygroups:research_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    study_group = tables.Column(verbose_name=_("Study group"), order_by=("study_group__name",))
    lead = tables.Column(verbose_name=_("Led by"), order_by=("lead__name",))
    status = TemplateColumn(template_name="studygroups/includes/records_research_status.html", verbose_name=_("Status"))
    assigned_on = DateColumn(format=DATE)
    due_on = DateColumn(format=DATE)
    reported_on = DateColumn(format=DATE)
    applied_on = DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))

    class Meta:
        model = ResearchTopic
        empty_text = _("No research topics to show.")
        fields = [
            "title",
            "study_group",
            "lead",
            "status",
            "assigned_on",
            "due_on",
            "reported_on",
            "applied_on",
            "created_by",
        ]
        attrs = {"id": "research"}
        row_attrs = {"data-record-id": lambda record: record.pk, "data-status": lambda record: record.status}


class ArticleTable(tables.Table):
    title = tables.Column(linkify=("studygroups:article_detail", {"pk": A("pk")}), verbose_name=_("Title"))
    person = tables.Column(verbose_name=_("Author"), order_by=("person__name",))
    written_on = DateColumn(format=DATE)
    attachment_count = tables.Column(verbose_name=_("Files"))
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = edit_column("studygroups:article_update", personal=True)

    class Meta:
        model = TheoryArticle
        empty_text = _("No theory articles to show.")
        fields = [
            "title",
            "kind",
            "person",
            "written_on",
            "published_in",
            "attachment_count",
            "created_by",
            "created_at",
            "edit",
        ]
        attrs = {"id": "articles"}
        row_attrs = {"data-record-id": lambda record: record.pk}


class ExamTable(tables.Table):
    person = tables.Column(verbose_name=_("Person"), order_by=("person__name",))
    unit = tables.Column(verbose_name=_("Work unit"), accessor="person__unit", order_by=("person__unit__name",))
    exam_date = DateColumn(format=DATE)
    created_by = tables.Column(verbose_name=_("Entered by"))
    created_at = DateTimeColumn(format=DATETIME, verbose_name=_("Entered at"))
    edit = edit_column("studygroups:exam_update")

    class Meta:
        model = ExamScore
        empty_text = _("No exam scores to show.")
        fields = ["year", "person", "unit", "score", "exam_date", "created_by", "created_at", "edit"]
        attrs = {"id": "exams"}
        row_attrs = {"data-record-id": lambda record: record.pk}


# Coverage of planned topics (rows are selectors.stats.CoverageRow, not model instances)


class _CoverageRows(TableListData):
    """Coverage rows sort by the selector's own keys (a group by its place in the tree, overdue by count)."""

    def order_by(self, aliases):
        for alias in reversed(list(aliases)):
            self.data[:] = sort_coverage(self.data, str(alias))


class CoverageTable(tables.Table):
    group = TemplateColumn(template_name="studygroups/includes/coverage_group.html", verbose_name=_("Study group"))
    planned = tables.Column(verbose_name=_("Planned"))
    covered = tables.Column(verbose_name=_("Covered"))
    uncovered = tables.Column(verbose_name=_("Not covered"))
    overdue = TemplateColumn(
        template_name="studygroups/includes/records_topic_list.html",
        verbose_name=_("Overdue"),
        attrs={"td": {"class": lambda record: "text-danger" if record.overdue else ""}},
    )
    upcoming = TemplateColumn(
        template_name="studygroups/includes/records_topic_list.html", verbose_name=_("Upcoming"), orderable=False
    )

    class Meta:
        attrs = {"class": "table table-sm table-striped", "id": "coverage"}
        empty_text = _("No study groups.")
        row_attrs = {
            "data-group-id": lambda record: record.group.pk,
            "data-planned": lambda record: record.planned,
            "data-covered": lambda record: record.covered,
            "data-overdue": lambda record: len(record.overdue),
            "data-upcoming": lambda record: len(record.upcoming),
        }

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.data = _CoverageRows(list(data))
        self.data.set_table(self)
        # The rows (and so the pages) read the data they were made with: made again over the rows sorted here.
        self.rows = BoundRows(data=self.data, table=self, pinned_data=self.pinned_data)
