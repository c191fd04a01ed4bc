"""In-app notifications of any kind, pointing at any record; sent through core.notifications.notify()."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.audit import AuditedModel
from core.scoping import AuditedQuerySet


class NotificationQuerySet(AuditedQuerySet):
    def visible_to(self, user):
        # A notification is for one account only, whatever its role.
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(user=user)

    def editable_by(self, user):
        return self.visible_to(user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(AuditedModel):
    """A message to one account: what happened, a link to the record it is about, read or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="notifications"
    )
    # Registered by the apps (core.registry.notification_kinds), e.g. "studygroups.notice".
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    message = models.TextField(_("message"))
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The same key for the same user is one notification: sent again, it is re-opened, not repeated.
    dedup_key = models.CharField(_("de-duplication key"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedup_key"], condition=~Q(dedup_key=""), name="notification_unique_dedup_key"
            ),
            models.CheckConstraint(
                name="notification_target_whole",
                condition=Q(target_type__isnull=True, target_id__isnull=True)
                | Q(target_type__isnull=False, target_id__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="notification_target_idx")]

    def __str__(self):
        return self.message[:50]

    def get_kind_display(self) -> str:
        from core.registry import notification_kinds

        return str(notification_kinds.get(self.kind, self.kind))
