import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit, Person, StudyGroup


class OrgUnitTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    parent = tables.Column(verbose_name=_("Parent"))

    class Meta:
        model = OrgUnit
        fields = ["name", "kind", "party_body", "parent"]
        order_by = ["path", "sort_order", "name"]


class StudyGroupTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__name",))
    member_count = tables.Column(verbose_name=_("Current members"), orderable=True)

    class Meta:
        model = StudyGroup
        fields = ["name", "unit", "member_count", "is_active"]


class PersonTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Work unit"), order_by=("unit__name",))

    class Meta:
        model = Person
        fields = ["name", "gender", "title", "unit", "phone"]
