"""The online learning column: sanitised rich text, studying a post once (also in parallel), the archive,
reading statistics, and the Atom feed behind a renewable secret link."""

import datetime
import threading
import xml.etree.ElementTree as ET

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from outreach.models import FeedToken, PostStudy
from outreach.selectors.reading import current_members, not_studied, posts_by_reading
from outreach.services import clean_html, feed_token_for, feed_token_renew, post_mark_studied, post_save
from studygroups.models import SelfStudy
from tests.outreach.factories import post

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.django_db
def test_rich_text_with_a_script_is_stored_without_it(world):
    body = (
        '<p onclick="steal()">学习<strong>要点</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">坏链接</a><a href="https://www.gov.cn/">好链接</a><style>p{}</style>'
    )
    saved = post_save(post=post(world.home.county, body="x"), user=world.users.staff)
    saved.body = body
    saved = post_save(post=saved, user=world.users.staff)
    saved.refresh_from_db()
    assert "<script" not in saved.body and "alert(1)" not in saved.body
    assert "onclick" not in saved.body and "javascript:" not in saved.body and "<style" not in saved.body
    assert "<strong>要点</strong>" in saved.body and 'href="https://www.gov.cn/"' in saved.body
    assert clean_html("<img src=x onerror=alert(1)>") == '<img src="x">'


@pytest.mark.django_db
def test_a_studied_post_adds_one_self_study_entry_and_shows_in_the_archive(world, client_as):
    item = post(world.home.county, title="深入学习全会精神", published_on=datetime.date.today())
    client = client_as("member")
    url = reverse("outreach:post_study", args=[item.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a second click
    entry = SelfStudy.objects.get(person=world.home.member)
    assert entry.material == "网络学习：深入学习全会精神"
    assert PostStudy.objects.get().self_study == entry
    page = client.get(reverse("studygroups:member_archive", args=[world.home.member.pk]))
    assert "网络学习：深入学习全会精神" in page.content.decode()
    assert "您已学习本文" in client.get(item.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_staff_see_most_and_least_read_and_who_has_not_studied(world, client_as):
    first = post(world.home.county, title="甲", required=True)
    second = post(world.home.county, title="乙", required=True)
    third = post(world.home.county, title="丙")
    for person in (world.home.member, world.home.leader):
        post_mark_studied(post=first, person=person, user=None)
    post_mark_studied(post=third, person=world.home.member, user=None)
    post_mark_studied(post=second, person=world.home.left, user=None)  # left in 2024: not a reader now
    from core.models import StudyGroup

    people = current_members(StudyGroup.objects.visible_to(world.users.staff))
    from outreach.models import Post

    ranked = posts_by_reading(Post.objects.visible_to(world.users.staff), people)
    assert [(p.title, p.readers) for p in ranked] == [("甲", 2), ("丙", 1), ("乙", 0)]
    page = not_studied(Post.objects.all(), people)
    missing = {person.name: [p.title for p in posts] for person, posts in page}
    assert len(page.rows) == 3 and not page.has_next and not page.has_previous
    # Current members of the home county: leader, member (dept), town member; "left" left in 2024.
    assert missing == {
        world.home.leader.name: ["乙"],
        world.home.member.name: ["乙"],
        world.home.town_member.name: ["乙", "甲"] if second.pk < first.pk else ["甲", "乙"],
    }
    page = client_as("staff").get(reverse("outreach:post_reading"), {"year": 2025})
    assert page.status_code == 200 and world.home.town_member.name in page.content.decode()
    assert client_as("member").get(reverse("outreach:post_reading")).status_code == 403


@pytest.mark.django_db
def test_who_studied_every_required_post_but_the_newest_still_lacks_it(world):
    """Required posts 丁 (newest, 2025-03-03), 戊 (03-02), 己 (03-01):

    - the leader studied all three: not listed;
    - the member studied 戊 and 己, not the newest: lacks 丁 (whoever studied them all studied the newest,
      so only its readers are counted as complete);
    - the town member studied only the newest: lacks 戊 and 己, in that order (newest first)."""
    newest = post(world.home.county, title="丁", required=True, published_on=datetime.date(2025, 3, 3))
    middle = post(world.home.county, title="戊", required=True, published_on=datetime.date(2025, 3, 2))
    oldest = post(world.home.county, title="己", required=True, published_on=datetime.date(2025, 3, 1))
    for item in (newest, middle, oldest):
        post_mark_studied(post=item, person=world.home.leader, user=None)
    for item in (middle, oldest):
        post_mark_studied(post=item, person=world.home.member, user=None)
    post_mark_studied(post=newest, person=world.home.town_member, user=None)
    from core.models import StudyGroup
    from outreach.models import Post

    people = current_members(StudyGroup.objects.visible_to(world.users.staff))
    missing = {person.name: [p.title for p in posts] for person, posts in not_studied(Post.objects.all(), people)}
    assert missing == {world.home.member.name: ["丁"], world.home.town_member.name: ["戊", "己"]}


@pytest.mark.django_db(transaction=True)
def test_marking_a_post_twice_in_parallel_stores_one_entry(world):
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once need PostgreSQL")
    item = post(world.home.county)
    person = world.home.member
    barrier = threading.Barrier(2)
    results, errors = [], []

    def mark():
        try:
            barrier.wait(timeout=10)
            results.append(post_mark_studied(post=item, person=person, user=None)[1])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=mark) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    assert PostStudy.objects.filter(post=item, person=person).count() == 1
    assert SelfStudy.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_the_feed_is_valid_atom_and_an_old_link_answers_404_after_renewal(world, client):
    item = post(world.home.county, title="微讲堂第一期", body="<p>讲稿</p>", tags="党史, 微讲堂")
    post(world.other.county, title="乙旗的文章", column=None)
    token = feed_token_for(world.users.member)
    url = reverse("outreach:feed", args=[token.token, item.column_id])
    response = client.get(url)  # no sign-in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["微讲堂第一期"]
    entry = entries[0]
    for required in ("id", "title", "updated", "link"):
        assert entry.find(f"{ATOM}{required}") is not None
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"党史", "微讲堂"}
    assert entry.find(f"{ATOM}summary").text == "<p>讲稿</p>"

    renewed = feed_token_renew(user=world.users.member)
    assert renewed.token != token.token and FeedToken.objects.count() == 1
    assert client.get(url).status_code == 404
    assert client.get(reverse("outreach:feed", args=[renewed.token, item.column_id])).status_code == 200
    # Another county's column is not reachable with this secret.
    other_column = post(world.other.county, title="乙", column=None).column
    assert client.get(reverse("outreach:feed", args=[renewed.token, other_column.pk])).status_code == 404


@pytest.mark.django_db
def test_renewing_from_the_page(world, client_as):
    post(world.home.county)
    client = client_as("member")
    old = feed_token_for(world.users.member).token
    page = client.get(reverse("outreach:feed_links"))
    assert old in page.content.decode()
    client.post(reverse("outreach:feed_links"))
    assert FeedToken.objects.get().token != old
