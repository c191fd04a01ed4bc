from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.models import User, WorkdayOverride


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


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["created_at", "created_by", "updated_at"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return formats.date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
