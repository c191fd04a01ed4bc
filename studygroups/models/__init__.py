from studygroups.models.plans import CoverageKey, Plan, PlanTopic, ReadingProgress, RequiredReading
from studygroups.models.records import ExamScore, ResearchTopic, SelfStudy, TheoryArticle
from studygroups.models.sessions import Attendance, Reflection, Speech, StudySession, entered_late

__all__ = [
    "Attendance",
    "CoverageKey",
    "ExamScore",
    "Plan",
    "PlanTopic",
    "ReadingProgress",
    "Reflection",
    "RequiredReading",
    "ResearchTopic",
    "SelfStudy",
    "Speech",
    "StudySession",
    "TheoryArticle",
    "entered_late",
]
