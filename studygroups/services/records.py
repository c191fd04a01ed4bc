"""Members' records between sessions: self-study, research topics, theory articles, exam scores."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.attachments import attachment_create
from core.models import Membership, Person, StudyGroup
from studygroups.models import ResearchTopic, TheoryArticle


def record_people(user) -> QuerySet[Person]:
    """Whom a user may write records for: a member only themselves; others the members of their groups."""
    people = Person.objects.visible_to(user)
    if not policy.can(user, policy.Action.OTHERS_RECORDS):
        return people.filter(pk=user.person_id)
    return people.filter(pk__in=Membership.objects.visible_to(user).values("person"))


def record_groups(user) -> QuerySet[StudyGroup]:
    """The groups a user's records may belong to (a secretary: their own; staff: their county's)."""
    return StudyGroup.objects.visible_to(user).select_related("unit")


def group_members(group_id) -> QuerySet[Person]:
    """People who ever held a seat in a group (for filters of person-owned records); use inside a scoped filter."""
    return Membership.objects.filter(study_group_id=group_id).values("person")


def active_in_year(year: int) -> Q:
    """Memberships that overlap the calendar year."""
    return Q(start_date__lte=datetime.date(year, 12, 31)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(year, 1, 1))
    )


def person_group(person: Person, *, on: datetime.date | None = None) -> StudyGroup | None:
    """The group a person's records are filed under: their seat on ``on`` (today), else their latest seat."""
    on = on or timezone.localdate()
    memberships = Membership.objects.filter(person=person).select_related("study_group")
    current = memberships.active_on(on).order_by("role_order", "-start_date").first()
    if current:
        return current.study_group
    latest = memberships.order_by("-start_date").first()
    return latest.study_group if latest else None


# Research topics: assigned -> researching -> reported -> applied, each later step needing what it says.

RESEARCH_STEPS = [
    ResearchTopic.Status.ASSIGNED,
    ResearchTopic.Status.RESEARCHING,
    ResearchTopic.Status.REPORTED,
    ResearchTopic.Status.APPLIED,
]


def research_topic_problems(topic: ResearchTopic, *, today: datetime.date | None = None) -> dict[str, ValidationError]:
    """What stops ``topic`` from being saved with its status, by field (empty when it may be saved).

    A topic may only be marked reported with its report and the date it was reported, and only be
    marked applied when, in addition, how its result was put to use and since when are given.
    """
    today = today or timezone.localdate()
    problems: dict[str, ValidationError] = {}
    step = RESEARCH_STEPS.index(topic.status) if topic.status in RESEARCH_STEPS else 0
    if step >= RESEARCH_STEPS.index(ResearchTopic.Status.REPORTED):
        if not topic.report.strip():
            problems["report"] = ValidationError(
                _("A topic can be marked reported only with its report."), code="report_required"
            )
        if topic.reported_on is None:
            problems["reported_on"] = ValidationError(
                _("A topic can be marked reported only with the date it was reported."), code="reported_on_required"
            )
    if step >= RESEARCH_STEPS.index(ResearchTopic.Status.APPLIED):
        if not topic.application.strip():
            problems["application"] = ValidationError(
                _("Say how the result was put to use before marking the topic applied."), code="application_required"
            )
        if topic.applied_on is None:
            problems["applied_on"] = ValidationError(
                _("Give the date the result was put to use before marking the topic applied."),
                code="applied_on_required",
            )
    if topic.due_on and topic.assigned_on and topic.due_on < topic.assigned_on:
        problems.setdefault(
            "due_on",
            ValidationError(_("The due date cannot be before the topic was assigned."), code="before_assigned"),
        )
    if topic.reported_on and topic.assigned_on and topic.reported_on < topic.assigned_on:
        problems.setdefault(
            "reported_on",
            ValidationError(_("The report cannot come before the topic was assigned."), code="before_assigned"),
        )
    if topic.applied_on and topic.reported_on and topic.applied_on < topic.reported_on:
        problems.setdefault(
            "applied_on",
            ValidationError(_("The result cannot be put to use before it was reported."), code="before_reported"),
        )
    for name in ("assigned_on", "reported_on", "applied_on"):
        value = getattr(topic, name)
        if value and value > today:
            problems.setdefault(name, ValidationError(_("The date cannot be in the future."), code="future"))
    return problems


@transaction.atomic
def research_topic_save(*, topic: ResearchTopic, user, upload: UploadedFile | None = None) -> ResearchTopic:
    """Save a research topic (checked by the form) and attach an uploaded file to it."""
    if topic._state.adding:
        topic.created_by = user
    topic._history_user = user
    topic.save()
    if upload:
        attachment_create(upload=upload, owner=topic, user=user)
    return topic


@transaction.atomic
def article_save(*, article: TheoryArticle, user, upload: UploadedFile | None = None) -> TheoryArticle:
    """Save a member's theory article or research report with an optional uploaded file."""
    if article._state.adding:
        article.created_by = user
    article._history_user = user
    article.save()
    if upload:
        attachment_create(upload=upload, owner=article, user=user)
    return article
