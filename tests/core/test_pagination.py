"""List pages in a total order, read backwards near the end (core.pages.EndPaginator), and the region
auditor's scope read without the unit join when their unit holds the whole org tree (core.scoping).

Run on PostgreSQL and on SQLite (``DATABASE_URL=sqlite:///...``): the two put NULLs at different ends."""

import pytest
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse

from core.models import OrgUnit, Role
from core.pages import EndPaginator, TotalOrderData, total_order
from core.scoping import _always_has_unit
from studygroups.models import Attendance, Plan, Reflection, SelfStudy, Speech, StudySession
from studygroups.tables import SessionTable
from tests.factories import OrgUnitFactory, StudyGroupFactory, UserFactory
from tests.studygroups.factories import StudySessionFactory, local

PER_PAGE = 4


@pytest.fixture
def sessions(world):
    """31 sessions: starts_at tied in threes, record_entered_at NULL for a third of them and tied too."""
    group = world.home.dept_group
    made = []
    for n in range(31):
        entered = None if n % 3 == 0 else local(2025, 5, 1 + n % 2, 10, 0)
        made.append(
            StudySessionFactory(
                study_group=group, starts_at=local(2025, 3, 1 + n // 3, 9, 0), record_entered_at=entered
            )
        )
    return made


def _pages(queryset, sort, paginator_class):
    request = RequestFactory().get("/")
    table = SessionTable(TotalOrderData(total_order(queryset)), order_by=sort, request=request)
    table.paginate(paginator_class=paginator_class, per_page=PER_PAGE, page=1)
    return [[row.record.pk for row in table.paginator.page(n).object_list] for n in table.paginator.page_range]


@pytest.mark.parametrize(
    "sort",
    [None, "starts_at", "-starts_at", "record", "-record", "host", "-host", "speech_count", "-speech_count"],
)
def test_every_page_read_backwards_has_the_rows_of_the_plain_slice(world, sessions, sort):
    # Hosts: NULL for half of them, else one of two names (a sort across a join); speeches: 0 to 2.
    for n, session in enumerate(sessions):
        if n % 2:
            session.host = (world.home.leader, world.home.member)[n % 4 // 2]
            session.save()
        for _ in range(n % 3):
            Speech.objects.create(session=session, person=world.home.member, topic="发言")
    queryset = StudySession.objects.select_related("host").with_count("speech_count", "speeches")
    backwards = _pages(queryset, sort, EndPaginator)
    plain = _pages(queryset, sort, Paginator)
    assert backwards == plain
    # A total order: every row once, the pages together the whole table.
    assert sorted(pk for page in plain for pk in page) == sorted(s.pk for s in sessions)


def test_the_order_breaks_ties_by_pk_in_the_direction_of_the_last_key(sessions):
    request = RequestFactory().get("/")
    table = SessionTable(TotalOrderData(total_order(StudySession.objects.all())), request=request)
    assert list(table.data.data.query.order_by) == ["-starts_at", "-pk"]  # the table's own default sort
    table.order_by = "record"
    assert list(table.data.data.query.order_by) == ["record_entered_at", "pk"]
    expected = sorted(sessions, key=lambda s: (s.record_entered_at is not None, s.record_entered_at or 0, s.pk))
    nulls_first = [s.pk for s in expected]
    nulls_last = [s.pk for s in expected if s.record_entered_at] + [s.pk for s in expected if not s.record_entered_at]
    assert [s.pk for s in table.data.data] in (nulls_first, nulls_last)  # SQLite, PostgreSQL


def test_total_order_keeps_an_order_that_ends_with_the_key_and_orders_the_unordered(world):
    ordered = StudySession.objects.order_by("title", "-id")
    assert total_order(ordered).query.order_by == ("title", "-id")
    assert total_order(StudySession.objects.order_by(F("title").desc())).query.order_by[-1] == "-pk"
    assert total_order(Reflection.objects.order_by()).query.order_by == ("pk",)


def test_a_list_page_past_the_middle_shows_the_rows_of_the_plain_slice(client_as, sessions, page_queries):
    client = client_as("staff")
    url = reverse("studygroups:session_list")
    plain = list(total_order(StudySession.objects.order_by("-starts_at")).values_list("pk", flat=True))
    assert len(plain) == 31
    for params, rows in (({}, plain[:25]), ({"page": 2}, plain[25:]), ({"sort": "starts_at", "page": 2}, None)):
        response = client.get(url, params)
        shown = [row.record.pk for row in response.context["table"].page.object_list]
        if rows is None:
            rows = list(reversed(plain))[25:]
        assert shown == rows
    # Reading backwards costs no query more than reading forwards.
    assert page_queries(client, url, {"page": 2}) == page_queries(client, url, {"page": 1})


# --- the scope of an account whose unit holds the whole tree ---------------------------------------------


def _rows(model, user):
    return sorted(model.objects.visible_to(user).values_list("pk", flat=True))


def _under(model, unit):
    return sorted(model.objects.under(unit).values_list("pk", flat=True))


def test_the_region_auditor_sees_what_under_gives_without_the_join(world, sessions, django_assert_num_queries):
    auditor = type(world.users.region_auditor).objects.get(pk=world.users.region_auditor.pk)
    other = StudySessionFactory(study_group=world.other.dept_group, starts_at=local(2025, 4, 1, 9, 0))
    with django_assert_num_queries(1):  # the unit, read once, as user.scope_unit would be
        rows = StudySession.objects.visible_to(auditor)
    assert "core_orgunit" not in str(rows.query)
    assert sorted(rows.values_list("pk", flat=True)) == _under(StudySession, world.region)
    assert other.pk in rows.values_list("pk", flat=True)
    assert auditor.scope_unit.holds_all
    with django_assert_num_queries(0):
        Attendance.objects.visible_to(auditor)


def test_a_second_root_keeps_the_join(world, sessions):
    elsewhere = OrgUnitFactory(kind=OrgUnit.Kind.REGION, name="别的盟", party_body="")
    county = OrgUnitFactory(parent=elsewhere, kind=OrgUnit.Kind.COUNTY, name="丙旗", short_name="丙")
    theirs = StudySessionFactory(study_group=StudyGroupFactory(unit=county), starts_at=local(2025, 4, 1, 9, 0))
    auditor = type(world.users.region_auditor).objects.get(pk=world.users.region_auditor.pk)
    rows = _rows(StudySession, auditor)
    assert theirs.pk not in rows
    assert rows == _under(StudySession, world.region)
    assert not auditor.scope_unit.holds_all


def test_a_county_account_keeps_the_join(world, sessions):
    staff = type(world.users.staff).objects.get(pk=world.users.staff.pk)
    assert _rows(StudySession, staff) == _under(StudySession, world.home.county)
    assert not staff.scope_unit.holds_all


def test_rows_that_may_lack_a_unit_keep_the_join(world):
    # A feed link reaches a unit through its account's scope unit: none for a member, so under() leaves
    # the member's link out of the region's rows, and so must the shortcut.
    feed_token = apps.get_model("outreach", "FeedToken")
    assert not _always_has_unit(feed_token)
    assert _always_has_unit(StudySession) and _always_has_unit(Attendance) and _always_has_unit(OrgUnit)
    assert _always_has_unit(Plan) and _always_has_unit(SelfStudy)
    members = feed_token.objects.create(user=world.users.member)
    staffs = feed_token.objects.create(user=world.users.staff)
    auditor = UserFactory(role=Role.AUDITOR, scope_unit=world.region)
    auditor = type(auditor).objects.get(pk=auditor.pk)
    assert list(feed_token.objects.under(world.region).values_list("pk", flat=True)) == [staffs.pk]
    assert list(feed_token.objects.visible_to(auditor).values_list("pk", flat=True)) == [staffs.pk]
    assert auditor.scope_unit.holds_all  # the unit holds the tree, yet the member's link stays out
    assert feed_token.objects.filter(pk=members.pk).exists()


def test_a_unit_already_on_the_user_is_taken_as_it_is(world, sessions, django_assert_num_queries):
    auditor = world.users.region_auditor  # built with its unit: no query, and no shortcut
    with django_assert_num_queries(0):
        rows = StudySession.objects.visible_to(auditor)
    assert sorted(rows.values_list("pk", flat=True)) == _under(StudySession, world.region)
