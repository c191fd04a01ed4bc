"""Pages of the outreach app: thin views over the services and selectors; every object through the scope."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView

from core import policy
from core.access import ensure_can, ensure_can_write
from core.models import OrgUnit, StudyGroup
from core.pages import PAGE_SIZE, DetailPage, FormPage, ListPage, UpdatePage, YearDefaultMixin, this_year, year_param
from outreach import forms, services
from outreach.filters import (
    CoverageFilter,
    NeedFilter,
    PairingFilter,
    PartyDayFilter,
    PostFilter,
    PostReadingFilter,
    VisitFilter,
)
from outreach.models import BranchHouseholds, Column, ExchangeVisit, FeedToken, Need, Pairing, PartyDay, Post, PostStudy
from outreach.selectors.counts import BRANCHES, NEEDS, by_category, outreach_counts, total_counts
from outreach.selectors.reading import current_member_ids, current_members, not_studied, with_readers
from outreach.tables import (
    CoverageTable,
    NeedTable,
    PairingTable,
    PartyDayTable,
    PostReadingTable,
    PostTable,
    VisitTable,
)
from studygroups.selectors.stats import Period


class ServiceSaveMixin:
    """Create and update pages saved by a service; a ValidationError it raises shows on the form."""

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.object.get_absolute_url())


# Pairings ------------------------------------------------------------------------------------------------------


class PairingList(ListPage):
    model = Pairing
    select_related = ("group_a__unit", "group_b__unit")
    filterset_class = PairingFilter
    table_class = PairingTable
    title = _("Pairings")
    create_url_name = "outreach:pairing_create"
    ordering = ("-year", "pk")


class PairingDetail(DetailPage):
    model = Pairing
    select_related = ("group_a__unit", "group_b__unit")
    template_name = "outreach/pairing_detail.html"

    def get_context_data(self, **kwargs):
        visits = ExchangeVisit.objects.visible_to(self.request.user).filter(pairing=self.object)
        return super().get_context_data(**kwargs) | {"visits": visits.select_related("host_group", "guest_group")}


class PairingSave(ServiceSaveMixin):
    model = Pairing
    form_class = forms.PairingForm

    def save(self, form):
        return services.pairing_save(pairing=form.save(commit=False), user=self.request.user)


class PairingCreate(PairingSave, FormPage, CreateView):
    title = _("New pairing")


class PairingUpdate(PairingSave, UpdatePage):
    title = _("Edit pairing")


# Exchange visits -----------------------------------------------------------------------------------------------


class VisitList(ListPage):
    model = ExchangeVisit
    select_related = ("host_group", "guest_group")
    filterset_class = VisitFilter
    table_class = VisitTable
    title = _("Exchange visits")
    create_url_name = "outreach:visit_create"
    ordering = ("-starts_at", "-pk")


class VisitDetail(DetailPage):
    model = ExchangeVisit
    select_related = ("host_group__unit", "guest_group__unit", "host_session", "guest_session", "pairing")
    template_name = "outreach/visit_detail.html"


class VisitCreate(ServiceSaveMixin, FormPage, CreateView):
    model = ExchangeVisit
    form_class = forms.VisitForm
    title = _("New exchange visit")

    def save(self, form):
        data = form.cleaned_data
        return services.visit_create(
            visit=form.save(commit=False),
            user=self.request.user,
            host_people=data["host_people"],
            guest_people=data["guest_people"],
        )


class VisitUpdate(ServiceSaveMixin, UpdatePage):
    model = ExchangeVisit
    form_class = forms.VisitForm
    title = _("Edit exchange visit")

    def save(self, form):
        data = form.cleaned_data
        return services.visit_update(
            visit=form.save(commit=False),
            user=self.request.user,
            host_people=data["host_people"] or None,
            guest_people=data["guest_people"] or None,
        )


@login_required
def visit_cancel(request, pk):
    ensure_can_write(request.user, ExchangeVisit)
    visit = get_object_or_404(ExchangeVisit.objects.editable_by(request.user), pk=pk)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_cancel(visit=visit, user=request.user, reason=form.cleaned_data["cancel_reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The visit is cancelled; both sessions were removed."))
            return redirect(visit.get_absolute_url())
    return render(request, "core/form.html", {"form": form, "title": _("Cancel exchange visit")})


# Party days, households, coverage ------------------------------------------------------------------------------


class PartyDayList(ListPage):
    model = PartyDay
    select_related = ("branch",)
    filterset_class = PartyDayFilter
    table_class = PartyDayTable
    title = _("Themed party days")
    create_url_name = "outreach:partyday_create"
    ordering = ("-held_on", "-pk")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)


class PartyDayDetail(DetailPage):
    model = PartyDay
    select_related = ("branch", "reading")
    template_name = "outreach/partyday_detail.html"
    with_attachments = True

    def get_context_data(self, **kwargs):
        needs = Need.objects.visible_to(self.request.user).filter(party_day=self.object)
        return super().get_context_data(**kwargs) | {"needs": needs}


class PartyDaySave(ServiceSaveMixin):
    model = PartyDay
    form_class = forms.PartyDayForm

    def save(self, form):
        return services.partyday_save(
            party_day=form.save(commit=False), user=self.request.user, upload=form.cleaned_data.get("attachment")
        )


class PartyDayCreate(PartyDaySave, FormPage, CreateView):
    title = _("Record a themed party day")


class PartyDayUpdate(PartyDaySave, UpdatePage):
    title = _("Edit themed party day")


class HouseholdsCreate(FormPage, CreateView):
    model = BranchHouseholds
    form_class = forms.HouseholdsForm
    title = _("Households of a branch")

    def get_success_url(self):
        return reverse("outreach:coverage") + f"?year={self.object.year}"


class CoverageList(ListPage):
    """Household coverage per township (or department) for a year, with its branches, party days and needs."""

    model = StudyGroup
    select_related = ("unit",)
    filterset_class = CoverageFilter
    table_class = CoverageTable
    template_name = "outreach/coverage.html"
    title = _("Household coverage")
    ordering = ("unit__name", "pk")
    # The table pages the computed rows; the groups' queryset is read whole, once.
    paginate_by = None
    table_pagination = {"per_page": PAGE_SIZE}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # The groups of townships and departments with a branch: EXISTS, not a join to every branch made
        # unique again by DISTINCT.
        branches = OrgUnit.objects.filter(parent=OuterRef("unit"), kind__in=OrgUnit.BRANCH_KINDS)
        return super().get_queryset().filter(Exists(branches), unit__kind__in=OrgUnit.UNIT_KINDS)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        if not year_param(data.get("year")):
            data["year"] = str(this_year())
        kwargs["data"] = data
        return kwargs

    @property
    def year(self) -> int:
        return year_param(self.filterset.data.get("year")) or this_year()

    def get_table_data(self):
        if not hasattr(self, "_rows"):
            groups = list(self.object_list)
            # Only what the table and the totals show: no exchange visits, no posts studied.
            self.counts = outreach_counts(groups, Period.year(self.year), parts=(BRANCHES, NEEDS))
            self.total = total_counts(self.counts)
            # By the groups' units (a few hundred keys), not by every branch's key (thousands of parameters).
            branches = OrgUnit.objects.filter(parent__in=[group.unit_id for group in groups])
            names = dict(branches.values_list("pk", "name"))
            for group in groups:
                group.counts = self.counts[group.pk]
                group.branch_rows = sorted(
                    (names[pk], visited, households) for pk, (visited, households) in group.counts.branches.items()
                )
            self._rows = groups
        return self._rows

    def export_title(self) -> str:
        return f"{self.title} · {self.year}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.get_table_data()
        return context | {"year": self.year, "total": self.total}


# Raised needs --------------------------------------------------------------------------------------------------


class NeedList(ListPage):
    model = Need
    select_related = ("branch",)
    filterset_class = NeedFilter
    table_class = NeedTable
    title = _("Raised needs")
    create_url_name = "outreach:need_create"
    template_name = "outreach/need_list.html"
    ordering = ("-raised_on", "-pk")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        categories = dict(Need.Category.choices)
        context["by_category"] = [(categories.get(key, key), row) for key, row in by_category(self.object_list).items()]
        return context


class NeedDetail(DetailPage):
    model = Need
    select_related = ("branch", "party_day")
    template_name = "outreach/need_detail.html"
    with_attachments = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_edit"]:
            context["start_form"] = forms.NeedStartForm(initial={"handled_by": self.object.handled_by})
            context["complete_form"] = forms.NeedCompleteForm(
                initial={"done_on": timezone.localdate(), "handled_by": self.object.handled_by}
            )
            context["close_form"] = forms.NeedCloseForm()
        return context


class NeedSave(ServiceSaveMixin):
    model = Need
    form_class = forms.NeedForm

    def save(self, form):
        return services.need_save(
            need=form.save(commit=False), user=self.request.user, upload=form.cleaned_data.get("attachment")
        )


class NeedCreate(NeedSave, FormPage, CreateView):
    title = _("Record a raised need")

    def get_initial(self):
        initial = super().get_initial()
        day = PartyDay.objects.editable_by(self.request.user).filter(pk=self.request.GET.get("party_day") or 0)
        day = day.first()
        if day:
            initial |= {"party_day": day, "branch": day.branch_id, "raised_on": day.held_on}
        return initial


class NeedUpdate(NeedSave, UpdatePage):
    title = _("Edit raised need")


NEED_ACTIONS = {
    "start": (
        forms.NeedStartForm,
        lambda need, user, data, files: services.need_start(need=need, user=user, handled_by=data["handled_by"]),
    ),
    "complete": (
        forms.NeedCompleteForm,
        lambda need, user, data, files: services.need_complete(
            need=need,
            user=user,
            result=data["result"],
            on=data["done_on"],
            handled_by=data["handled_by"],
            evidence=data.get("evidence"),
        ),
    ),
    "close": (
        forms.NeedCloseForm,
        lambda need, user, data, files: services.need_close(need=need, user=user, reason=data["close_reason"]),
    ),
    "reopen": (None, lambda need, user, data, files: services.need_reopen(need=need, user=user)),
}


@login_required
@require_POST
def need_action(request, pk, action):
    """Move a need along: start, complete (with evidence), close (with a reason), reopen."""
    if action not in NEED_ACTIONS:
        raise Http404
    ensure_can_write(request.user, Need)
    need = get_object_or_404(Need.objects.editable_by(request.user), pk=pk)
    form_class, call = NEED_ACTIONS[action]
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(need.get_absolute_url())
    try:
        call(need, request.user, form.cleaned_data if form else {}, request.FILES)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(need.get_absolute_url())


# The online learning column ------------------------------------------------------------------------------------


class PostList(ListPage):
    model = Post
    select_related = ("column",)
    filterset_class = PostFilter
    table_class = PostTable
    title = _("Online learning")
    create_url_name = "outreach:post_create"
    template_name = "outreach/post_list.html"
    ordering = ("-published_on", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = Column.objects.visible_to(self.request.user)
        return context


class PostDetail(DetailPage):
    model = Post
    select_related = ("column",)
    template_name = "outreach/post_detail.html"

    def get_queryset(self):
        person = self.request.user.person_id
        studied = PostStudy.objects.filter(post=OuterRef("pk"), person_id=person)
        return super().get_queryset().annotate(studied=Exists(studied)).prefetch_related("readings", "topics")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_study"] = bool(user.person_id) and policy.can(user, policy.Action.KEEP_RECORDS)
        return context


class PostSave(ServiceSaveMixin):
    model = Post
    form_class = forms.PostForm

    def save(self, form):
        data = form.cleaned_data
        return services.post_save(
            post=form.save(commit=False), user=self.request.user, readings=data["readings"], topics=data["topics"]
        )


class PostCreate(PostSave, FormPage, CreateView):
    title = _("New post")


class PostUpdate(PostSave, UpdatePage):
    title = _("Edit post")


class ColumnCreate(FormPage, CreateView):
    model = Column
    form_class = forms.ColumnForm
    title = _("New learning column")

    def get_success_url(self):
        return reverse("outreach:post_list")


@login_required
@require_POST
def post_study(request, pk):
    """The signed-in member studied this post: their self-study entry, once."""
    ensure_can(request.user, policy.Action.KEEP_RECORDS)
    post = get_object_or_404(Post.objects.visible_to(request.user), pk=pk)
    if not request.user.person_id:
        raise PermissionDenied
    _study, created = services.post_mark_studied(post=post, person=request.user.person, user=request.user)
    if created:
        messages.success(request, _("Marked as studied; it is in your self-study records."))
    return redirect(post.get_absolute_url())


class PostReading(YearDefaultMixin, ListPage):
    """Staff: the posts of a year by how many current members read them, and who has not studied the
    required ones."""

    model = Post
    select_related = ("column",)
    filterset_class = PostReadingFilter
    table_class = PostReadingTable
    template_name = "outreach/post_reading.html"
    title = _("Reading of the posts")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.SUPERVISE)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def people(self):
        return current_members(StudyGroup.objects.visible_to(self.request.user))

    def get_table_data(self):
        # Readers counted on the table's rows only: the year filter's choices and the required posts below
        # read the posts without joining every study of the prefecture.
        readers = current_member_ids(StudyGroup.objects.visible_to(self.request.user))
        return with_readers(super().get_table_data(), readers).order_by("-readers", "-published_on", "-pk")

    def export_title(self) -> str:
        return f"{self.title} · {self.year}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        missing = not_studied(self.object_list, self.people, page=self.request.GET.get("missing_page") or 1)
        return context | {"year": self.year, "missing": missing}


@login_required
def feed_links(request):
    """The user's personal feed links, one per column; renewing retires the old ones."""
    if request.method == "POST":
        services.feed_token_renew(user=request.user)
        messages.success(request, _("New feed links made; the old ones no longer work."))
        return redirect("outreach:feed_links")
    token = services.feed_token_for(request.user)
    columns = Column.objects.visible_to(request.user)
    links = [
        (column, request.build_absolute_uri(reverse("outreach:feed", args=[token.token, column.pk])))
        for column in columns
    ]
    return render(request, "outreach/feed_links.html", {"links": links, "title": _("Feed links")})


def feed(request, token, column_id):
    """An Atom feed of a column for intranet readers, reached by the owner's secret (no sign-in)."""
    owner = FeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if owner is None:
        raise Http404
    user = owner.user
    column = get_object_or_404(Column.objects.visible_to(user), pk=column_id)
    posts = Post.objects.visible_to(user).filter(column=column).order_by("-published_on", "-pk")[:50]
    link = request.build_absolute_uri(reverse("outreach:post_list") + f"?column={column.pk}")
    atom = Atom1Feed(
        title=column.name,
        link=link,
        description=column.description,
        language="zh-hans",
        feed_url=request.build_absolute_uri(),
    )
    for post in posts:
        url = request.build_absolute_uri(post.get_absolute_url())
        moment = timezone.make_aware(datetime.datetime.combine(post.published_on, datetime.time(8)))
        atom.add_item(
            title=post.title,
            link=post.link or url,
            description=post.body or post.link,
            unique_id=url,
            pubdate=moment,
            updateddate=moment,
            categories=post.tag_list,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")


urlpatterns = [
    path("pairings/", PairingList.as_view(), name="pairing_list"),
    path("pairings/new/", PairingCreate.as_view(), name="pairing_create"),
    path("pairings/<int:pk>/", PairingDetail.as_view(), name="pairing_detail"),
    path("pairings/<int:pk>/edit/", PairingUpdate.as_view(), name="pairing_update"),
    path("visits/", VisitList.as_view(), name="visit_list"),
    path("visits/new/", VisitCreate.as_view(), name="visit_create"),
    path("visits/<int:pk>/", VisitDetail.as_view(), name="visit_detail"),
    path("visits/<int:pk>/edit/", VisitUpdate.as_view(), name="visit_update"),
    path("visits/<int:pk>/cancel/", visit_cancel, name="visit_cancel"),
    path("party-days/", PartyDayList.as_view(), name="partyday_list"),
    path("party-days/new/", PartyDayCreate.as_view(), name="partyday_create"),
    path("party-days/<int:pk>/", PartyDayDetail.as_view(), name="partyday_detail"),
    path("party-days/<int:pk>/edit/", PartyDayUpdate.as_view(), name="partyday_update"),
    path("households/new/", HouseholdsCreate.as_view(), name="households_create"),
    path("coverage/", CoverageList.as_view(), name="coverage"),
    path("needs/", NeedList.as_view(), name="need_list"),
    path("needs/new/", NeedCreate.as_view(), name="need_create"),
    path("needs/<int:pk>/", NeedDetail.as_view(), name="need_detail"),
    path("needs/<int:pk>/edit/", NeedUpdate.as_view(), name="need_update"),
    path("needs/<int:pk>/<str:action>/", need_action, name="need_action"),
    path("posts/", PostList.as_view(), name="post_list"),
    path("posts/new/", PostCreate.as_view(), name="post_create"),
    path("posts/<int:pk>/", PostDetail.as_view(), name="post_detail"),
    path("posts/<int:pk>/edit/", PostUpdate.as_view(), name="post_update"),
    path("posts/<int:pk>/studied/", post_study, name="post_study"),
    path("posts/reading/", PostReading.as_view(), name="post_reading"),
    path("columns/new/", ColumnCreate.as_view(), name="column_create"),
    path("feeds/", feed_links, name="feed_links"),
    path("feeds/<str:token>/<int:column_id>/", feed, name="feed"),
]
