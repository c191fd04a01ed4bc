"""Report pages: ask for a report, watch it (static/reports/progress.js polls job_status), download it,
write a summary's narrative, check a downloaded pack against its SHA-256."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import policy
from core.access import ensure_can
from core.models import StudyGroup
from reports import bulletins, services
from reports.forms import BulletinForm, NarrativeForm, PackCheckForm, ReportJobForm, kind_choices, top_units
from reports.models import Bulletin, ReportJob, SummaryNarrative

app_name = "reports"


def _jobs(user):
    return ReportJob.objects.visible_to(user).select_related("org", "study_group", "person", "requested_by")


@login_required
def job_list(request):
    """The user's own report jobs, and the frozen year-end packs they may see."""
    form = None
    if kind_choices(request.user):
        form = ReportJobForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            job, created = services.job_request(
                user=request.user,
                kind=data["kind"],
                year=data["year"],
                half=data.get("half"),
                org=data["org"],
                study_group=data.get("study_group"),
                person=data.get("person"),
                format=data.get("format") or None,
            )
            if created:
                messages.success(request, _("Your report is queued; you will be notified when it is ready."))
            else:
                messages.info(request, _("The same report is already being made: here it is."))
            return redirect(job)
    elif request.method == "POST":
        raise PermissionDenied
    jobs = _jobs(request.user)
    context = {
        "form": form,
        "my_jobs": jobs.filter(requested_by=request.user)[:50],
        "packs": jobs.filter(frozen=True).order_by("-year", "org__name", "-version")[:50],
    }
    return render(request, "reports/job_list.html", context)


@login_required
def job_detail(request, pk):
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return render(request, "reports/job_detail.html", {"job": job})


@require_GET
@login_required
def job_status(request, pk):
    """The job's state as JSON, polled by static/reports/progress.js."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "stage": job.stage,
            "error": job.error,
            "size": job.size,
            "sha256": job.sha256,
            "download_url": reverse("reports:job_download", args=[job.pk]) if job.has_file else "",
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
def job_download(request, pk):
    """The file, to whoever may see the job; 404 for everyone else and for removed files."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    if not job.has_file:
        raise Http404
    try:
        handle = open(services.stored_path(job), "rb")  # FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=job.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def narrative_edit(request, year, half, group_pk=None, org_pk=None):
    """The written parts of a half-year summary, for one group (secretaries, staff) or a county (staff)."""
    user = request.user
    if half not in (1, 2):
        raise Http404
    if group_pk is not None:
        ensure_can(user, policy.Action.CHANGE, SummaryNarrative)
        group = get_object_or_404(StudyGroup.objects.visible_to(user).select_related("unit"), pk=group_pk)
        org, subject = group.unit, group.name
    else:
        ensure_can(user, policy.Action.PUBLISH, SummaryNarrative)
        org = get_object_or_404(top_units(user), pk=org_pk)
        group, subject = None, org.name
    narrative = SummaryNarrative.objects.filter(org=org, study_group=group, year=year, half=half).first()
    if narrative is None:
        narrative = SummaryNarrative(org=org, study_group=group, year=year, half=half, created_by=user)
    form = NarrativeForm(request.POST or None, instance=narrative)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved. The numbers are computed again each time the summary is made."))
        return redirect(request.path)
    title = _("Summary of %(subject)s, %(year)s half-year %(half)s: written parts") % {
        "subject": subject,
        "year": year,
        "half": half,
    }
    return render(request, "core/form.html", {"form": form, "title": title})


def pack_check(request):
    """Anyone may check a copy of a pack: its SHA-256 is compared with the frozen packs' (nothing is kept)."""
    form = PackCheckForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        digest = hashlib.sha256()
        for chunk in form.cleaned_data["file"].chunks():
            digest.update(chunk)
        result = {"sha256": digest.hexdigest(), "pack": services.pack_matching(digest.hexdigest())}
    return render(request, "reports/pack_check.html", {"form": form, "result": result})


urlpatterns = [
    path("reports/", job_list, name="job_list"),
    path("reports/<int:pk>/", job_detail, name="job_detail"),
    path("reports/<int:pk>/status/", job_status, name="job_status"),
    path("reports/<int:pk>/download/", job_download, name="job_download"),
    path("reports/check/", pack_check, name="pack_check"),
    path("reports/narrative/group/<int:group_pk>/<int:year>/<int:half>/", narrative_edit, name="narrative_group"),
    path("reports/narrative/org/<int:org_pk>/<int:year>/<int:half>/", narrative_edit, name="narrative_org"),
]


# --- bulletins -------------------------------------------------------------------------------------


@login_required
def bulletin_list(request):
    bulletins = Bulletin.objects.visible_to(request.user).select_related("org")
    can_issue = policy.can(request.user, policy.Action.PUBLISH, Bulletin)
    return render(request, "reports/bulletin_list.html", {"bulletins": bulletins[:100], "can_issue": can_issue})


@login_required
def bulletin_edit(request, pk=None):
    ensure_can(request.user, policy.Action.PUBLISH, Bulletin)
    bulletin = None
    if pk is not None:
        bulletin = get_object_or_404(Bulletin.objects.editable_by(request.user), pk=pk, status=Bulletin.Status.DRAFT)
    form = BulletinForm(request.POST or None, instance=bulletin, user=request.user)
    if request.method == "POST" and form.is_valid():
        if bulletin is None:
            data = form.cleaned_data
            bulletin = bulletins.bulletin_create(
                user=request.user,
                org=data["org"],
                year=data["year"],
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                body=data["body"],
            )
            for name in ("praised", "criticised"):
                if data[name]:
                    setattr(bulletin, name, data[name])
            bulletin.save()
        else:
            form.save()
        messages.success(request, _("Saved."))
        return redirect(bulletin)
    return render(request, "core/form.html", {"form": form, "title": _("Inspection bulletin")})


@login_required
def bulletin_detail(request, pk):
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user).select_related("org", "created_by"), pk=pk)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                bulletins.bulletin_approve(user=user, bulletin_id=bulletin.pk)
                messages.success(request, _("Approved."))
            elif action == "publish":
                published = bulletins.bulletin_publish(user=user, bulletin_id=bulletin.pk)
                messages.success(request, _("Published as %(number)s.") % {"number": published.document_number})
            elif action == "render":
                ensure_can(user, policy.Action.PUBLISH, Bulletin)
                job, _created = services.job_request(
                    user=user, kind="bulletin", year=bulletin.year, org=bulletin.org, bulletin=bulletin, format="pdf"
                )
                return redirect(job)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect(bulletin)
    latest = (
        ReportJob.objects.filter(bulletin=bulletin, status=ReportJob.Status.DONE, file_removed_at__isnull=True)
        .order_by("-finished_at")
        .first()
    )
    context = {
        "bulletin": bulletin,
        "latest": latest,
        "can_issue": policy.can(user, policy.Action.PUBLISH, Bulletin),
        "is_author": bulletin.created_by_id == user.pk,
    }
    return render(request, "reports/bulletin_detail.html", context)


@login_required
def bulletin_download(request, pk):
    """The bulletin's latest PDF, to everyone who may see the bulletin (units below once it is published)."""
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    job = (
        ReportJob.objects.filter(bulletin=bulletin, status=ReportJob.Status.DONE, file_removed_at__isnull=True)
        .order_by("-finished_at")
        .first()
    )
    if job is None:
        raise Http404
    try:
        handle = open(services.stored_path(job), "rb")  # FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.file_name)


urlpatterns += [
    path("bulletins/", bulletin_list, name="bulletin_list"),
    path("bulletins/new/", bulletin_edit, name="bulletin_create"),
    path("bulletins/<int:pk>/", bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/pdf/", bulletin_download, name="bulletin_download"),
]
