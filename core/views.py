import datetime
from functools import partial

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, NullIf
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from core import policy
from core.filters import NotificationFilter
from core.models import Attachment, Membership, Notification, Person, StudyGroup
from core.notifications import notifications_mark_read
from core.pages import ExportMixin
from core.registry import dashboard_panels, detail_url, history_models
from core.tables import NotificationTable

# Photos and PDFs open in the browser; Office files download.
INLINE_KINDS = (Attachment.Kind.IMAGE, Attachment.Kind.PDF)


@login_required
@transaction.non_atomic_requests  # reads only: no transaction to open and close
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    kind = policy.dashboard_kind(user)
    scoped_to = policy.scope_kind(user)
    groups = StudyGroup.objects.visible_to(user)
    # Read once for the figure and the navigation's badge (core.context_processors).
    context = {"today": today, "unread_notifications": Notification.objects.visible_to(user).unread().count()}
    if policy.can(user, policy.Action.SUPERVISE):
        # Groups missing a leader or a secretary today: what staff must fix first.
        context["incomplete_groups"] = (
            groups.select_related("unit")
            .annotate(
                leaders=Count("memberships", filter=_active_role(today, Membership.Role.LEADER)),
                secretaries=Count("memberships", filter=_active_role(today, Membership.Role.SECRETARY)),
            )
            .filter(Q(leaders=0) | Q(secretaries=0))[:20]
        )
    if scoped_to == "group":
        context["group"] = user.study_group
        context["roster"] = user.study_group.memberships_on(today)
    if scoped_to == "person":
        context["person"] = user.person
        context["memberships"] = (
            Membership.objects.visible_to(user)
            .filter(person=user.person)
            .select_related("study_group")
            .order_by("-start_date")
        )
    if policy.can(user, policy.Action.HISTORY, Person):
        # Read only by the dashboards that show it (the auditor's).
        context["recent_changes"] = partial(_recent_changes, user)
    # What the feature apps add (their AppConfig.ready() registers these panels).
    shown = [panel for panel in dashboard_panels if panel.shown_to(user)]
    context["panel_data"] = {panel.name: panel.context(user, today) for panel in shown}
    context["panels"] = [(panel.template, context["panel_data"][panel.name]) for panel in shown]
    return render(request, f"core/dashboard_{kind}.html", context)


def _active_role(day: datetime.date, role: str) -> Q:
    return Q(memberships__role=role, memberships__start_date__lte=day) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day)
    )


# Fields that name a record in the list of changes, read from the history row itself.
_LABEL_FIELDS = ("title", "name")


def _recent_changes(user, limit: int = 15) -> list[dict]:
    """The latest changes to the records a user may see the history of, newest first, with who made them.

    One UNION ALL over the registered history tables (the same columns from each, their authors' names
    joined) picks the newest rows: one query whatever the number of models and rows. Records since
    deleted are left out, as their history page is no longer reachable."""
    parts = []
    # ``model.history`` builds a new manager class at each reading (simple_history's descriptor): read once.
    history_of = {}
    for name, model in history_models.items():
        if not policy.can(user, policy.Action.HISTORY, model):
            continue
        history = history_of[name] = model.history
        rows = history.filter(id__in=model.objects.visible_to(user).values("pk")).values(
            ch_id=F("history_id"),
            ch_date=F("history_date"),
            ch_type=F("history_type"),
            ch_user=F("history_user_id"),
            ch_username=F("history_user__username"),
            ch_first_name=F("history_user__first_name"),
            ch_last_name=F("history_user__last_name"),
            ch_obj=F("id"),
            ch_label=Cast(_label_of(history.model), CharField()),
            ch_kind=Value(name, output_field=CharField()),
        )
        if connection.features.supports_slicing_ordering_in_compound:
            # Each table gives only its newest rows (read backwards on its (history_date, history_id) index).
            rows = rows.order_by("-history_date", "-history_id")[:limit]
        else:
            rows = rows.order_by()  # SQLite: no ORDER BY inside a UNION's parts (the union is ordered)
        parts.append(rows)
    if not parts:
        return []
    newest = list(parts[0].union(*parts[1:], all=True).order_by("-ch_date", "-ch_id")[:limit])
    changes = []
    for row in newest:
        model = history_models.get(row["ch_kind"])
        record = history_of[row["ch_kind"]].model(
            history_id=row["ch_id"],
            history_date=row["ch_date"],
            history_type=row["ch_type"],
            history_user=_author(row),
            id=row["ch_obj"],
        )
        label = row["ch_label"] or f"#{row['ch_obj']}"
        changes.append({"name": row["ch_kind"], "model": model._meta.verbose_name, "record": record, "label": label})
    return changes


def _author(row: dict):
    """Who made a change, as far as the list shows them (read in the same query as the change)."""
    if row["ch_user"] is None:
        return None
    return get_user_model()(
        pk=row["ch_user"],
        username=row["ch_username"],
        first_name=row["ch_first_name"],
        last_name=row["ch_last_name"],
    )


def _label_of(history_model):
    """What names a record in the list of changes, read from the history row itself."""
    fields = {field.name for field in history_model._meta.fields}
    for name in _LABEL_FIELDS:
        if name in fields:
            return NullIf(F(name), Value(""))
    return F("person__name") if "person" in fields else Value(None, output_field=CharField())


@login_required
def record_history(request, model_name: str, pk: int):
    """The change history of one record: who changed what and when. For staff and auditors."""
    model = history_models.get(model_name)
    if model is None:
        raise Http404
    if not policy.can(request.user, policy.Action.HISTORY, model):
        raise PermissionDenied
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    m2m_fields = list(getattr(obj.history.model, "_history_m2m_fields", ()))
    m2m_states = {field.name: _m2m_states(field, obj.history.model, records, request.user) for field in m2m_fields}
    rows = []
    for newer, older in zip(records, records[1:] + [None], strict=True):
        changes = []
        if older is not None:
            # Many-to-many fields are compared from m2m_states, not by diff_against (two queries a pair).
            delta = newer.diff_against(older, excluded_fields=list(m2m_states))
            changes = [
                {"field": model._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
            for field in m2m_fields:
                before, after = (m2m_states[field.name].get(r.history_id, set()) for r in (older, newer))
                if before != after:
                    changes.append(
                        {
                            "field": field.verbose_name,
                            "old": "、".join(sorted(before)),
                            "new": "、".join(sorted(after)),
                            "added": sorted(after - before),
                            "removed": sorted(before - after),
                        }
                    )
        rows.append({"record": newer, "changes": changes})
    # Back to the page that shows the record (or the page it is shown on).
    back_url = detail_url(obj) or (obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "")
    context = {"object": obj, "rows": rows, "model": model, "back_url": back_url}
    return render(request, "core/history.html", context)


@login_required
def attachment_download(request, pk):
    """Serve a stored file to whoever may see its owner; 404 for everyone else, whatever the reason."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=attachment.kind not in INLINE_KINDS,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class NotificationList(LoginRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """The current account's notifications, newest first; POST marks them all read."""

    title = _("Notifications")
    model = Notification
    filterset_class = NotificationFilter
    table_class = NotificationTable
    template_name = "core/notification_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user).order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unread_count"] = self.get_queryset().unread().count()
        context["unread_notifications"] = context["unread_count"]  # the navigation's badge, read once
        # A filter chosen ("unknown" is the yes/no filters' "all"): the empty list then says so differently.
        chosen = [self.request.GET.get(name, "") for name in self.filterset.form.fields]
        context["filtered"] = any(value not in ("", "unknown") for value in chosen)
        return context

    def post(self, request, *args, **kwargs):
        if notifications_mark_read(user=request.user):
            messages.success(request, _("All notifications are marked read."))
        return redirect("notification_list")


def _m2m_states(field, history_model, records, user) -> dict[int, set[str]]:
    """The names of the rows a tracked many-to-many ``field`` held at each history record, by history_id.

    Rows the user may see are named as they are now; deleted ones as their history last knew them."""
    through_history = getattr(history_model, field.name).model
    links = list(
        through_history.objects.filter(history_id__in=[r.history_id for r in records]).values_list(
            "history_id", field.m2m_reverse_name()
        )
    )
    related = field.related_model
    ids = {related_id for _history_id, related_id in links}
    # Accounts (a visit's inspectors) have no scope: whoever may read the history may read their names.
    rows = related.objects.visible_to(user) if hasattr(related.objects, "visible_to") else related.objects.all()
    names = {row.pk: str(row) for row in rows.filter(pk__in=ids)}
    gone = ids - names.keys() - set(related._base_manager.filter(pk__in=ids).values_list("pk", flat=True))
    if gone:
        for record in related.history.filter(id__in=gone).order_by("history_date", "history_id"):
            names[record.id] = str(record.instance)
    states: dict[int, set[str]] = {}
    for history_id, related_id in links:
        states.setdefault(history_id, set()).add(names.get(related_id, f"#{related_id}"))
    return states


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
