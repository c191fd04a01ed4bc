"""Dashboard panels of the outreach app."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from outreach.models import Need, Post, PostStudy


def needs_panel(user, today) -> dict:
    """Raised needs in the user's scope: pending and overdue (one query, over the pending needs only: the
    index on (status, due_on) finds them among every need ever raised)."""
    counts = (
        Need.objects.visible_to(user)
        .filter(status__in=Need.PENDING)
        .aggregate(pending=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    )
    return {"needs": counts}


def posts_panel(user, today) -> dict:
    """A member's required posts not yet studied (the newest five)."""
    studied = PostStudy.objects.filter(post=OuterRef("pk"), person_id=user.person_id)
    posts = (
        Post.objects.visible_to(user)
        .filter(required=True)
        .annotate(studied=Exists(studied))
        .filter(studied=False)
        .select_related("column")
        .order_by("-published_on", "-pk")[:5]
    )
    return {"required_posts": list(posts)}
