"""The outreach pages: who reaches what (another county's record answers 404), forms through the services,
and list query counts that do not grow with the data."""

import datetime

import pytest
from django.urls import reverse

from outreach.models import ExchangeVisit, Need, Pairing, PartyDay
from outreach.services import feed_token_for, pairing_save, visit_create
from tests.outreach.factories import households, need, party_day, post, town_secretary
from tests.outreach.test_partydays_and_needs import photo
from tests.studygroups.factories import local

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def records(world):
    pairing = pairing_save(
        pairing=Pairing(year=2025, group_a=world.home.dept_group, group_b=world.home.town_group), user=None
    )
    visit = visit_create(
        visit=ExchangeVisit(
            pairing=pairing,
            host_group=world.home.town_group,
            title="交流",
            starts_at=local(2025, 4, 1, 9),
            ends_at=local(2025, 4, 1, 11),
            place="镇政府",
        ),
        user=world.users.staff,
    )
    day = party_day(world.home.village, D(2025, 3, 5), members=12)
    households(world.home.village, 2025, 40)
    raised = need(world.home.village, D(2025, 3, 5), D(2025, 4, 30), party_day=day)
    item = post(world.home.county, required=True)
    return pairing, visit, day, raised, item


LIST_PAGES = ["pairing_list", "visit_list", "partyday_list", "need_list", "post_list", "coverage", "feed_links"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_staff_open_every_list(world, records, client_as, name):
    response = client_as("staff").get(reverse(f"outreach:{name}"), {"year": 2025})
    assert response.status_code == 200


def test_members_do_not_browse_branch_records(world, records, client_as):
    client = client_as("member")
    for name in ("partyday_list", "need_list", "coverage"):
        assert client.get(reverse(f"outreach:{name}")).status_code == 403
    assert client.get(reverse("outreach:post_list")).status_code == 200


def test_another_countys_records_answer_404(world, records, client_as):
    pairing, visit, day, raised, item = records
    client = client_as("outsider")
    for name, obj in (
        ("pairing_detail", pairing),
        ("visit_detail", visit),
        ("partyday_detail", day),
        ("need_detail", raised),
        ("post_detail", item),
    ):
        assert client.get(reverse(f"outreach:{name}", args=[obj.pk])).status_code == 404, name
    assert (
        client.post(reverse("outreach:need_action", args=[raised.pk, "start"]), {"handled_by": "x"}).status_code == 404
    )
    assert client.post(reverse("outreach:post_study", args=[item.pk])).status_code == 404


def test_detail_pages_open_for_those_in_scope(world, records, client_as):
    pairing, visit, day, raised, item = records
    secretary = client_as("secretary")  # the department's secretary: one side of the pair
    assert secretary.get(visit.get_absolute_url()).status_code == 200
    assert secretary.get(pairing.get_absolute_url()).status_code == 200
    # The village belongs to the township: the department's secretary does not reach its records.
    assert secretary.get(day.get_absolute_url()).status_code == 404
    staff = client_as("staff")
    for obj in records:
        assert staff.get(obj.get_absolute_url()).status_code == 200


def test_only_staff_pair_groups(world, client_as):
    data = {"year": 2025, "group_a": world.home.dept_group.pk, "group_b": world.home.town_group.pk, "is_active": "on"}
    assert client_as("secretary").post(reverse("outreach:pairing_create"), data).status_code == 403
    response = client_as("staff").post(reverse("outreach:pairing_create"), data)
    assert response.status_code == 302 and Pairing.objects.count() == 1
    again = client_as("staff").post(reverse("outreach:pairing_create"), data)
    assert again.status_code == 200 and Pairing.objects.count() == 1
    assert "已经存在" in again.content.decode()
    # Picked the other way round, it is the same pair.
    swapped = data | {"group_a": world.home.town_group.pk, "group_b": world.home.dept_group.pk}
    assert client_as("staff").post(reverse("outreach:pairing_create"), swapped).status_code == 200
    assert Pairing.objects.count() == 1
    swapped["year"] = 2026
    assert client_as("staff").post(reverse("outreach:pairing_create"), swapped).status_code == 302
    itself = data | {"group_b": world.home.dept_group.pk}
    assert "不能与自身结对" in client_as("staff").post(reverse("outreach:pairing_create"), itself).content.decode()


def test_a_township_secretary_records_a_party_day_and_follows_a_need_to_done(world, client):
    client.force_login(town_secretary(world.home.town_group))
    response = client.post(
        reverse("outreach:partyday_create"),
        {
            "branch": world.home.village.pk,
            "held_on": "2025-03-05",
            "theme": "学党史",
            "stories": "",
            "households_by_work_team": 3,
            "households_by_first_secretary": 2,
            "households_by_members": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    day = PartyDay.objects.get()
    assert day.households_visited == 10 and day.created_by.study_group == world.home.town_group
    response = client.post(
        reverse("outreach:need_create"),
        {
            "branch": world.home.village.pk,
            "party_day": day.pk,
            "ask": "needs",
            "category": "infrastructure",
            "place": "二组",
            "description": "修路",
            "raised_on": "2025-03-05",
            "due_on": "2025-04-30",
        },
    )
    assert response.status_code == 302
    raised = Need.objects.get()
    url = reverse("outreach:need_action", args=[raised.pk, "complete"])
    client.post(url, {"done_on": "2025-04-01", "result": "已硬化", "handled_by": "第一书记", "evidence": photo()})
    raised.refresh_from_db()
    assert (raised.status, raised.attachments.count()) == ("done", 1)
    assert client.get(raised.get_absolute_url()).status_code == 200


def test_list_queries_do_not_grow_with_the_data(world, client_as, page_queries):
    client = client_as("staff")
    feed_token_for(world.users.staff)
    for n in range(2):
        need(world.home.village, D(2025, 3, 5 + n), D(2025, 4, 30))
        party_day(world.home.village, D(2025, 3, 5 + n), members=1)
        post(world.home.county, title=f"文{n}")
    counts = {name: page_queries(client, reverse(f"outreach:{name}"), {"year": 2025}) for name in LIST_PAGES}
    for n in range(2, 6):
        need(world.home.village, D(2025, 3, 5 + n), D(2025, 4, 30))
        party_day(world.home.village, D(2025, 3, 5 + n), members=1)
        post(world.home.county, title=f"文{n}")
    assert {name: page_queries(client, reverse(f"outreach:{name}"), {"year": 2025}) for name in LIST_PAGES} == counts


def test_the_visited_groups_secretary_records_a_visit_with_each_sides_participants(world, client_as):
    pairing_save(pairing=Pairing(year=2025, group_a=world.home.dept_group, group_b=world.home.town_group), user=None)
    client = client_as("secretary")  # the department's: it visits the township
    data = {
        "pairing": Pairing.objects.get().pk,
        "host_group": world.home.town_group.pk,
        "title": "三看一听一分享",
        "starts_at": "2025-04-10T09:00",
        "ends_at": "2025-04-10T12:00",
        "place": "红旗镇",
        "host_people": [world.home.town_member.pk],
        "guest_people": [world.home.member.pk],
    }
    response = client.post(reverse("outreach:visit_create"), data)
    assert response.status_code == 302, response.content.decode()[-1500:]
    visit = ExchangeVisit.objects.get()
    assert visit.host_session.attendances.get().person == world.home.town_member
    assert visit.guest_session.attendances.get().person == world.home.member
    assert client.get(visit.get_absolute_url()).status_code == 200
    response = client.post(reverse("outreach:visit_cancel", args=[visit.pk]), {"cancel_reason": "改期"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.is_cancelled and visit.host_session is None
