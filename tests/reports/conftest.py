"""A hand-built county for the reports: the home county of ``world`` with a first half-year of 2025 whose
numbers are worked out by hand below.

Department group (甲旗教育局): leader and member seated all year (``left`` left in 2024: not expected).
Township group (甲旗红旗镇): one member.

- 2025-03-10 department, concentrated study "学习全会精神" (covers the planned topic of that title):
  leader present, member late; the member writes a reflection.
- 2025-04-15 department, topic seminar "乡村振兴专题研讨": leader present, member on leave (出差).
- 2025-05-20 township, expert lecture "新质生产力专家辅导": the member absent.
- 2025-09-01 department, concentrated study (second half: not in the first half's numbers).

First half-year, county-wide: 3 sessions (1 concentrated, 1 seminar, 1 lecture); expected 2 + 2 + 1 = 5
member-sessions, attended 2 + 1 + 0 = 3, rate 60.0 %; leaders expected 2, attended 2, rate 100.0 %;
1 reflection; 1 leave, 1 absence; planned topics due (department plan: March and May) 2, covered 1;
research topics 1, reported 1.
"""

import datetime
from types import SimpleNamespace

import pytest

from studygroups.models import Attendance, ResearchTopic, StudySession
from tests.studygroups.factories import (
    AttendanceFactory,
    PlanFactory,
    PlanTopicFactory,
    ReflectionFactory,
    ResearchTopicFactory,
    StudySessionFactory,
    local,
)


@pytest.fixture
def county(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    home = world.home
    plan = PlanFactory(study_group=home.dept_group, year=2025, title="2025年度学习计划")
    topic = PlanTopicFactory(plan=plan, title="学习全会精神", planned_month=3)
    PlanTopicFactory(plan=plan, title="铸牢中华民族共同体意识", planned_month=5)
    s1 = StudySessionFactory(
        study_group=home.dept_group, title="学习全会精神", starts_at=local(2025, 3, 10, 9), topics=[topic]
    )
    s2 = StudySessionFactory(
        study_group=home.dept_group,
        title="乡村振兴专题研讨",
        kind=StudySession.Kind.SEMINAR,
        starts_at=local(2025, 4, 15, 9),
    )
    s3 = StudySessionFactory(
        study_group=home.town_group,
        title="新质生产力专家辅导",
        kind=StudySession.Kind.LECTURE,
        starts_at=local(2025, 5, 20, 14),
    )
    s4 = StudySessionFactory(study_group=home.dept_group, title="下半年学习", starts_at=local(2025, 9, 1, 9))
    A = Attendance.Status
    rows = [
        AttendanceFactory(session=s1, person=home.leader, status=A.PRESENT),
        AttendanceFactory(session=s1, person=home.member, status=A.LATE, checked_in_at=local(2025, 3, 10, 9, 20)),
        AttendanceFactory(session=s2, person=home.leader, status=A.PRESENT),
        AttendanceFactory(session=s2, person=home.member, status=A.LEAVE, reason="出差"),
        AttendanceFactory(session=s3, person=home.town_member, status=A.ABSENT),
        AttendanceFactory(session=s4, person=home.leader, status=A.PRESENT),
    ]
    reflection = ReflectionFactory(session=s1, person=home.member, text="深刻领会全会精神的体会")
    research = ResearchTopicFactory(
        study_group=home.dept_group,
        title="基层理论宣讲调研",
        assigned_on=datetime.date(2025, 3, 1),
        status=ResearchTopic.Status.REPORTED,
        reported_on=datetime.date(2025, 5, 30),
    )
    return SimpleNamespace(
        world=world, home=home, sessions=[s1, s2, s3, s4], attendance=rows, reflection=reflection, research=research
    )
