"""Factories for plans, sessions and speeches used by the session and task tests."""

import datetime

import factory
from django.utils import timezone

from studygroups.models import Plan, PlanTopic, Speech, StudySession
from tests.factories import PersonFactory, StudyGroupFactory


def local(*args) -> datetime.datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(*args))


class StudySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySession

    study_group = factory.SubFactory(StudyGroupFactory)
    title = factory.Sequence(lambda n: f"专题学习{n}")
    kind = StudySession.Kind.CONCENTRATED
    starts_at = factory.LazyFunction(lambda: local(2025, 3, 10, 9, 0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    place = "三楼会议室"


class SpeechFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speech

    session = factory.SubFactory(StudySessionFactory)
    person = factory.SubFactory(PersonFactory)
    topic = factory.Sequence(lambda n: f"发言题目{n}")


class PlanFactory(factory.django.DjangoModelFactory):
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
    title = factory.Sequence(lambda n: f"专题{n}")
