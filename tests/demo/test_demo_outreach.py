"""The outreach demo step: each exchange visit is a session of each group, and members study posts, each with
its self-study entry (seed 7, reference day TODAY, as tests/demo/test_seed_demo.py)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from demo import seed
from demo.context import moment
from outreach.models import ExchangeVisit, Post, PostStudy
from studygroups.models import Attendance, SelfStudy, StudySession

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 7, 15)
NOW = moment(TODAY)
CHECKLIST = ("methods_seen", "atmosphere", "archives_read", "report_heard", "experience_shared", "takeaways")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed.build("demo", seed=7, today=TODAY)
        transaction.set_rollback(True)


def test_each_visit_is_a_session_of_each_group(demo):
    visits = list(ExchangeVisit.objects.select_related("host_session", "guest_session", "pairing"))
    # Three pairs a year, two visits each, from 2023 to the visits arranged before TODAY (May 2025 held).
    assert 14 <= len(visits) <= 18
    assert demo.counts["exchange visits"] == len(visits)
    for visit in visits:
        assert {visit.host_group_id, visit.guest_group_id} == {visit.pairing.group_a_id, visit.pairing.group_b_id}
        sides = ((visit.host_session, visit.host_group_id), (visit.guest_session, visit.guest_group_id))
        for session, group_id in sides:
            assert session.kind == StudySession.Kind.EXCHANGE and session.study_group_id == group_id
            assert (session.starts_at, session.ends_at) == (visit.starts_at, visit.ends_at)
            assert session.created_at == visit.created_at < visit.starts_at  # arranged with the visit
        other = visit.guest_group.unit.name
        assert visit.host_session.title.startswith(f"与{other}结对交流")
        if visit.host_session.record:
            assert visit.methods_seen in visit.host_session.record
    ids = [pk for v in visits for pk in (v.host_session_id, v.guest_session_id)]
    assert len(set(ids)) == 2 * len(visits)
    # Held visits have each side's attendance; the secretary's group takes part every year.
    held = [v for v in visits if v.starts_at < NOW]
    assert Attendance.objects.filter(session__in=[v.host_session_id for v in held]).count() >= 6 * len(held)
    group = demo.accounts["secretary"].study_group
    assert {v.starts_at.year for v in visits if group.pk in (v.host_group_id, v.guest_group_id)} == {2023, 2024, 2025}


def test_a_visits_checklist_is_written_after_it(demo):
    for visit in ExchangeVisit.objects.all():
        history = list(visit.history.order_by("history_date"))
        assert history[0].history_type == "+" and history[0].history_date == visit.created_at
        assert all(getattr(history[0], f) == "" for f in CHECKLIST)
        if visit.starts_at < NOW:
            assert [h.history_type for h in history] == ["+", "~"]
            assert visit.methods_seen and history[1].history_date == visit.updated_at > visit.ends_at
        else:
            assert len(history) == 1 and visit.methods_seen == ""


def test_members_study_posts_each_with_one_self_study_entry(demo):
    studies = list(PostStudy.objects.select_related("self_study", "post"))
    assert len(studies) >= 1000 and demo.counts["posts studied"] == len(studies)
    for study in studies:
        entry = study.self_study
        day = timezone.localdate(study.studied_at)
        assert entry.person_id == study.person_id and entry.date == day and entry.hours == Decimal("1")
        assert study.post.published_on <= day <= study.post.published_on + datetime.timedelta(days=14)
        assert study.studied_at == study.created_at == entry.created_at < NOW
        assert study.post.title in entry.material
    assert demo.counts["self-study records"] == SelfStudy.objects.count()
    # Required posts are studied more; the demo member studied most of them.
    required = sum(s.post.required for s in studies) / len(studies)
    assert required > 0.6  # a third of the posts are required, studied six times as often
    member = demo.accounts["member"]
    mine = PostStudy.objects.filter(person=member.person)
    assert mine.count() >= 20 and set(mine.values_list("created_by", flat=True)) == {member.pk}
    added = PostStudy.history.filter(history_type="+")
    assert added.count() == len(studies) and not added.exclude(history_date=F("created_at")).exists()


def test_each_required_post_serves_a_reading_of_its_county_and_year(demo):
    required = list(Post.objects.filter(required=True).select_related("column").prefetch_related("readings"))
    assert required
    for post in required:
        readings = list(post.readings.all())
        assert len(readings) == 1
        assert (readings[0].unit_id, readings[0].year) == (post.column.unit_id, post.published_on.year)
    assert not Post.readings.through.objects.filter(post__required=False).exists()
