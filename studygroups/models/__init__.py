from studygroups.models.org import Membership, OrgUnit, Person, StudyGroup
from studygroups.models.plans import Plan, PlanTopic, ReadingProgress, RequiredReading
from studygroups.models.records import Attachment, ExamScore, ResearchTopic, SelfStudy, TheoryArticle
from studygroups.models.sessions import Attendance, Notification, Reflection, Speech, StudySession, entered_late

__all__ = [
    "Attachment",
    "Attendance",
    "ExamScore",
    "Membership",
    "Notification",
    "OrgUnit",
    "Person",
    "Plan",
    "PlanTopic",
    "ReadingProgress",
    "Reflection",
    "RequiredReading",
    "ResearchTopic",
    "SelfStudy",
    "Speech",
    "StudySession",
    "StudyGroup",
    "TheoryArticle",
    "entered_late",
]
