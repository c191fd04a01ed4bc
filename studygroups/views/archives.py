"""Study archives (学习档案) per member and per group and year, and the permission-checked download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from core import policy
from core.models import Attachment, Person, StudyGroup
from studygroups.selectors.archives import group_archive as select_group_archive
from studygroups.selectors.archives import member_archive as select_member_archive
from studygroups.selectors.archives import parse_year, year_choices

# Shown in the browser; everything else is offered as a download.
INLINE_KINDS = (Attachment.Kind.IMAGE, Attachment.Kind.PDF)


def archive_people(user):
    """People whose archive ``user`` may open: their scope, and for a member only themself."""
    people = Person.objects.visible_to(user)
    if not policy.can(user, policy.Action.OTHERS_RECORDS):
        people = people.filter(pk=user.person_id)
    return people


@login_required
@transaction.non_atomic_requests  # reads only: no transaction to open and close
def member_archive(request, pk):
    person = get_object_or_404(archive_people(request.user).select_related("unit"), pk=pk)
    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today=today)
    archive = select_member_archive(user=request.user, person=person, year=year)
    context = {"archive": archive, "year": year, "years": year_choices(year, today=today)}
    return render(request, "studygroups/archive_member.html", context)


@login_required
@transaction.non_atomic_requests  # reads only: no transaction to open and close
def group_archive(request, pk):
    group = get_object_or_404(StudyGroup.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if not policy.can(request.user, policy.Action.BROWSE):
        # The group's archive lists every member's scores and hours: not for colleagues to read.
        raise PermissionDenied

    today = timezone.localdate()
    year = parse_year(request.GET.get("year"), today=today)
    archive = select_group_archive(user=request.user, group=group, year=year)
    context = {"archive": archive, "year": year, "years": year_choices(year, today=today)}
    return render(request, "studygroups/archive_group.html", context)


urlpatterns = [
    path("archive/people/<int:pk>/", member_archive, name="member_archive"),
    path("archive/groups/<int:pk>/", group_archive, name="group_archive"),
]
