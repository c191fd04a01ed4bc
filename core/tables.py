import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.models import Notification


class NotificationTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Sent at"), format="Y-m-d H:i")
    kind = tables.Column(verbose_name=_("Kind"), accessor="get_kind_display", order_by=("kind",))
    subject = tables.TemplateColumn(
        template_name="core/includes/notification_subject.html", verbose_name=_("About"), orderable=False
    )
    message = tables.TemplateColumn(
        template_name="core/includes/notification_message.html", verbose_name=_("Message"), orderable=False
    )

    class Meta:
        model = Notification
        empty_text = _("You have no notifications.")
        fields = ["created_at", "kind", "subject", "message"]
        order_by = ["-created_at"]
        attrs = {"class": "table table-sm", "id": "notifications"}
