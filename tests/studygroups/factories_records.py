"""Factories for plans, readings, sessions (bare, for coverage) and members' records."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from studygroups.models import (
    ExamScore,
    Plan,
    PlanTopic,
    ReadingProgress,
    RequiredReading,
    ResearchTopic,
    SelfStudy,
    StudySession,
    TheoryArticle,
)
from tests.factories import PersonFactory, StudyGroupFactory


def local_dt(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


class PlanFactory(factory.django.DjangoModelFactory):
    """A group's annual plan unless told otherwise (county levels: pass unit= and study_group=None)."""

    class Meta:
        model = Plan

    level = Plan.Level.ANNUAL
    study_group = factory.SubFactory(StudyGroupFactory)
    unit = factory.LazyAttribute(lambda o: o.study_group.unit)
    year = 2025
    title = factory.Sequence(lambda n: f"学习计划{n}")


class PlanTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTopic

    plan = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"专题{n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySession
        skip_postgeneration_save = True

    study_group = factory.SubFactory(StudyGroupFactory)
    title = factory.Sequence(lambda n: f"集中学习{n}")
    starts_at = factory.LazyFunction(lambda: local_dt(2025, 3, 10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    place = "会议室"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.add(*extracted)


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
