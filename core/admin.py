from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.models import Attachment, Membership, Notification, OrgUnit, Person, StudyGroup, User, WorkdayOverride


@admin.register(User)
class AccountAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "last_name", "first_name", "role", "scope_unit", "study_group", "person", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["scope_unit", "study_group", "person"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["scope_unit", "study_group", "person"]
    fieldsets = UserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ["role", "scope_unit", "study_group", "person"]}),
    )


class AuditedAdmin(SimpleHistoryAdmin):
    readonly_fields = ["created_at", "created_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "party_body", "parent", "sort_order"]
    list_filter = ["kind", "party_body"]
    list_select_related = ["parent"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]


@admin.register(StudyGroup)
class StudyGroupAdmin(AuditedAdmin):
    list_display = ["name", "unit", "is_active"]
    list_filter = ["is_active", "unit__kind"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name", "gender", "title", "unit", "phone"]
    list_filter = ["gender", "unit__kind"]
    list_select_related = ["unit"]
    search_fields = ["name", "title", "phone", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["person", "study_group", "role", "start_date", "end_date"]
    list_filter = ["role", "study_group__unit__kind"]
    list_select_related = ["person", "study_group"]
    search_fields = ["person__name", "study_group__name"]
    autocomplete_fields = ["person", "study_group"]
    date_hierarchy = "start_date"


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["user", "kind", "subject", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "subject", "message"]
    autocomplete_fields = ["user"]


@admin.register(Attachment)
class AttachmentAdmin(AuditedAdmin):
    list_display = ["original_name", "kind", "size", "owner_type", "owner_id"]
    list_filter = ["kind", "owner_type"]
    list_select_related = ["owner_type"]
    search_fields = ["original_name"]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(AuditedAdmin):
    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return formats.date_format(obj.date, "l")
