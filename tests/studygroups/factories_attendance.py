"""Sessions, attendance and reflections for the attendance, check-in and reflection tests."""

import datetime

import factory
from django.utils import timezone

from studygroups.models import Attendance, Reflection, StudySession


class StudySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySession

    title = factory.Sequence(lambda n: f"专题学习{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    place = "三楼会议室"


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    status = Attendance.Status.PRESENT


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reflection

    text = "学习体会：要学深悟透。"


def session_at(group, start: datetime.datetime, **kwargs) -> StudySession:
    return StudySessionFactory(study_group=group, starts_at=start, **kwargs)


def past_session(group, *, days: int = 2, **kwargs) -> StudySession:
    """A session that started ``days`` days ago (and ended three hours later)."""
    return session_at(group, timezone.now() - datetime.timedelta(days=days), **kwargs)


def future_session(group, *, days: int = 3, **kwargs) -> StudySession:
    return session_at(group, timezone.now() + datetime.timedelta(days=days), **kwargs)


def running_session(group, *, started_minutes_ago: int = 5, **kwargs) -> StudySession:
    return session_at(group, timezone.now() - datetime.timedelta(minutes=started_minutes_ago), **kwargs)
