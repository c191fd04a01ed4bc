"""Self-study, research topics, theory articles and exam scores: scoping, rules and list query counts."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.models import Attachment, OrgUnit
from studygroups.models import ExamScore, ResearchTopic, SelfStudy, TheoryArticle
from studygroups.services.records import research_topic_problems
from tests.factories import MembershipFactory, OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import (
    ExamScoreFactory,
    ResearchTopicFactory,
    SelfStudyFactory,
    TheoryArticleFactory,
)

ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser", "outsider"]


@pytest.fixture
def records(world):
    home = world.home
    return SimpleNamespace(
        own_study=SelfStudyFactory(person=home.member, material="《习近平著作选读》第一卷"),
        leader_study=SelfStudyFactory(person=home.leader, material="党章"),
        other_study=SelfStudyFactory(person=world.other.member, material="乙旗材料"),
        research=ResearchTopicFactory(study_group=home.dept_group, title="乡村教育振兴调研"),
        town_research=ResearchTopicFactory(study_group=home.town_group, title="红旗镇调研"),
        article=TheoryArticleFactory(person=home.member, title="学习体会"),
        leader_article=TheoryArticleFactory(person=home.leader, title="组长文章"),
        exam=ExamScoreFactory(person=home.member, score=Decimal("91.5")),
        leader_exam=ExamScoreFactory(person=home.leader, score=Decimal("85")),
    )


ALL = [302, 200, 200, 200, 200, 200, 200, 200]
HOME_DETAIL = [302, 200, 200, 200, 200, 200, 200, 404]
GROUP_WRITE = [302, 200, 403, 200, 403, 403, 200, 404]
GET_MATRIX = [
    ("selfstudy_list", lambda w, r: reverse("studygroups:selfstudy_list"), ALL),
    (
        "selfstudy_create",
        lambda w, r: reverse("studygroups:selfstudy_create"),
        [302, 200, 403, 200, 200, 403, 200, 200],
    ),
    (
        "selfstudy_update_own",
        lambda w, r: reverse("studygroups:selfstudy_update", args=[r.own_study.pk]),
        [302, 200, 403, 200, 200, 403, 200, 404],
    ),
    (
        "selfstudy_update_colleague",
        lambda w, r: reverse("studygroups:selfstudy_update", args=[r.leader_study.pk]),
        # Self-study is personal: a member does not even see a colleague's.
        [302, 200, 403, 200, 404, 403, 200, 404],
    ),
    ("research_list", lambda w, r: reverse("studygroups:research_list"), ALL),
    ("research_create", lambda w, r: reverse("studygroups:research_create"), [302, 200, 403, 200, 403, 403, 200, 200]),
    ("research_detail", lambda w, r: reverse("studygroups:research_detail", args=[r.research.pk]), HOME_DETAIL),
    (
        "research_detail_town",
        lambda w, r: reverse("studygroups:research_detail", args=[r.town_research.pk]),
        [302, 200, 200, 404, 404, 200, 200, 404],
    ),
    ("research_update", lambda w, r: reverse("studygroups:research_update", args=[r.research.pk]), GROUP_WRITE),
    (
        "research_update_town",
        lambda w, r: reverse("studygroups:research_update", args=[r.town_research.pk]),
        [302, 200, 403, 404, 403, 403, 200, 404],
    ),
    ("article_list", lambda w, r: reverse("studygroups:article_list"), ALL),
    ("article_create", lambda w, r: reverse("studygroups:article_create"), [302, 200, 403, 200, 200, 403, 200, 200]),
    ("article_detail", lambda w, r: reverse("studygroups:article_detail", args=[r.article.pk]), HOME_DETAIL),
    (
        "article_update_own",
        lambda w, r: reverse("studygroups:article_update", args=[r.article.pk]),
        [302, 200, 403, 200, 200, 403, 200, 404],
    ),
    (
        "article_update_colleague",
        lambda w, r: reverse("studygroups:article_update", args=[r.leader_article.pk]),
        GROUP_WRITE,
    ),
    ("exam_list", lambda w, r: reverse("studygroups:exam_list"), ALL),
    ("exam_create", lambda w, r: reverse("studygroups:exam_create"), [302, 200, 403, 200, 403, 403, 200, 200]),
    ("exam_update", lambda w, r: reverse("studygroups:exam_update", args=[r.exam.pk]), GROUP_WRITE),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,expected", GET_MATRIX, ids=[row[0] for row in GET_MATRIX])
def test_get_matrix(client, world, records, role, name, url, expected, client_as):
    response = client_as(role).get(url(world, records))
    assert response.status_code == expected[ROLES.index(role)], f"{role} GET {name}"


POST_MATRIX = [
    (
        "selfstudy_update_colleague",
        lambda w, r: reverse("studygroups:selfstudy_update", args=[r.leader_study.pk]),
        [302, None, 403, None, 404, 403, None, 404],
    ),
    (
        "research_update",
        lambda w, r: reverse("studygroups:research_update", args=[r.research.pk]),
        [302, None, 403, None, 403, 403, None, 404],
    ),
    (
        "article_update_colleague",
        lambda w, r: reverse("studygroups:article_update", args=[r.leader_article.pk]),
        [302, None, 403, None, 403, 403, None, 404],
    ),
    ("exam_create", lambda w, r: reverse("studygroups:exam_create"), [302, None, 403, None, 403, 403, None, None]),
    (
        "exam_update",
        lambda w, r: reverse("studygroups:exam_update", args=[r.exam.pk]),
        [302, None, 403, None, 403, 403, None, 404],
    ),
]
POST_REFUSALS = [
    (name, url, role, expected[i]) for name, url, expected in POST_MATRIX for i, role in enumerate(ROLES) if expected[i]
]


def _snapshot():
    return (
        list(SelfStudy.objects.order_by("pk").values_list("pk", "material", "hours")),
        list(ResearchTopic.objects.order_by("pk").values_list("pk", "title", "status")),
        list(TheoryArticle.objects.order_by("pk").values_list("pk", "title")),
        list(ExamScore.objects.order_by("pk").values_list("pk", "person", "year", "score")),
    )


@pytest.mark.parametrize("name,url,role,want", POST_REFUSALS, ids=[f"{r[0]}-{r[2]}" for r in POST_REFUSALS])
def test_post_refusals_change_nothing(client, world, records, name, url, role, want, client_as):
    before = _snapshot()
    data = {
        "person": world.home.member.pk,
        "study_group": world.home.dept_group.pk,
        "title": "改",
        "material": "改",
        "date": "2025-03-02",
        "hours": 1,
        "year": 2024,
        "score": 99,
        "assigned_on": "2025-03-01",
        "status": "assigned",
        "kind": "article",
        "written_on": "2025-03-01",
    }
    response = client_as(role).post(url(world, records), data)
    assert response.status_code == want, f"{role} POST {name}"
    assert _snapshot() == before


def _errors(response, field):
    assert response.status_code == 200
    return [e.code for e in response.context["form"].errors.as_data().get(field, [])]


# Self-study


def test_member_records_their_own_self_study(client, world, records):
    client.force_login(world.users.member)
    url = reverse("studygroups:selfstudy_create")
    data = {"person": world.home.member.pk, "date": "2025-04-02", "material": "党史学习", "hours": "2.5", "notes": ""}
    assert client.post(url, data).status_code == 302
    study = SelfStudy.objects.get(material="党史学习")
    assert (study.person, study.hours, study.created_by) == (world.home.member, Decimal("2.5"), world.users.member)
    assert study.history.get().history_user == world.users.member

    colleague = client.post(url, data | {"person": world.home.leader.pk, "material": "代写"})
    assert _errors(colleague, "person") == ["invalid_choice"]
    assert not SelfStudy.objects.filter(material="代写").exists()


@pytest.mark.parametrize(
    "hours,ok", [("0", False), ("-1", False), ("0.5", True), ("24", True), ("24.5", False), ("30", False)]
)
def test_self_study_hours_are_more_than_0_and_at_most_24(client, world, hours, ok):
    client.force_login(world.users.secretary)
    data = {"person": world.home.leader.pk, "date": "2025-04-02", "material": "学习", "hours": hours}
    response = client.post(reverse("studygroups:selfstudy_create"), data)
    if ok:
        assert response.status_code == 302
        assert SelfStudy.objects.get().hours == Decimal(hours)
    else:
        assert _errors(response, "hours") == ["hours_range"]
        assert not SelfStudy.objects.exists()


def test_self_study_date_cannot_be_in_the_future(client, world):
    client.force_login(world.users.member)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {"person": world.home.member.pk, "date": tomorrow, "material": "学习", "hours": 1}
    assert _errors(client.post(reverse("studygroups:selfstudy_create"), data), "date") == ["future"]


def test_secretary_records_for_their_group_only(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:selfstudy_create")
    data = {"date": "2025-04-02", "material": "学习", "hours": 1}
    assert client.post(url, data | {"person": world.home.leader.pk}).status_code == 302
    for outsider in (world.home.town_member, world.other.member):
        assert _errors(client.post(url, data | {"person": outsider.pk}), "person") == ["invalid_choice"]
    assert list(SelfStudy.objects.values_list("person", flat=True)) == [world.home.leader.pk]


def test_member_edits_own_self_study_but_not_a_colleagues(client, world, records):
    client.force_login(world.users.member)
    data = {"person": world.home.member.pk, "date": "2025-03-01", "material": "改后", "hours": 3}
    own = client.post(reverse("studygroups:selfstudy_update", args=[records.own_study.pk]), data)
    assert own.status_code == 302
    records.own_study.refresh_from_db()
    assert (records.own_study.material, records.own_study.hours) == ("改后", 3)
    colleague = client.post(reverse("studygroups:selfstudy_update", args=[records.leader_study.pk]), data)
    assert colleague.status_code == 404  # a colleague's self-study is not even visible to a member
    records.leader_study.refresh_from_db()
    assert records.leader_study.material == "党章"


def test_self_study_list_filters_and_totals(client, world, records):
    SelfStudyFactory(person=world.home.member, date=datetime.date(2025, 5, 10), hours=Decimal("1.5"))
    SelfStudyFactory(person=world.home.town_member, date=datetime.date(2025, 5, 11), hours=Decimal("4"))
    client.force_login(world.users.staff)
    url = reverse("studygroups:selfstudy_list")

    def rows(**params):
        response = client.get(url, params)
        return sorted(r.record.pk for r in response.context["table"].page.object_list), response.context["total_hours"]

    everything, total = rows()
    assert len(everything) == 4 and total == Decimal("9.5")  # 2 + 2 + 1.5 + 4; the other county's not seen
    assert rows(q=world.home.member.name) == (
        sorted(SelfStudy.objects.filter(person=world.home.member).values_list("pk", flat=True)),
        Decimal("3.5"),
    )
    in_may, may_total = rows(date_from="2025-05-01", date_to="2025-05-10")
    assert len(in_may) == 1 and may_total == Decimal("1.5")
    town, town_total = rows(group=world.home.town_group.pk)
    assert len(town) == 1 and town_total == Decimal("4")


# Research topics


def _research_data(world, **changes):
    data = {
        "study_group": world.home.dept_group.pk,
        "title": "课题",
        "lead": world.home.leader.pk,
        "assigned_on": "2025-03-01",
        "due_on": "2025-09-30",
        "status": "assigned",
        "report": "",
        "reported_on": "",
        "application": "",
        "applied_on": "",
    }
    return data | changes


def test_research_topic_moves_from_assignment_to_use(client, world, records):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:research_update", args=[records.research.pk])
    base = _research_data(world, title=records.research.title)

    assert client.post(url, base | {"status": "researching"}).status_code == 302
    refused = client.post(url, base | {"status": "reported"})
    assert _errors(refused, "report") == ["report_required"]
    assert _errors(refused, "reported_on") == ["reported_on_required"]
    records.research.refresh_from_db()
    assert records.research.status == "researching"

    reported = base | {"status": "reported", "report": "调研报告全文", "reported_on": "2025-06-01"}
    assert client.post(url, reported).status_code == 302
    skipped = client.post(url, reported | {"status": "applied"})
    assert _errors(skipped, "application") == ["application_required"]
    assert _errors(skipped, "applied_on") == ["applied_on_required"]
    too_early = client.post(url, reported | {"status": "applied", "application": "已转化", "applied_on": "2025-05-01"})
    assert _errors(too_early, "applied_on") == ["before_reported"]

    done = reported | {"status": "applied", "application": "形成制度文件", "applied_on": "2025-07-01"}
    assert client.post(url, done).status_code == 302
    records.research.refresh_from_db()
    assert (records.research.status, records.research.applied_on) == ("applied", datetime.date(2025, 7, 1))
    statuses = list(records.research.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["assigned", "researching", "reported", "applied"]


def test_research_topic_cannot_jump_to_applied_without_the_report(client, world):
    client.force_login(world.users.staff)
    data = _research_data(world, status="applied", application="用了", applied_on="2025-07-01")
    response = client.post(reverse("studygroups:research_create"), data)
    assert _errors(response, "report") == ["report_required"]
    assert _errors(response, "reported_on") == ["reported_on_required"]
    assert not ResearchTopic.objects.exists()


def test_research_rules_on_dates():
    topic = ResearchTopic(
        title="x",
        assigned_on=datetime.date(2025, 3, 1),
        due_on=datetime.date(2025, 2, 1),
        status="reported",
        report="r",
        reported_on=datetime.date(2025, 2, 20),
    )
    problems = research_topic_problems(topic, today=datetime.date(2025, 6, 1))
    assert {name: e.code for name, e in problems.items()} == {
        "due_on": "before_assigned",
        "reported_on": "before_assigned",
    }
    topic.due_on, topic.reported_on = None, datetime.date(2025, 7, 1)
    assert {n: e.code for n, e in research_topic_problems(topic, today=datetime.date(2025, 6, 1)).items()} == {
        "reported_on": "future"
    }
    topic.reported_on = datetime.date(2025, 5, 1)
    assert research_topic_problems(topic, today=datetime.date(2025, 6, 1)) == {}


def test_research_lead_and_group_are_scoped(client, world):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:research_create")
    town = client.post(url, _research_data(world, study_group=world.home.town_group.pk, lead=""))
    assert _errors(town, "study_group") == ["invalid_choice"]
    client.force_login(world.users.staff)
    not_member = client.post(url, _research_data(world, lead=world.home.town_member.pk))
    assert _errors(not_member, "lead") == ["not_member"]
    assert not ResearchTopic.objects.exists()


def _png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_research_topic_with_an_attachment(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users.secretary)
    response = client.post(reverse("studygroups:research_create"), _research_data(world, attachment=_png()))
    assert response.status_code == 302
    topic = ResearchTopic.objects.get()
    attachment = Attachment.objects.get()
    assert (attachment.owner, attachment.kind) == (topic, Attachment.Kind.IMAGE)
    assert (topic.created_by, attachment.created_by) == (world.users.secretary, world.users.secretary)
    detail = client.get(reverse("studygroups:research_detail", args=[topic.pk]))
    assert list(detail.context["attachments"]) == [attachment]

    fake = SimpleUploadedFile("report.pdf", b"not really a pdf", content_type="application/pdf")
    refused = client.post(reverse("studygroups:research_create"), _research_data(world, title="二", attachment=fake))
    assert _errors(refused, "attachment") == ["bad_type"]
    assert ResearchTopic.objects.count() == 1 and Attachment.objects.count() == 1


def test_research_list_filters(client, world, records):
    ResearchTopicFactory(study_group=world.home.dept_group, title="已完成", status="reported", report="r")
    client.force_login(world.users.member)
    url = reverse("studygroups:research_list")
    seen = {r.record.title for r in client.get(url).context["table"].page.object_list}
    assert seen == {"乡村教育振兴调研", "已完成"}  # the member's group only
    reported = client.get(url, {"status": "reported"}).context["table"].page.object_list
    assert [r.record.title for r in reported] == ["已完成"]


# Theory articles


def test_member_writes_their_own_article_with_a_file(client, world, records, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users.member)
    url = reverse("studygroups:article_create")
    data = {"person": world.home.member.pk, "kind": "report", "title": "调研报告", "written_on": "2025-05-01"}
    assert client.post(url, data | {"attachment": _png("scan.png")}).status_code == 302
    article = TheoryArticle.objects.get(title="调研报告")
    assert (article.person, article.kind, article.created_by) == (world.home.member, "report", world.users.member)
    attachment = Attachment.objects.get()
    assert attachment.owner == article
    ghost = client.post(url, data | {"person": world.home.leader.pk, "title": "代写"})
    assert _errors(ghost, "person") == ["invalid_choice"]
    assert not TheoryArticle.objects.filter(title="代写").exists()


def test_article_list_is_scoped_and_filtered(client, world, records):
    TheoryArticleFactory(person=world.other.member, title="乙旗文章")
    TheoryArticleFactory(person=world.home.town_member, title="镇文章", kind="report")
    client.force_login(world.users.staff)
    url = reverse("studygroups:article_list")
    titles = {r.record.title for r in client.get(url).context["table"].page.object_list}
    assert titles == {"学习体会", "组长文章", "镇文章"}
    reports = client.get(url, {"kind": "report"}).context["table"].page.object_list
    assert [r.record.title for r in reports] == ["镇文章"]
    dept = client.get(url, {"group": world.home.dept_group.pk}).context["table"].page.object_list
    assert {r.record.title for r in dept} == {"学习体会", "组长文章"}


# Exam scores


@pytest.mark.parametrize("score,ok", [("-1", False), ("0", True), ("100", True), ("100.5", False), ("150", False)])
def test_exam_score_is_between_0_and_100(client, world, score, ok):
    client.force_login(world.users.secretary)
    data = {"person": world.home.leader.pk, "year": 2025, "score": score, "exam_date": "2025-11-20"}
    response = client.post(reverse("studygroups:exam_create"), data)
    if ok:
        assert response.status_code == 302
        assert ExamScore.objects.get().score == Decimal(score)
    else:
        assert _errors(response, "score") == ["score_range"]
        assert not ExamScore.objects.exists()


def test_one_exam_score_per_person_and_year(client, world, records):
    client.force_login(world.users.staff)
    data = {"person": world.home.member.pk, "year": 2025, "score": 60}
    response = client.post(reverse("studygroups:exam_create"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert list(ExamScore.objects.filter(person=world.home.member).values_list("score", flat=True)) == [Decimal("91.5")]
    wrong_year = client.post(reverse("studygroups:exam_create"), data | {"year": 2024, "exam_date": "2025-01-05"})
    assert _errors(wrong_year, "exam_date") == ["wrong_year"]
    assert client.post(reverse("studygroups:exam_create"), data | {"year": 2024}).status_code == 302


def test_member_reads_only_their_own_exam_score(client, world, records):
    client.force_login(world.users.member)
    rows = client.get(reverse("studygroups:exam_list")).context["table"].page.object_list
    assert [r.record for r in rows] == [records.exam]
    client.force_login(world.users.secretary)
    rows = client.get(reverse("studygroups:exam_list")).context["table"].page.object_list
    assert {r.record for r in rows} == {records.exam, records.leader_exam}


# Lists: constant query counts


def _grow(world, groups: int):
    start = OrgUnit.objects.count()
    for i in range(start, start + groups):
        unit = OrgUnitFactory(parent=world.home.county, kind=OrgUnit.Kind.DEPARTMENT, name=f"扩展局{i}")
        group = StudyGroupFactory(unit=unit)
        for _ in range(2):
            person = MembershipFactory(study_group=group).person
            SelfStudyFactory(person=person)
            TheoryArticleFactory(person=person)
            ExamScoreFactory(person=person)
        ResearchTopicFactory(study_group=group, lead=person)


@pytest.mark.parametrize(
    "name",
    ["studygroups:selfstudy_list", "studygroups:research_list", "studygroups:article_list", "studygroups:exam_list"],
)
def test_list_query_count_does_not_grow_with_rows(client, world, records, name, page_queries):
    client.force_login(world.users.staff)
    url = reverse(name)
    _grow(world, 2)
    small = page_queries(client, url)
    _grow(world, 8)
    assert page_queries(client, url) == small


def test_lists_paginate_by_25(client, world):
    for i in range(30):
        SelfStudyFactory(person=world.home.member, material=f"材料{i}")
    client.force_login(world.users.member)
    page = client.get(reverse("studygroups:selfstudy_list")).context["table"].page
    assert len(page.object_list) == 25 and page.paginator.count == 30


def test_auditor_reads_who_changed_a_research_topic(client, world, records):
    client.force_login(world.users.secretary)
    url = reverse("studygroups:research_update", args=[records.research.pk])
    assert client.post(url, _research_data(world, title="改名的课题", status="researching")).status_code == 302
    client.force_login(world.users.auditor)
    detail = client.get(reverse("studygroups:research_detail", args=[records.research.pk]))
    history_url = reverse("record_history", args=["research", records.research.pk])
    assert history_url in detail.content.decode()
    rows = client.get(history_url).context["rows"]
    assert rows[0]["record"].history_user == world.users.secretary
    assert rows[0]["record"].status == "researching"
