"""One factory per studygroups model, and the helpers that place sessions in time.

``StudySessionFactory`` defaults to a fixed date (10 March 2025, 09:00 local); the helpers
``past_session``/``future_session``/``running_session`` place a session relative to now.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from studygroups.models import (
    Attendance,
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    Reflection,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    Speech,
    StudySession,
    TheoryArticle,
)
from tests.factories import PersonFactory, StudyGroupFactory


def local(year: int, month: int, day: int, hour: int = 9, *rest: int) -> datetime.datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai); 09:00 unless told otherwise."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, *rest))


# ---------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------


class PlanFactory(factory.django.DjangoModelFactory):
    """A group's annual plan unless told otherwise (county levels: pass unit= and study_group=None)."""

    class Meta:
        model = Plan

    level = Plan.Level.ANNUAL
    study_group = factory.SubFactory(StudyGroupFactory)
    unit = factory.LazyAttribute(lambda o: o.study_group.unit if o.study_group else None)
    year = 2025
    title = factory.Sequence(lambda n: f"学习计划{n}")


class PlanTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTopic

    plan = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"专题{n}")


class RequiredReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredReading

    year = 2025
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"必学书目{n}")
    author = "编写组"


class ReadingProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReadingProgress

    person = factory.SubFactory(PersonFactory)
    reading = factory.SubFactory(RequiredReadingFactory)
    finished_on = datetime.date(2025, 3, 1)


# ---------------------------------------------------------------------------------------------
# Sessions, speeches, attendance, reflections
# ---------------------------------------------------------------------------------------------


class StudySessionFactory(factory.django.DjangoModelFactory):
    """A three-hour concentrated session on 10 March 2025; ``topics=[...]`` links plan topics."""

    class Meta:
        model = StudySession
        skip_postgeneration_save = True

    study_group = factory.SubFactory(StudyGroupFactory)
    title = factory.Sequence(lambda n: f"专题学习{n}")
    kind = StudySession.Kind.CONCENTRATED
    starts_at = factory.LazyFunction(lambda: local(2025, 3, 10, 9, 0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    place = "三楼会议室"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.add(*extracted)


def session_at(group, start: datetime.datetime, **kwargs) -> StudySession:
    return StudySessionFactory(study_group=group, starts_at=start, **kwargs)


def past_session(group, *, days: int = 2, **kwargs) -> StudySession:
    """A session that started ``days`` days ago (and ended three hours later)."""
    return session_at(group, timezone.now() - datetime.timedelta(days=days), **kwargs)


def future_session(group, *, days: int = 3, **kwargs) -> StudySession:
    return session_at(group, timezone.now() + datetime.timedelta(days=days), **kwargs)


def running_session(group, *, started_minutes_ago: int = 5, **kwargs) -> StudySession:
    return session_at(group, timezone.now() - datetime.timedelta(minutes=started_minutes_ago), **kwargs)


class SpeechFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speech

    session = factory.SubFactory(StudySessionFactory)
    person = factory.SubFactory(PersonFactory)
    topic = factory.Sequence(lambda n: f"发言题目{n}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    status = Attendance.Status.PRESENT


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reflection

    text = "学习体会：要学深悟透。"


# ---------------------------------------------------------------------------------------------
# Members' own records
# ---------------------------------------------------------------------------------------------


class SelfStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelfStudy

    person = factory.SubFactory(PersonFactory)
    date = datetime.date(2025, 3, 1)
    material = factory.Sequence(lambda n: f"学习材料{n}")
    hours = Decimal("2.0")


class ResearchTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchTopic

    study_group = factory.SubFactory(StudyGroupFactory)
    title = factory.Sequence(lambda n: f"调研课题{n}")
    assigned_on = datetime.date(2025, 3, 1)


class TheoryArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TheoryArticle

    person = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"理论文章{n}")
    written_on = datetime.date(2025, 3, 1)


class ExamScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamScore

    person = factory.SubFactory(PersonFactory)
    year = 2025
    score = Decimal("88.5")
