import django_filters
from django.utils.translation import gettext_lazy as _

from core.models import Notification


def _kind_choices():
    from core.registry import notification_kinds

    return list(notification_kinds.items())


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(label=_("Unread"), field_name="read_at", lookup_expr="isnull")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=_kind_choices, empty_label=_("All"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
