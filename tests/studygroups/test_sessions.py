import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from core.concurrency import StaleVersion
from core.models import Membership, Notification, Role
from studygroups.forms.sessions import SessionForm
from studygroups.models import Plan, Speech, StudySession
from studygroups.selectors.stats import with_record_flags
from studygroups.services.sessions import (
    NOTICE,
    propose_speakers,
    session_create,
    session_update,
)
from tests.factories import MembershipFactory, PersonFactory, UserFactory
from tests.studygroups.factories import (
    PlanFactory,
    PlanTopicFactory,
    SpeechFactory,
    StudySessionFactory,
    local,
)

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]


def _session(world, **kwargs):
    return StudySessionFactory(study_group=world.home.dept_group, **kwargs)


def _form_data(**overrides):
    data = {
        "title": "学习党的二十届三中全会精神",
        "kind": "concentrated",
        "starts_at": "2025-03-10T09:00",
        "ends_at": "2025-03-10T11:30",
        "place": "三楼会议室",
        "host": "",
        "materials": "《决定》全文",
        "notice_days": "3",
    }
    return data | overrides


# ---------------------------------------------------------------------------------------------------------------
# Permissions: every role against every page
# ---------------------------------------------------------------------------------------------------------------

WRITE = [302, 200, 403, 200, 403, 403, 200, 404]
GET_MATRIX = [
    ("session_list", lambda w, s: reverse("studygroups:session_list"), [302, 200, 200, 200, 200, 200, 200, 200]),
    ("session_detail", lambda w, s: s.get_absolute_url(), [302, 200, 200, 200, 200, 200, 200, 404]),
    (
        "session_detail_town",
        lambda w, s: StudySessionFactory(study_group=w.home.town_group).get_absolute_url(),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    ("session_create", lambda w, s: reverse("studygroups:session_create", args=[w.home.dept_group.pk]), WRITE),
    (
        "session_create_town",
        lambda w, s: reverse("studygroups:session_create", args=[w.home.town_group.pk]),
        [302, 200, 403, 404, 404, 403, 200, 404],
    ),
    (
        "session_create_pick",
        lambda w, s: reverse("studygroups:session_create_pick"),
        [302, 200, 403, 302, 403, 403, 200, 200],
    ),
    ("session_update", lambda w, s: reverse("studygroups:session_update", args=[s.pk]), WRITE),
    ("session_record", lambda w, s: reverse("studygroups:session_record", args=[s.pk]), WRITE),
    ("speech_create", lambda w, s: reverse("studygroups:speech_create", args=[s.pk]), WRITE),
    (
        "notification_list",
        lambda w, s: reverse("notification_list"),
        [302, 200, 200, 200, 200, 200, 200, 200],
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,expected", GET_MATRIX, ids=[row[0] for row in GET_MATRIX])
def test_get_matrix(client, world, role, name, url, expected, client_as):
    target = url(world, _session(world))
    response = client_as(role).get(target)
    assert response.status_code == expected[ROLES.index(role)], f"{role} GET {name}"
    if role == "anon":
        assert response["Location"].startswith(reverse("login"))


POST_MATRIX = [
    ("session_create", lambda w, s: reverse("studygroups:session_create", args=[w.home.dept_group.pk])),
    ("session_update", lambda w, s: reverse("studygroups:session_update", args=[s.pk])),
    ("session_record", lambda w, s: reverse("studygroups:session_record", args=[s.pk])),
    ("speech_create", lambda w, s: reverse("studygroups:speech_create", args=[s.pk])),
]
REFUSALS = {"anon": 302, "inspector": 403, "member": 403, "auditor": 403, "outsider": 404}


@pytest.mark.parametrize("role", REFUSALS)
@pytest.mark.parametrize("name,url", POST_MATRIX, ids=[row[0] for row in POST_MATRIX])
def test_post_refusals_write_nothing(client, world, role, name, url, client_as):
    session = _session(world, title="原题")
    data = _form_data(version="1", title="改题", person=str(world.home.member.pk), topic="发言")
    response = client_as(role).post(url(world, session), data)
    assert response.status_code == REFUSALS[role]
    assert StudySession.objects.count() == 1
    assert StudySession.objects.get().title == "原题"
    assert not Speech.objects.exists()


def test_pick_page_sends_staff_to_the_chosen_group(client, world):
    client.force_login(world.users.staff)
    url = reverse("studygroups:session_create_pick")
    response = client.get(url, {"group": world.home.town_group.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("studygroups:session_create", args=[world.home.town_group.pk])
    # Another county's group is not a choice.
    assert client.get(url, {"group": world.other.dept_group.pk}).status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Creating: form rules, double submission
# ---------------------------------------------------------------------------------------------------------------


def test_create_form_has_phone_friendly_inputs_and_a_fresh_submission_id(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_create", args=[world.home.dept_group.pk])
    first, second = client.get(url).content.decode(), client.get(url).content.decode()
    assert re.search(r'type="datetime-local"[^>]*name="starts_at"|name="starts_at"[^>]*type="datetime-local"', first)
    ids = [re.search(r'name="submission_id" value="([0-9a-f-]{36})"', page).group(1) for page in (first, second)]
    assert ids[0] != ids[1]


def test_secretary_schedules_a_session(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_create", args=[world.home.dept_group.pk])
    data = _form_data(host=str(world.home.leader.pk), submission_id=str(uuid.uuid4()))
    response = client.post(url, data)
    session = StudySession.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.study_group == world.home.dept_group
    assert session.host == world.home.leader
    assert session.created_by == world.users.secretary
    assert timezone.localtime(session.starts_at) == local(2025, 3, 10, 9, 0)
    assert session.version == 1 and session.record_entered_at is None
    assert session.history.get().history_user == world.users.secretary


def test_the_same_form_posted_twice_stores_one_session(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_create", args=[world.home.dept_group.pk])
    data = _form_data(submission_id=str(uuid.uuid4()))
    first = client.post(url, data)
    second = client.post(url, data)
    assert StudySession.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == StudySession.objects.get().get_absolute_url()
    # A new form (new id) stores a second session.
    client.post(url, _form_data(submission_id=str(uuid.uuid4())))
    assert StudySession.objects.count() == 2


def test_service_returns_the_stored_session_for_a_known_submission(world):
    submission_id = uuid.uuid4()
    data = {
        "title": "同一表单",
        "starts_at": local(2025, 3, 10, 9),
        "ends_at": local(2025, 3, 10, 11),
        "place": "会议室",
    }
    user = world.users.secretary
    first, created = session_create(
        user=user, study_group=world.home.dept_group, data=data, submission_id=submission_id
    )
    again, created_again = session_create(
        user=user, study_group=world.home.dept_group, data=data, submission_id=submission_id
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and StudySession.objects.count() == 1


def test_a_request_racing_the_first_hits_the_unique_id_and_gets_the_first_session(world, monkeypatch):
    """Both requests looked before either stored: the database's unique submission id decides."""
    from studygroups.services import sessions as service

    user, group, submission_id = world.users.secretary, world.home.dept_group, uuid.uuid4()
    data = {
        "title": "同一表单",
        "starts_at": local(2025, 3, 10, 9),
        "ends_at": local(2025, 3, 10, 11),
        "place": "会议室",
    }
    first, _ = session_create(user=user, study_group=group, data=data, submission_id=submission_id)
    real_lookup = service.session_by_submission
    calls = []

    def late_lookup(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(service, "session_by_submission", late_lookup)
    again, created = session_create(user=user, study_group=group, data=data, submission_id=submission_id)
    assert (again.pk, created, len(calls)) == (first.pk, False, 2)
    assert StudySession.objects.count() == 1


@pytest.mark.parametrize(
    "overrides,field,code",
    [
        ({"ends_at": "2025-03-10T08:00"}, "ends_at", "ends_before"),
        ({"ends_at": "2025-03-10T09:00"}, "ends_at", "ends_before"),
        ({"host": "LEFT"}, "host", "not_member_on_day"),
        ({"host": "OTHER"}, "host", "invalid_choice"),
        ({"kind": "picnic"}, "kind", "invalid_choice"),
    ],
)
def test_create_form_rules(client, world, overrides, field, code):
    people = {"LEFT": world.home.left.pk, "OTHER": world.other.member.pk}
    data = _form_data(**{k: str(people.get(v, v)) for k, v in overrides.items()})
    form = SessionForm(data=data, user=world.users.secretary, study_group=world.home.dept_group)
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()[field]] == [code]


def test_a_member_who_left_may_host_a_session_before_leaving(world):
    data = _form_data(host=str(world.home.left.pk), starts_at="2024-06-30T09:00", ends_at="2024-06-30T11:00")
    form = SessionForm(data=data, user=world.users.secretary, study_group=world.home.dept_group)
    assert form.is_valid(), form.errors


def test_topic_choices_are_this_groups_and_the_countys_plans_of_the_sessions_year(world):
    group = world.home.dept_group
    own = PlanTopicFactory(plan=PlanFactory(study_group=group, year=2025))
    quarterly = PlanTopicFactory(plan=PlanFactory(study_group=group, year=2025, level=Plan.Level.QUARTERLY, quarter=1))
    county = PlanTopicFactory(
        plan=PlanFactory(study_group=None, unit=world.home.county, level=Plan.Level.COUNTY, year=2025)
    )
    last_year = PlanTopicFactory(plan=PlanFactory(study_group=group, year=2024))
    other_group = PlanTopicFactory(plan=PlanFactory(study_group=world.home.town_group, year=2025))
    other_county = PlanTopicFactory(
        plan=PlanFactory(study_group=None, unit=world.other.county, level=Plan.Level.COUNTY, year=2025)
    )
    PlanTopicFactory(plan=PlanFactory(study_group=None, unit=world.region, level=Plan.Level.ARRANGEMENT, year=2025))
    form = SessionForm(data=_form_data(), user=world.users.secretary, study_group=group)
    assert set(form.fields["topics"].queryset) == {own, quarterly, county}
    form_2024 = SessionForm(
        data=_form_data(starts_at="2024-05-01T09:00", ends_at="2024-05-01T11:00"),
        user=world.users.staff,
        study_group=group,
    )
    assert set(form_2024.fields["topics"].queryset) == {last_year}
    bad = SessionForm(data=_form_data(topics=[other_group.pk]), user=world.users.staff, study_group=group)
    assert "topics" in bad.errors
    assert other_county not in form.fields["topics"].queryset


def test_topics_are_stored_and_shown(client, world):
    topic = PlanTopicFactory(plan=PlanFactory(study_group=world.home.dept_group, year=2025))
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_create", args=[world.home.dept_group.pk])
    client.post(url, _form_data(topics=[topic.pk], submission_id=str(uuid.uuid4())))
    session = StudySession.objects.get()
    assert list(session.topics.all()) == [topic]
    client.force_login(world.users.member)
    assert f'data-topic="{topic.pk}"' in client.get(session.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Editing: versions and conflicts; the written record and late entries
# ---------------------------------------------------------------------------------------------------------------


def _update_data(session, **overrides):
    data = _form_data(
        title=session.title,
        starts_at=f"{timezone.localtime(session.starts_at):%Y-%m-%dT%H:%M}",
        ends_at=f"{timezone.localtime(session.ends_at):%Y-%m-%dT%H:%M}",
        place=session.place,
        materials=session.materials,
        record=session.record,
        work_problems=session.work_problems,
        outcomes=session.outcomes,
        version=str(session.version),
    )
    return data | overrides


def test_two_saves_from_the_same_version_the_second_sees_the_conflict(client, world, django_user_model):
    session = _session(world, title="原题", place="会议室")
    url = reverse("studygroups:session_update", args=[session.pk])
    client.force_login(world.users.secretary)
    form_version = client.get(url).context["form"].initial["version"]
    assert form_version == 1
    stale = _update_data(session, version="1")

    first = client.post(url, stale | {"title": "秘书的标题"})
    assert first.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.version) == ("秘书的标题", 2)

    client.force_login(world.users.staff)
    second = client.post(url, stale | {"title": "干部的标题", "place": "报告厅"})
    assert second.status_code == 409
    session.refresh_from_db()
    assert (session.title, session.place, session.version) == ("秘书的标题", "会议室", 2)
    rows = {row["name"]: row for row in second.context["conflict_rows"]}
    assert set(rows) == {"title", "place"}
    assert (rows["title"]["stored"], rows["title"]["yours"]) == ("秘书的标题", "干部的标题")
    assert (rows["place"]["stored"], rows["place"]["yours"]) == ("会议室", "报告厅")
    body = second.content.decode()
    assert 'data-conflict="1"' in body
    # The form keeps the user's values and now carries the stored version: saving again is a choice.
    assert second.context["form"]["title"].value() == "干部的标题"
    assert second.context["form"]["version"].value() == 2

    again = client.post(url, stale | {"title": "干部的标题", "version": "2"})
    assert again.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.version) == ("干部的标题", 3)


def test_two_people_writing_the_record_from_the_same_version(client, world):
    session = _session(world)
    url = reverse("studygroups:session_record", args=[session.pk])
    second_secretary = UserFactory(username="sec2", role=Role.SECRETARY, study_group=world.home.dept_group)
    client.force_login(world.users.secretary)
    assert client.post(url, {"record": "甲的记录", "version": "1"}).status_code == 302
    client.force_login(second_secretary)
    response = client.post(url, {"record": "乙的记录", "version": "1"})
    assert response.status_code == 409
    assert [(r["name"], r["stored"], r["yours"]) for r in response.context["conflict_rows"]] == [
        ("record", "甲的记录", "乙的记录")
    ]
    session.refresh_from_db()
    assert (session.record, session.record_entered_by, session.version) == ("甲的记录", world.users.secretary, 2)


def test_service_refuses_a_stale_version_and_writes_nothing(world):
    session = _session(world, title="原题")
    session_update(user=world.users.secretary, session_id=session.pk, version=1, data={"title": "一"})
    with pytest.raises(StaleVersion) as caught:
        session_update(user=world.users.staff, session_id=session.pk, version=1, data={"title": "二"})
    assert caught.value.current.title == "一" and caught.value.current.version == 2
    session.refresh_from_db()
    assert session.title == "一"
    assert session.history.count() == 2  # created, then one update


def test_record_page_stamps_the_first_entry_only(client, world):
    session = _session(world)
    url = reverse("studygroups:session_record", args=[session.pk])
    client.force_login(world.users.secretary)
    blank = client.post(url, {"record": "", "work_problems": "", "outcomes": "", "version": "1"})
    assert blank.status_code == 302
    session.refresh_from_db()
    assert session.record_entered_at is None and session.version == 2

    client.post(url, {"record": "会议记录正文", "work_problems": "招商难", "outcomes": "出台措施", "version": "2"})
    session.refresh_from_db()
    assert session.record == "会议记录正文" and (session.work_problems, session.outcomes) == ("招商难", "出台措施")
    assert session.record_entered_by == world.users.secretary
    first_stamp = session.record_entered_at
    assert first_stamp is not None

    client.force_login(world.users.staff)
    client.post(url, {"record": "会议记录正文（修改）", "work_problems": "", "outcomes": "", "version": "3"})
    session.refresh_from_db()
    assert session.record == "会议记录正文（修改）"
    assert (session.record_entered_at, session.record_entered_by) == (first_stamp, world.users.secretary)


def _stamp(session, entered_at, record="记录"):
    session.record = record
    session.record_entered_at = entered_at
    session.save()


@pytest.mark.parametrize(
    "entered,late",
    [
        (local(2025, 3, 17, 23, 59), False),  # 7 days after the session's day
        (local(2025, 3, 18, 0, 1), True),  # 8 days after
        (local(2025, 3, 10, 20, 0), False),
        (None, False),
    ],
)
def test_late_entry_in_sql_agrees_with_the_model(world, entered, late):
    session = _session(world, starts_at=local(2025, 3, 10, 9, 0))
    _stamp(session, entered, record="记录" if entered else "")
    annotated = with_record_flags(StudySession.objects.filter(pk=session.pk)).get()
    assert annotated.record_late is late
    assert session.record_is_late is late
    assert annotated.has_record is bool(entered)


@pytest.mark.parametrize(
    "starts_at,entered,late",
    [
        # The shortest delay that is late: a minute before midnight, entered just after midnight 8 days on.
        (local(2025, 3, 10, 23, 59), local(2025, 3, 18, 0, 0, 30), True),
        # The longest that is not: just after midnight, entered just before midnight 7 days on.
        (local(2025, 3, 10, 0, 1), local(2025, 3, 17, 23, 59), False),
        # Entered before the session (an imported record): not late.
        (local(2025, 3, 10, 9, 0), local(2025, 3, 9, 9, 0), False),
    ],
)
def test_late_entry_in_sql_counts_local_days_not_hours(world, starts_at, entered, late):
    """The SQL flag first compares the two times (a cheap test), then the two local days: the days decide."""
    session = _session(world, starts_at=starts_at)
    _stamp(session, entered)
    flags = with_record_flags(StudySession.objects.filter(pk=session.pk))
    assert flags.get().record_late is late
    assert flags.filter(record_late=True).exists() is late
    assert session.record_is_late is late


def test_late_records_are_marked_in_the_list_and_on_the_page(client, world):
    late = _session(world, title="补记的", starts_at=local(2025, 1, 6, 9, 0))
    _stamp(late, local(2025, 3, 1, 10, 0))
    on_time = _session(world, title="按时的", starts_at=local(2025, 2, 6, 9, 0))
    _stamp(on_time, local(2025, 2, 7, 10, 0))
    _session(world, title="没写的", starts_at=local(2025, 2, 20, 9, 0))
    client.force_login(world.users.staff)
    body = client.get(reverse("studygroups:session_list")).content.decode()
    assert body.count('data-late="1"') == 1
    late_only = client.get(reverse("studygroups:session_list"), {"late": "true"})
    assert [row.record.title for row in late_only.context["table"].page.object_list] == ["补记的"]
    with_record = client.get(reverse("studygroups:session_list"), {"has_record": "true"})
    assert [row.record.title for row in with_record.context["table"].page.object_list] == ["按时的", "补记的"]
    without = client.get(reverse("studygroups:session_list"), {"has_record": "false"})
    assert [row.record.title for row in without.context["table"].page.object_list] == ["没写的"]
    assert client.get(late.get_absolute_url()).content.decode().count('data-late="1"') == 1
    assert 'data-late="1"' not in client.get(on_time.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# The session list: filters, search, sorting, pages, scope, queries
# ---------------------------------------------------------------------------------------------------------------


def _titles(response):
    return [row.record.title for row in response.context["table"].page.object_list]


def test_list_filters_search_and_sort(client, world):
    _session(world, title="甲", kind="seminar", starts_at=local(2024, 11, 5, 9), place="报告厅")
    _session(world, title="乙", kind="lecture", starts_at=local(2025, 1, 5, 9), host=world.home.leader)
    _session(world, title="丙", kind="seminar", starts_at=local(2025, 3, 5, 9))
    StudySessionFactory(study_group=world.home.town_group, title="丁", starts_at=local(2025, 2, 5, 9))
    StudySessionFactory(study_group=world.other.dept_group, title="外县", starts_at=local(2025, 2, 5, 9))
    client.force_login(world.users.staff)
    url = reverse("studygroups:session_list")
    assert _titles(client.get(url)) == ["丙", "丁", "乙", "甲"]
    assert _titles(client.get(url, {"study_group": world.home.town_group.pk})) == ["丁"]
    assert _titles(client.get(url, {"kind": "seminar"})) == ["丙", "甲"]
    assert _titles(client.get(url, {"year": 2024})) == ["甲"]
    assert _titles(client.get(url, {"date_from": "2025-01-01", "date_to": "2025-02-28"})) == ["丁", "乙"]
    assert _titles(client.get(url, {"q": "报告厅"})) == ["甲"]
    assert _titles(client.get(url, {"q": world.home.leader.name})) == ["乙"]
    assert _titles(client.get(url, {"sort": "starts_at"})) == ["甲", "乙", "丁", "丙"]
    # Another county's group is not a choice: the filter is refused and nothing is listed.
    refused = client.get(url, {"study_group": world.other.dept_group.pk})
    assert "study_group" in refused.context["filter"].form.errors and _titles(refused) == []
    client.force_login(world.users.secretary)
    assert _titles(client.get(url)) == ["丙", "乙", "甲"]


def test_list_counts_speeches_and_paginates(client, world):
    session = _session(world, title="有发言", starts_at=local(2025, 6, 1, 9))
    SpeechFactory(session=session, person=world.home.leader)
    SpeechFactory(session=session, person=world.home.member)
    for day in range(1, 27):
        _session(world, starts_at=local(2025, 5, day, 9))
    client.force_login(world.users.secretary)
    page = client.get(reverse("studygroups:session_list"))
    rows = page.context["table"].page.object_list
    assert len(rows) == 25
    assert rows[0].record.title == "有发言" and rows[0].record.speech_count == 2
    assert len(client.get(reverse("studygroups:session_list"), {"page": 2}).context["table"].page.object_list) == 2


def _grow_sessions(world, n):
    for i in range(n):
        host = MembershipFactory(study_group=world.home.dept_group).person
        session = _session(world, host=host, starts_at=local(2025, 4, 1, 9) + datetime.timedelta(days=i))
        SpeechFactory(session=session, person=host)
        _stamp(session, session.starts_at + datetime.timedelta(days=i))


@pytest.mark.parametrize("role", ["staff", "secretary", "member"])
def test_session_list_query_count_does_not_grow_with_rows(client, world, role, page_queries, client_as):
    client_as(role)
    url = reverse("studygroups:session_list")
    _grow_sessions(world, 2)
    small = page_queries(client, url)
    _grow_sessions(world, 12)
    assert page_queries(client, url) == small


def test_session_detail_query_count_does_not_grow_with_speeches(client, world, page_queries):
    session = _session(world)
    client.force_login(world.users.secretary)
    SpeechFactory(session=session, person=world.home.leader, created_by=world.users.secretary)
    small = page_queries(client, session.get_absolute_url())
    for _ in range(8):
        person = MembershipFactory(study_group=world.home.dept_group).person
        SpeechFactory(session=session, person=person, created_by=world.users.staff)
    assert page_queries(client, session.get_absolute_url()) == small


# ---------------------------------------------------------------------------------------------------------------
# The session page: links by role
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,present,absent",
    [
        ("secretary", {"link-attendance", "link-qr", "link-edit", "link-speech"}, {"link-reflection"}),
        ("staff", {"link-attendance", "link-qr", "link-edit", "link-record"}, {"link-reflection"}),
        ("member", {"link-reflection"}, {"link-attendance", "link-qr", "link-edit", "link-speech"}),
        ("inspector", set(), {"link-attendance", "link-qr", "link-edit", "link-reflection"}),
        ("auditor", set(), {"link-attendance", "link-qr", "link-edit", "link-reflection"}),
    ],
)
def test_session_page_links_by_role(client, world, role, present, absent, client_as):
    session = _session(world)
    client_as(role)
    body = client.get(session.get_absolute_url()).content.decode()
    ids = set(re.findall(r'id="(link-[a-z]+)"', body))
    assert present <= ids and not (absent & ids)
    if "link-attendance" in present:
        assert reverse("studygroups:attendance_edit", args=[session.pk]) in body
        assert reverse("studygroups:session_qr", args=[session.pk]) in body
    if "link-reflection" in present:
        assert reverse("studygroups:reflection_submit", args=[session.pk]) in body


# ---------------------------------------------------------------------------------------------------------------
# Speeches and the speaker rotation
# ---------------------------------------------------------------------------------------------------------------


def test_secretary_records_a_speech_and_the_page_shows_who_entered_it(client, world):
    session = _session(world, starts_at=local(2025, 3, 10, 9))
    client.force_login(world.users.secretary)
    url = reverse("studygroups:speech_create", args=[session.pk])
    data = {"person": world.home.member.pk, "topic": "谈体会", "gist": "要点", "is_lead": "on"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    speech = Speech.objects.get()
    assert (speech.person, speech.topic, speech.is_lead) == (world.home.member, "谈体会", True)
    assert speech.created_by == world.users.secretary
    body = client.get(session.get_absolute_url()).content.decode()
    assert f'data-speech="{speech.pk}"' in body and str(world.users.secretary) in body


def test_speaker_choices_are_members_on_the_sessions_day(client, world):
    client.force_login(world.users.secretary)
    after_leaving = _session(world, starts_at=local(2025, 3, 10, 9))
    before_leaving = _session(world, starts_at=local(2024, 3, 10, 9))

    def offered(session):
        form = client.get(reverse("studygroups:speech_create", args=[session.pk])).context["form"]
        return {value for value, _label in form.fields["person"].widget.choices if value}

    assert offered(after_leaving) == {world.home.leader.pk, world.home.member.pk}
    assert offered(before_leaving) == {world.home.leader.pk, world.home.member.pk, world.home.left.pk}
    url = reverse("studygroups:speech_create", args=[after_leaving.pk])
    for outsider in (world.home.left, world.home.town_member, world.other.member):
        response = client.post(url, {"person": outsider.pk, "topic": "谈体会"})
        assert response.status_code == 200 and "person" in response.context["form"].errors
    # The one who left is refused with the reason, in Chinese.
    response = client.post(url, {"person": world.home.left.pk, "topic": "谈体会"})
    assert "不是" in str(response.context["form"].errors["person"])
    assert not Speech.objects.exists()


def test_a_speech_entered_long_after_its_session_is_late(client, world):
    session = _session(world, starts_at=timezone.now() - datetime.timedelta(days=10))
    speech = SpeechFactory(session=session, person=world.home.member)
    assert speech.is_late_entry
    client.force_login(world.users.staff)
    assert client.get(session.get_absolute_url()).content.decode().count('data-late="1"') == 1


def test_rotation_proposes_those_who_spoke_least_then_longest_ago(world):
    group = world.home.dept_group
    a = MembershipFactory(study_group=group).person
    b = MembershipFactory(study_group=group).person
    # Spoke in the town group only: those speeches do not count here.
    MembershipFactory(study_group=world.home.town_group, person=b)
    leader, member = world.home.leader, world.home.member
    jan, feb, mar = (_session(world, starts_at=local(2025, m, 5, 9)) for m in (1, 2, 3))
    SpeechFactory(session=jan, person=leader)
    SpeechFactory(session=feb, person=leader)
    SpeechFactory(session=jan, person=a)  # one speech, January
    SpeechFactory(session=mar, person=member)  # one speech, March
    SpeechFactory(session=StudySessionFactory(study_group=world.home.town_group), person=b)
    SpeechFactory(session=jan, person=world.home.left)  # left in 2024: never proposed in 2025
    upcoming = _session(world, starts_at=local(2025, 4, 5, 9))

    proposal = propose_speakers(user=world.users.secretary, session=upcoming, count=3)
    # b: 0 speeches; a: 1, last in January; member: 1, last in March; leader (2) is fourth.
    assert proposal == [b, a, member]
    assert [(p.speech_count, p.last_spoke_at) for p in proposal] == [
        (0, None),
        (1, local(2025, 1, 5, 9)),
        (1, local(2025, 3, 5, 9)),
    ]
    assert propose_speakers(user=world.users.secretary, session=upcoming, count=5) == [b, a, member, leader]
    # Once b has spoken at this session, b is no longer proposed for it.
    SpeechFactory(session=upcoming, person=b)
    assert propose_speakers(user=world.users.secretary, session=upcoming, count=3) == [a, member, leader]


def test_ties_in_the_rotation_go_by_name(world):
    group = world.home.dept_group
    Membership.objects.filter(study_group=group).delete()
    names = ["王五", "李四", "张三"]
    people = [MembershipFactory(study_group=group, person=PersonFactory(unit=group.unit, name=n)).person for n in names]
    session = _session(world)
    assert propose_speakers(user=world.users.staff, session=session, count=3) == sorted(people, key=lambda p: p.name)


def test_proposal_is_shown_on_the_session_page_and_in_the_speech_form(client, world):
    session = _session(world)
    SpeechFactory(session=_session(world, starts_at=local(2025, 1, 1, 9)), person=world.home.leader)
    client.force_login(world.users.secretary)
    for url in (session.get_absolute_url(), reverse("studygroups:speech_create", args=[session.pk])):
        body = client.get(url).content.decode()
        proposed = [int(pk) for pk in re.findall(r'data-person="(\d+)"', body)]
        assert proposed == [world.home.member.pk, world.home.leader.pk]
    form = client.get(reverse("studygroups:speech_create", args=[session.pk])).context["form"]
    assert form["person"].value() == world.home.member.pk


# ---------------------------------------------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------------------------------------------


def _notify(user, session, kind=NOTICE, read=False):
    return Notification.objects.create(
        user=user,
        target=session,
        url=session.get_absolute_url(),
        kind=kind,
        message=f"关于{session.title}",
        read_at=timezone.now() if read else None,
    )


def test_notification_list_shows_own_newest_first_and_marks_all_read(client, world):
    older, newer = _session(world, title="旧"), _session(world, title="新")
    mine_old = _notify(world.users.member, older)
    mine_new = _notify(world.users.member, newer)
    theirs = _notify(world.users.secretary, newer)
    client.force_login(world.users.member)
    url = reverse("notification_list")
    page = client.get(url)
    assert [row.record for row in page.context["table"].page.object_list] == [mine_new, mine_old]
    assert page.context["unread_count"] == 2
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    for notification in (mine_old, mine_new, theirs):
        notification.refresh_from_db()
    assert mine_old.read_at and mine_new.read_at and theirs.read_at is None
    assert mine_new.history.count() == 2  # the change went through save(), so it is audited
    assert list(client.get(url, {"unread": "true"}).context["table"].page.object_list) == []
    assert client.get(url).context["unread_count"] == 0


def test_notification_list_query_count_does_not_grow(client, world, page_queries):
    client.force_login(world.users.member)
    url = reverse("notification_list")
    for _ in range(2):
        _notify(world.users.member, _session(world))
    small = page_queries(client, url)
    for _ in range(12):
        _notify(world.users.member, _session(world))
    assert page_queries(client, url) == small


def test_list_flags_missing_records_only_for_sessions_already_held(client, world):
    now = timezone.now()
    held = StudySessionFactory(
        study_group=world.home.dept_group, title="已举行", starts_at=now - datetime.timedelta(days=5)
    )
    coming = StudySessionFactory(
        study_group=world.home.dept_group, title="将举行", starts_at=now + datetime.timedelta(days=5)
    )
    client.force_login(world.users.staff)
    html = client.get(reverse("studygroups:session_list")).content.decode()
    html = html[html.index('id="sessions"') :]  # the table, not the filter's choices
    rows = {title: html[html.index(title) :].split("</tr>", 1)[0] for title in (held.title, coming.title)}
    assert 'data-record="missing"' in rows["已举行"]
    assert 'data-record="not-due"' in rows["将举行"] and 'data-record="missing"' not in rows["将举行"]


# ---------------------------------------------------------------------------------------------------------------
# History of the covered topics
# ---------------------------------------------------------------------------------------------------------------


def _topics_of(record) -> set[str]:
    """The topic titles a session's history record holds."""
    return {row.plantopic.title for row in record.topics.select_related("plantopic")}


def test_a_topic_change_through_the_edit_page_is_one_history_row_with_the_user(client, world):
    plan = PlanFactory(study_group=world.home.dept_group, year=2025)
    first, kept, new = (PlanTopicFactory(plan=plan, title=title) for title in ("专题甲", "专题乙", "专题丙"))
    session, _created = session_create(
        user=world.users.secretary,
        study_group=world.home.dept_group,
        data={"title": "学习"} | _times(),
        topics=[first, kept],
    )
    before = session.history.count()
    client.force_login(world.users.secretary)
    url = reverse("studygroups:session_update", args=[session.pk])
    response = client.post(url, _update_data(session, topics=[kept.pk, new.pk]))
    assert response.status_code == 302

    assert session.history.count() == before + 1  # one edit, one row: no rows for the removal and addition
    latest, previous = session.history.order_by("-history_date", "-history_id")[:2]
    assert (latest.history_type, latest.history_user) == ("~", world.users.secretary)
    assert _topics_of(previous) == {"专题甲", "专题乙"}
    assert _topics_of(latest) == {"专题乙", "专题丙"}
    assert "topics" in latest.diff_against(previous).changed_fields

    client.force_login(world.users.staff)
    page = client.get(reverse("record_history", args=["session", session.pk]))
    [change] = [c for c in page.context["rows"][0]["changes"] if c["field"] == "涉及的计划专题"]
    assert (change["old"], change["new"]) == ("专题乙、专题甲", "专题丙、专题乙")
    assert (change["added"], change["removed"]) == (["专题丙"], ["专题甲"])
    html = page.content.decode()
    assert "新增: 专题丙" in html and "移除: 专题甲" in html
    assert str(world.users.secretary) in html


def test_topics_linked_at_creation_are_in_the_history_by_the_author(world):
    topic = PlanTopicFactory(plan=PlanFactory(study_group=world.home.dept_group, year=2025), title="专题甲")
    session, _created = session_create(
        user=world.users.secretary, study_group=world.home.dept_group, data={"title": "学习"} | _times(), topics=[topic]
    )
    history = list(session.history.order_by("history_date", "history_id"))
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", world.users.secretary),
        ("~", world.users.secretary),
    ]
    assert _topics_of(history[0]) == set() and _topics_of(history[1]) == {"专题甲"}


def test_topics_set_outside_the_service_are_still_recorded(world):
    session = _session(world)
    topic = PlanTopicFactory(plan=PlanFactory(study_group=world.home.dept_group, year=2025), title="专题甲")
    session._history_user = world.users.staff
    session.topics.set([topic])
    latest = session.history.first()
    assert (latest.history_type, latest.history_user, _topics_of(latest)) == ("~", world.users.staff, {"专题甲"})


def test_history_page_names_a_deleted_topic_as_it_was(client, world):
    plan = PlanFactory(study_group=world.home.dept_group, year=2025)
    gone = PlanTopicFactory(plan=plan, title="后来删除的专题")
    session, _created = session_create(
        user=world.users.secretary, study_group=world.home.dept_group, data={"title": "学习"} | _times(), topics=[gone]
    )
    session_update(user=world.users.secretary, session_id=session.pk, version=1, data={}, topics=[])
    gone.delete()  # only its history knows its title now
    client.force_login(world.users.auditor)
    rows = client.get(reverse("record_history", args=["session", session.pk])).context["rows"]
    removed = [c["removed"] for row in rows for c in row["changes"] if c.get("removed")]
    assert removed == [["后来删除的专题"]]


# ---------------------------------------------------------------------------------------------------------------
# When the materials were first entered
# ---------------------------------------------------------------------------------------------------------------


def _times():
    return {"starts_at": local(2025, 3, 10, 9, 0), "ends_at": local(2025, 3, 10, 11, 0), "place": "会议室"}


def test_materials_entered_at_is_stamped_on_creation_and_never_moved(world):
    user = world.users.secretary
    started = timezone.now()
    data = {"title": "学习", "materials": "《决定》"} | _times()
    session, _created = session_create(user=user, study_group=world.home.dept_group, data=data)
    stamp = session.materials_entered_at
    assert stamp is not None and started <= stamp <= timezone.now()

    session = session_update(user=user, session_id=session.pk, version=1, data={"materials": "《决定》《说明》"})
    assert session.materials_entered_at == stamp
    # Cleared and entered again: still the first time (the history shows the clearing).
    session = session_update(user=user, session_id=session.pk, version=2, data={"materials": ""})
    session = session_update(user=user, session_id=session.pk, version=3, data={"materials": "新材料"})
    session.refresh_from_db()
    assert session.materials_entered_at == stamp
    assert [h.materials for h in session.history.order_by("history_date", "history_id")][-2:] == ["", "新材料"]


def test_materials_added_later_are_stamped_then(client, world):
    user = world.users.secretary
    session, _created = session_create(user=user, study_group=world.home.dept_group, data={"title": "学习"} | _times())
    assert session.materials_entered_at is None
    session = session_update(user=user, session_id=session.pk, version=1, data={"materials": "   "})
    assert session.materials_entered_at is None  # blank is not materials

    client.force_login(user)
    url = reverse("studygroups:session_update", args=[session.pk])
    before = timezone.now()
    assert client.post(url, _update_data(session, materials="《决定》全文")).status_code == 302
    session.refresh_from_db()
    assert before <= session.materials_entered_at <= timezone.now()

    html = client.get(session.get_absolute_url()).content.decode()
    shown = f"首次录入于 {timezone.localtime(session.materials_entered_at):%Y-%m-%d %H:%M}"
    assert 'id="session-materials-entered"' in html and shown in html


def test_a_session_without_materials_shows_no_entry_time(client, world):
    client.force_login(world.users.secretary)
    html = client.get(_session(world).get_absolute_url()).content.decode()
    assert 'id="session-materials-entered"' not in html
