import datetime

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.models import Role
from studygroups.models import Membership, OrgUnit, Person, StudyGroup

# Models whose history a user may open, by the name used in URLs.
HISTORY_MODELS = {
    "orgunit": "studygroups.OrgUnit",
    "studygroup": "studygroups.StudyGroup",
    "person": "studygroups.Person",
    "membership": "studygroups.Membership",
    "session": "studygroups.StudySession",
    "attendance": "studygroups.Attendance",
    "reflection": "studygroups.Reflection",
    "selfstudy": "studygroups.SelfStudy",
    "research": "studygroups.ResearchTopic",
    "article": "studygroups.TheoryArticle",
    "exam": "studygroups.ExamScore",
    "plan": "studygroups.Plan",
}
HISTORY_ROLES = (Role.STAFF, Role.AUDITOR)


@login_required
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    groups = StudyGroup.objects.visible_to(user)
    context = {"today": today}
    role = "superuser" if user.is_superuser else (user.role or "none")
    if role in ("superuser", "staff", "inspector", "auditor"):
        context["counts"] = {
            "units": OrgUnit.objects.visible_to(user).filter(kind__in=OrgUnit.UNIT_KINDS).count(),
            "groups": groups.count(),
            "people": Person.objects.visible_to(user).count(),
            "memberships": Membership.objects.visible_to(user).active_on(today).count(),
        }
        context["year_state"] = _year_state(user, today)
        # Groups missing a leader or a secretary today: what staff must fix first.
        context["incomplete_groups"] = (
            groups.select_related("unit")
            .annotate(
                leaders=Count("memberships", filter=_active_role(today, Membership.Role.LEADER)),
                secretaries=Count("memberships", filter=_active_role(today, Membership.Role.SECRETARY)),
            )
            .filter(Q(leaders=0) | Q(secretaries=0))[:20]
        )
    if role == "secretary":
        context["group"] = user.study_group
        context["roster"] = user.study_group.memberships_on(today)
    if role == "member":
        context["person"] = user.person
        context["memberships"] = (
            Membership.objects.visible_to(user)
            .filter(person=user.person)
            .select_related("study_group")
            .order_by("-start_date")
        )
    if role == "auditor":
        context["recent_changes"] = _recent_changes(user)
    return render(request, f"core/dashboard_{role}.html", context)


def _year_state(user, today: datetime.date) -> dict:
    """This year's state of the visible groups: what is held, what is missing, what came late."""
    from django.conf import settings
    from django.db.models import Count

    from studygroups.models import Attendance, StudySession
    from studygroups.services.attendance import open_makeups
    from studygroups.services.sessions import with_record_flags

    now = timezone.now()
    overdue = now - datetime.timedelta(days=settings.RECORD_REMINDER_DAYS)
    sessions = with_record_flags(StudySession.objects.visible_to(user).filter(starts_at__year=today.year))
    counts = sessions.aggregate(
        held=Count("pk", filter=Q(starts_at__lte=now)),
        scheduled=Count("pk", filter=Q(starts_at__gt=now)),
        missing_record=Count("pk", filter=Q(ends_at__lte=overdue, has_record=False)),
        late_record=Count("pk", filter=Q(record_late=True)),
    )
    counts["open_makeups"] = open_makeups(Attendance.objects.visible_to(user)).count()
    counts["year"] = today.year
    return counts


def _active_role(day: datetime.date, role: str) -> Q:
    return Q(memberships__role=role, memberships__start_date__lte=day) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day)
    )


def _recent_changes(user, limit: int = 15):
    visible = OrgUnit.objects.visible_to(user).filter(kind__in=OrgUnit.GROUP_KINDS).values("pk")
    return Person.history.filter(unit_id__in=visible).select_related("history_user").order_by("-history_date")[:limit]


@login_required
def record_history(request, model_name: str, pk: int):
    """The change history of one record: who changed what and when. For staff and auditors."""
    label = HISTORY_MODELS.get(model_name)
    if label is None:
        raise Http404
    if not (request.user.is_superuser or request.user.role in HISTORY_ROLES):
        raise PermissionDenied
    model = apps.get_model(label)
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    rows = []
    for newer, older in zip(records, records[1:] + [None], strict=True):
        changes = newer.diff_against(older).changes if older is not None else []
        rows.append(
            {
                "record": newer,
                "changes": [
                    {"field": model._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new} for c in changes
                ],
            }
        )
    return render(request, "core/history.html", {"object": obj, "rows": rows, "model": model})


@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request):
    """Database and broker state for load balancers: 200 when both answer, else 503 naming what failed."""
    state = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(state.values())
    body = {"status": "ok" if healthy else "error"} | {k: "ok" if v else "error" for k, v in state.items()}
    if not state["broker"]:
        body["broker_url"] = _broker_url()
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True
    except Exception:
        return False


def _broker_url() -> str:
    """The broker the worker uses, its password masked."""
    from kombu.utils.url import maybe_sanitize_url

    from config.celery import app

    return maybe_sanitize_url(app.conf.broker_url)
