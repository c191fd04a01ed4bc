"""Who read what in the online learning column: most and least read posts, and who has not studied the
required ones. Constant queries."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.models import Membership, Person
from outreach.models import Post, PostStudy


def with_readers(posts: QuerySet[Post], people: QuerySet[Person]) -> QuerySet[Post]:
    """``posts`` with ``readers``: how many of ``people`` studied each."""
    return posts.annotate(readers=Count("studies", filter=Q(studies__person__in=people.values("pk"))))


def posts_by_reading(posts: QuerySet[Post], people: QuerySet[Person]) -> list[Post]:
    """``posts`` with ``readers``, most read first."""
    return list(with_readers(posts, people).select_related("column").order_by("-readers", "-published_on", "pk"))


def not_studied(posts: QuerySet[Post], people: QuerySet[Person]) -> list[tuple[Person, list[Post]]]:
    """For each of ``people``, the required posts among ``posts`` they have not studied (people with none
    missing left out). Three queries."""
    required = list(posts.filter(required=True).order_by("-published_on", "pk"))
    if not required:
        return []
    done = set(
        PostStudy.objects.filter(post__in=[p.pk for p in required], person__in=people).values_list("person", "post")
    )
    rows = []
    for person in people.select_related("unit").order_by("unit__name", "name"):
        missing = [post for post in required if (person.pk, post.pk) not in done]
        if missing:
            rows.append((person, missing))
    return rows


def current_members(groups) -> QuerySet[Person]:
    """People seated today in any of ``groups``."""
    seats = Membership.objects.filter(study_group__in=groups).active_on(timezone.localdate())
    return Person.objects.filter(pk__in=seats.values("person"))
