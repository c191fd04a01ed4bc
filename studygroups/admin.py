from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from studygroups.models import Membership, OrgUnit, Person, StudyGroup


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
