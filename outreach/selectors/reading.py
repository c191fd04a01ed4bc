"""Who read what in the online learning column: most and least read posts, and who has not studied the
required ones. Constant queries."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.models import Membership, Person
from core.pages import PAGE_SIZE
from outreach.models import Post, PostStudy


def with_readers(posts: QuerySet[Post], people: QuerySet[Person]) -> QuerySet[Post]:
    """``posts`` with ``readers``: how many of ``people`` studied each."""
    return posts.annotate(readers=Count("studies", filter=Q(studies__person__in=people.values("pk"))))


def posts_by_reading(posts: QuerySet[Post], people: QuerySet[Person]) -> list[Post]:
    """``posts`` with ``readers``, most read first."""
    return list(with_readers(posts, people).select_related("column").order_by("-readers", "-published_on", "pk"))


def not_studied(posts: QuerySet[Post], people: QuerySet[Person], page=1, per_page: int = PAGE_SIZE) -> Page:
    """One page of ``people`` who have not studied every required post among ``posts``, each as
    ``(person, [posts not studied])``; people with none missing left out. Found in SQL and only the page's
    people looked at (a prefecture has tens of thousands): four queries, the page's count included."""
    required = list(posts.filter(required=True).order_by("-published_on", "pk"))
    ids = [p.pk for p in required]
    # Those who studied them all, grouped on the studies alone; everyone else lacks one.
    complete = (
        PostStudy.objects.filter(post__in=ids)
        .values("person")
        .annotate(studied=Count("post", distinct=True))
        .filter(studied=len(ids))
        .values("person")
    )
    lacking = people.exclude(pk__in=complete).select_related("unit").order_by("unit__name", "name", "pk")
    if not ids:
        lacking = people.none()
    result = Paginator(lacking, per_page).get_page(page)
    done = (
        set(
            PostStudy.objects.filter(post__in=ids, person__in=[person.pk for person in result]).values_list(
                "person", "post"
            )
        )
        if ids and result.object_list
        else set()
    )
    result.object_list = [
        (person, [post for post in required if (person.pk, post.pk) not in done]) for person in result
    ]
    return result


def current_members(groups) -> QuerySet[Person]:
    """People seated today in any of ``groups``."""
    seats = Membership.objects.filter(study_group__in=groups).active_on(timezone.localdate())
    return Person.objects.filter(pk__in=seats.values("person"))
