"""At prefecture scale the outreach pages must not carry every row: the people who have not studied the
required posts come a page at a time, the post form offers the county's and the region's recent plan topics
and readings (and what the post already serves), and a need's party day is searched, not listed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import StudyGroup
from outreach.forms import PostForm
from outreach.models import Post
from outreach.selectors.reading import current_members, not_studied
from studygroups.models import Plan
from tests.factories import MembershipFactory, PersonFactory
from tests.outreach.factories import party_day, post
from tests.studygroups.factories import PlanFactory, PlanTopicFactory, RequiredReadingFactory


@pytest.mark.django_db
def test_people_who_have_not_studied_come_a_page_at_a_time(world, client_as):
    post(world.home.county, title="甲", required=True)
    for n in range(30):
        MembershipFactory(
            study_group=world.home.dept_group, person=PersonFactory(unit=world.home.dept, name=f"王{n:02d}")
        )
    people = current_members(StudyGroup.objects.visible_to(world.users.staff))
    # 30 new members and the home county's three (leader, member, town member): 33, nobody studied 甲.
    first = not_studied(Post.objects.all(), people)
    assert len(first.rows) == 25 and first.has_next and not first.has_previous
    second = not_studied(Post.objects.all(), people, page=2)
    assert len(second.rows) == 8 and not second.has_next and second.has_previous
    assert all(titles == ["甲"] for _person, titles in [(p, [x.title for x in posts]) for p, posts in second])
    names = {person.name for person, _ in first} | {person.name for person, _ in second}
    assert len(names) == 33 and {f"王{n:02d}" for n in range(30)} <= names
    client = client_as("staff")
    html = client.get(reverse("outreach:post_reading"), {"year": 2025}).content.decode()
    table = html[html.index('id="not-studied"') : html.index("</table>", html.index('id="not-studied"'))]
    assert table.count("<tr>") == 1 + 25 and "missing_page=2" in html
    html = client.get(reverse("outreach:post_reading"), {"year": 2025, "missing_page": 2}).content.decode()
    table = html[html.index('id="not-studied"') : html.index("</table>", html.index('id="not-studied"'))]
    assert table.count("<tr>") == 1 + 8 and "missing_page=1" in html and "missing_page=3" not in html
    html = client.get(reverse("outreach:post_reading"), {"year": 2025, "missing_page": 3}).content.decode()
    assert "此页已超出最后一页" in html and "所有人都已学习必学文章" not in html


@pytest.mark.django_db
def test_the_post_form_offers_recent_county_topics_and_keeps_what_a_post_serves(world):
    year = timezone.localdate().year
    county_plan = PlanFactory(level=Plan.Level.COUNTY, unit=world.home.county, study_group=None, year=year)
    offered = PlanTopicFactory(plan=county_plan, title="县级专题")
    group_topic = PlanTopicFactory(plan=PlanFactory(study_group=world.home.dept_group, year=year), title="组专题")
    old_plan = PlanFactory(level=Plan.Level.COUNTY, unit=world.home.county, study_group=None, year=year - 3)
    old_topic = PlanTopicFactory(plan=old_plan, title="旧专题")
    recent = RequiredReadingFactory(unit=world.home.county, year=year - 1)
    old_reading = RequiredReadingFactory(unit=world.home.county, year=year - 3)
    form = PostForm(user=world.users.staff)
    assert set(form.fields["topics"].queryset) == {offered}
    assert set(form.fields["readings"].queryset) == {recent}
    served = post(world.home.county)
    served.topics.set([old_topic])
    served.readings.set([old_reading])
    form = PostForm(user=world.users.staff, instance=served)
    assert set(form.fields["topics"].queryset) == {offered, old_topic}
    assert set(form.fields["readings"].queryset) == {recent, old_reading}
    assert group_topic not in form.fields["topics"].queryset


@pytest.mark.django_db
def test_a_needs_party_day_is_searched_not_listed(world, client_as):
    for n in range(30):
        party_day(world.home.village, datetime.date(2025, 1, 1) + datetime.timedelta(days=n), theme=f"主题{n}")
    other = party_day(world.other.village, datetime.date(2025, 3, 1), theme="别县主题")
    client = client_as("staff")
    html = client.get(reverse("outreach:need_create")).content.decode()
    select = html[html.index('name="party_day"') - 200 : html.index("</select>", html.index('name="party_day"'))]
    assert 'data-autocomplete="/autocomplete/party_days/"' in select and select.count("<option") == 1
    rows = client.get(reverse("autocomplete", args=["party_days"]), {"q": "主题2"}).json()["results"]
    # 主题2 and 主题20..29, newest first; never the other county's.
    assert [row["text"].split(" · ")[-1] for row in rows] == [f"主题{n}" for n in range(29, 19, -1)] + ["主题2"]
    assert client.get(reverse("autocomplete", args=["party_days"]), {"q": "别县"}).json()["results"] == []
    assert other.pk
