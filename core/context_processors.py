from functools import cache

from django.urls import reverse

from core import policy
from core.models import Notification
from core.registry import nav_entries


def navigation(request):
    """The main menu: the entries apps registered, those the user's role may open, grouped by menu."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}

    def menu():
        menus: dict[str, list] = {}
        for entry in nav_entries:
            if entry.permission and not _allowed(user, entry.permission):
                continue
            menus.setdefault(str(entry.menu), []).append({"label": entry.label, "url": reverse(entry.url_name)})
        return [{"label": label, "entries": entries} for label, entries in menus.items()]

    @cache
    def unread_notifications() -> int:
        # Read when the navigation shows it (once a page); a view that has the number puts it in its context.
        return Notification.objects.visible_to(user).unread().count()

    return {"nav_menus": menu, "unread_notifications": unread_notifications}


def _allowed(user, permission: tuple[str, str | None]) -> bool:
    action, label = permission
    return policy.can(user, action, label)
