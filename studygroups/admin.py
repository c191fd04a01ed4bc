from django.contrib import admin

from core.admin import AuditedAdmin
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


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    list_display = ["title", "level", "year", "quarter", "unit", "study_group"]
    list_filter = ["level", "year"]
    list_select_related = ["unit", "study_group"]
    search_fields = ["title", "document_number", "unit__name"]
    autocomplete_fields = ["unit", "study_group"]


@admin.register(PlanTopic)
class PlanTopicAdmin(AuditedAdmin):
    list_display = ["title", "plan", "planned_month", "place"]
    list_filter = ["plan__year", "planned_month"]
    list_select_related = ["plan"]
    search_fields = ["title", "content", "plan__title"]
    autocomplete_fields = ["plan"]


@admin.register(RequiredReading)
class RequiredReadingAdmin(AuditedAdmin):
    list_display = ["title", "author", "year", "unit"]
    list_filter = ["year"]
    list_select_related = ["unit"]
    search_fields = ["title", "author"]
    autocomplete_fields = ["unit"]


@admin.register(ReadingProgress)
class ReadingProgressAdmin(AuditedAdmin):
    list_display = ["person", "reading", "finished_on"]
    list_filter = ["reading__year"]
    list_select_related = ["person", "reading"]
    search_fields = ["person__name", "reading__title"]
    autocomplete_fields = ["person", "reading"]


@admin.register(StudySession)
class StudySessionAdmin(AuditedAdmin):
    list_display = ["title", "study_group", "kind", "starts_at", "place", "record_entered_at"]
    list_filter = ["kind", "starts_at"]
    list_select_related = ["study_group"]
    search_fields = ["title", "place", "study_group__name"]
    autocomplete_fields = ["study_group", "host", "topics"]
    date_hierarchy = "starts_at"


@admin.register(Speech)
class SpeechAdmin(AuditedAdmin):
    list_display = ["person", "topic", "session", "is_lead"]
    list_filter = ["is_lead"]
    list_select_related = ["person", "session"]
    search_fields = ["person__name", "topic"]
    autocomplete_fields = ["person", "session"]


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdmin):
    list_display = ["person", "session", "status", "method", "checked_in_at", "makeup_done_on"]
    list_filter = ["status", "method"]
    list_select_related = ["person", "session"]
    search_fields = ["person__name", "session__title"]
    autocomplete_fields = ["person", "session"]


@admin.register(Reflection)
class ReflectionAdmin(AuditedAdmin):
    list_display = ["person", "session", "created_at"]
    list_select_related = ["person", "session"]
    list_filter = ["created_at"]
    search_fields = ["person__name", "session__title", "text"]
    autocomplete_fields = ["person", "session"]


@admin.register(SelfStudy)
class SelfStudyAdmin(AuditedAdmin):
    list_display = ["person", "date", "material", "hours"]
    list_filter = ["date"]
    list_select_related = ["person"]
    search_fields = ["person__name", "material"]
    autocomplete_fields = ["person"]


@admin.register(ResearchTopic)
class ResearchTopicAdmin(AuditedAdmin):
    list_display = ["title", "study_group", "status", "assigned_on", "reported_on"]
    list_filter = ["status"]
    list_select_related = ["study_group"]
    search_fields = ["title", "study_group__name"]
    autocomplete_fields = ["study_group", "lead"]


@admin.register(TheoryArticle)
class TheoryArticleAdmin(AuditedAdmin):
    list_display = ["title", "person", "kind", "written_on"]
    list_filter = ["kind"]
    list_select_related = ["person"]
    search_fields = ["title", "person__name"]
    autocomplete_fields = ["person"]


@admin.register(ExamScore)
class ExamScoreAdmin(AuditedAdmin):
    list_display = ["person", "year", "score"]
    list_filter = ["year"]
    list_select_related = ["person"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]
