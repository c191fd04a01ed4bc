"""The notification list says so in a sentence when it is empty, marks everything read with a POST, and the
unread count in the navigation follows on every page."""

import re

from django.urls import reverse

from core.models import Notification
from core.notifications import notify
from studygroups.services.sessions import NOTICE


def _nav_unread(html: str) -> int:
    """The badge next to "Notifications" in the navigation (0 when it is not shown)."""
    link = re.search(r'<a class="nav-link" href="[^"]*" id="nav-notifications">(.*?)</a>', html, re.S).group(1)
    found = re.search(r'data-unread="(\d+)"', link)
    return int(found.group(1)) if found else 0


def test_an_empty_list_says_so_in_a_sentence(client_as, world):
    client = client_as("member")
    html = client.get(reverse("notification_list")).content.decode()
    assert 'id="notifications-empty"' in html and "预先通知" in html  # what will arrive here, in Chinese
    assert 'id="notifications"' not in html  # no empty table
    assert 'id="mark-all-read"' not in html  # nothing to mark
    notify(users=[world.users.member], kind=NOTICE, message="已读的通知", email=False)
    client.post(reverse("notification_list"))
    html = client.get(reverse("notification_list"), {"unread": "true"}).content.decode()
    assert "没有符合筛选条件的通知。" in html


def test_the_navigation_counts_unread_notifications_and_mark_all_read_clears_it(client_as, world):
    for n in range(3):
        notify(users=[world.users.member], kind=NOTICE, message=f"通知{n}", email=False)
    notify(users=[world.users.secretary], kind=NOTICE, message="秘书的通知", email=False)
    client = client_as("member")
    for name in ("dashboard", "studygroups:session_list", "notification_list"):
        assert _nav_unread(client.get(reverse(name)).content.decode()) == 3, name
    # A GET never marks anything read; the POST does, and the count follows on the next page.
    assert Notification.objects.filter(user=world.users.member, read_at=None).count() == 3
    response = client.post(reverse("notification_list"), follow=True)
    assert "所有通知已标为已读。" in response.content.decode()
    assert _nav_unread(response.content.decode()) == 0
    assert _nav_unread(client.get(reverse("dashboard")).content.decode()) == 0
    assert Notification.objects.filter(user=world.users.secretary, read_at=None).count() == 1  # others' stay
    notify(users=[world.users.member], kind=NOTICE, message="新通知", email=False)
    assert _nav_unread(client.get(reverse("studygroups:session_list")).content.decode()) == 1


def test_mark_all_read_needs_a_signed_in_user(client_as, world):
    notify(users=[world.users.member], kind=NOTICE, message="通知", email=False)
    response = client_as("anon").post(reverse("notification_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Notification.objects.filter(read_at=None).count() == 1
