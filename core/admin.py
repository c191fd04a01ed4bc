from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.models import User


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
