"""Who read what in the online learning column: most and least read posts, and who has not studied the
required ones. Constant queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Membership, Person
from core.pages import PAGE_SIZE
from outreach.models import Post, PostStudy


def with_readers(posts: QuerySet[Post], person_ids: QuerySet) -> QuerySet[Post]:
    """``posts`` with ``readers``: how many of the people ``person_ids`` (a query of ids) studied each.

    A count per post in a subquery (the (post, person) key's index, the people hashed once), not a join of
    every study grouped again: the posts are not grouped, so counting them for the paginator reads the
    posts alone, and a page sorted by another column counts its own rows only."""
    studies = PostStudy.objects.filter(post=OuterRef("pk"), person__in=person_ids).order_by()
    count = studies.values("post").annotate(n=Count("*")).values("n")
    return posts.annotate(readers=Coalesce(Subquery(count, output_field=IntegerField()), 0))


def posts_by_reading(posts: QuerySet[Post], people: QuerySet[Person]) -> list[Post]:
    """``posts`` with ``readers``, most read first."""
    readers = with_readers(posts, people.values("pk"))
    return list(readers.select_related("column").order_by("-readers", "-published_on", "pk"))


@dataclass
class NotStudiedPage:
    """A page of ``(person, [posts not studied])``; whether more follow, without counting them all."""

    rows: list[tuple[Person, list[Post]]]
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def not_studied(posts: QuerySet[Post], people: QuerySet[Person], page=1, per_page: int = PAGE_SIZE) -> NotStudiedPage:
    """One page of ``people`` who have not studied every required post among ``posts``, each with the posts
    they lack; people with none missing left out. Found in SQL, the page's people only looked at (a
    prefecture has tens of thousands) and never counted: three queries."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    required = list(posts.filter(required=True).order_by("-published_on", "pk"))
    ids = [p.pk for p in required]
    if not ids:
        return NotStudiedPage([], number, False)
    # Those who studied them all, grouped on the studies alone; everyone else lacks one. A person studies a
    # post once (poststudy_once_per_person), so counting rows counts posts, by hashing (no DISTINCT's sort).
    # Whoever studied them all studied the first: only its readers' studies are grouped (a few hundred
    # people's, not the tens of thousands of studies of every required post).
    candidates = PostStudy.objects.filter(post=ids[0]).values("person")
    complete = (
        PostStudy.objects.filter(post__in=ids, person__in=candidates)
        .values("person")
        .annotate(studied=Count("pk"))
        .filter(studied=len(ids))
        .values("person")
    )
    lacking = people.exclude(pk__in=complete).select_related("unit").order_by("unit__name", "name", "pk")
    start = (number - 1) * per_page
    found = list(lacking[start : start + per_page + 1])  # one more says whether a next page exists
    found, has_next = found[:per_page], len(found) > per_page
    done = set()
    if found:
        rows = PostStudy.objects.filter(post__in=ids, person__in=[person.pk for person in found])
        done = set(rows.values_list("person", "post"))
    missing = [(person, [post for post in required if (person.pk, post.pk) not in done]) for person in found]
    return NotStudiedPage(missing, number, has_next)


def _seats(groups):
    return Membership.objects.filter(study_group__in=groups).active_on(timezone.localdate())


def current_members(groups) -> QuerySet[Person]:
    """People seated today in any of ``groups``."""
    return Person.objects.filter(pk__in=_seats(groups).values("person"))


def current_member_ids(groups) -> QuerySet:
    """The ids of ``current_members(groups)``, read off the seats alone: a prefecture's readers are counted
    against it without reading every person (a third less time per year of posts)."""
    return _seats(groups).values("person")
