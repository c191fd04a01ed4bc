from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, UpdateView

from core import policy
from core.access import ScopedReadMixin
from core.models import Membership, OrgUnit, Person, StudyGroup
from core.pages import FormPage, ListPage, UpdatePage
from studygroups.filters import OrgUnitFilter, PersonFilter, StudyGroupFilter
from studygroups.forms.org import MembershipEndForm, MembershipForm, OrgUnitForm, PersonForm, StudyGroupForm
from studygroups.models import StudySession
from studygroups.services.members import membership_end
from studygroups.tables import OrgUnitTable, PersonTable, StudyGroupTable


class OrgUnitList(ListPage):
    model = OrgUnit
    select_related = ("parent",)
    filterset_class = OrgUnitFilter
    table_class = OrgUnitTable
    title = _("Organizations")
    create_url_name = "studygroups:orgunit_create"


class StudyGroupList(ListPage):
    model = StudyGroup
    select_related = ("unit",)
    filterset_class = StudyGroupFilter
    table_class = StudyGroupTable
    title = _("Study groups")

    def get_queryset(self):
        today = timezone.localdate()
        active = Q(memberships__start_date__lte=today) & (
            Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
        )
        # Aggregation drops Meta.ordering, so order explicitly for stable pages.
        return (
            super()
            .get_queryset()
            .with_count("member_count", "memberships", active)
            .order_by("unit__path", "unit__sort_order", "unit__name")
        )


class PersonList(ListPage):
    model = Person
    select_related = ("unit",)
    filterset_class = PersonFilter
    table_class = PersonTable
    title = _("People")
    create_url_name = "studygroups:person_create"


class OrgUnitDetail(ScopedReadMixin, DetailView):
    model = OrgUnit
    template_name = "studygroups/orgunit_detail.html"
    select_related = ("parent",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["children"] = OrgUnit.objects.visible_to(user).filter(parent=self.object)
        context["group"] = StudyGroup.objects.visible_to(user).filter(unit=self.object).first()
        return context


class StudyGroupDetail(ScopedReadMixin, DetailView):
    """A group and its roster on a given day (today by default), with members who left greyed out."""

    model = StudyGroup
    template_name = "studygroups/studygroup_detail.html"
    select_related = ("unit",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = parse_date(self.request.GET.get("on") or "") or timezone.localdate()
        memberships = list(
            Membership.objects.visible_to(self.request.user)
            .filter(study_group=self.object)
            .select_related("person", "person__unit")
            .order_by("role_order", "person__name", "start_date")
        )
        context["day"] = day
        context["current"] = [m for m in memberships if m.is_active_on(day)]
        context["former"] = [m for m in memberships if not m.is_active_on(day)]
        user = self.request.user
        # The group came through visible_to: a secretary reaches only their own, staff their unit's groups.
        context["can_edit_members"] = policy.can(user, policy.Action.CHANGE, Membership)
        context["can_add_person"] = policy.can(user, policy.Action.CHANGE, Person)
        context["can_add_session"] = policy.can(user, policy.Action.CHANGE, StudySession) and self.object.is_active
        return context


class PersonDetail(ScopedReadMixin, DetailView):
    model = Person
    template_name = "studygroups/person_detail.html"
    select_related = ("unit",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = (
            Membership.objects.visible_to(self.request.user)
            .filter(person=self.object)
            .select_related("study_group")
            .order_by("-start_date")
        )
        return context


class OrgUnitCreate(FormPage, CreateView):
    model = OrgUnit
    form_class = OrgUnitForm
    title = _("New organization")


class OrgUnitUpdate(FormPage, UpdateView):
    model = OrgUnit
    form_class = OrgUnitForm
    title = _("Edit organization")


class StudyGroupUpdate(FormPage, UpdateView):
    model = StudyGroup
    form_class = StudyGroupForm
    title = _("Edit study group")


class PersonCreate(FormPage, CreateView):
    model = Person
    form_class = PersonForm
    title = _("New person")


class PersonUpdate(FormPage, UpdateView):
    model = Person
    form_class = PersonForm
    title = _("Edit person")


class MembershipCreate(FormPage, CreateView):
    model = Membership
    form_class = MembershipForm
    title = _("Add a member")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            groups = StudyGroup.objects.visible_to(request.user)
            # The group must be visible (else 404) and its memberships editable by this user (else 403).
            self.study_group = get_object_or_404(groups, pk=kwargs["group_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"study_group": self.study_group}

    def get_success_url(self):
        return self.study_group.get_absolute_url()

    def get_cancel_url(self):
        return self.study_group.get_absolute_url()

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), (self.study_group.name, self.study_group.get_absolute_url())]


class MembershipUpdate(FormPage, UpdateView):
    model = Membership
    form_class = MembershipForm
    title = _("Edit membership")

    def get_success_url(self):
        return self.object.study_group.get_absolute_url()

    def get_cancel_url(self):
        return self.object.study_group.get_absolute_url()

    def get_breadcrumbs(self):
        group = self.object.study_group
        return [*super().get_breadcrumbs(), (group.name, group.get_absolute_url())]


class MembershipEnd(UpdatePage, FormView):
    """End a seat on a date: the person leaves the roster from the next day; the seat stays in the history."""

    model = Membership
    form_class = MembershipEndForm
    title = _("End membership")
    success_message = _("The membership is ended.")

    def get_cancel_url(self):
        return self.object.study_group.get_absolute_url()

    def get_breadcrumbs(self):
        group = self.object.study_group
        return [*super().get_breadcrumbs(), (group.name, group.get_absolute_url())]

    def get_form_kwargs(self):
        kwargs = FormView.get_form_kwargs(self)
        kwargs["initial"] = {"end_date": self.object.end_date or timezone.localdate()}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"{self.title} · {self.object.person.name}"
        return context

    def form_valid(self, form):
        try:
            membership_end(membership=self.object, end_date=form.cleaned_data["end_date"], user=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.object.study_group)


urlpatterns = [
    path("orgs/", OrgUnitList.as_view(), name="orgunit_list"),
    path("orgs/new/", OrgUnitCreate.as_view(), name="orgunit_create"),
    path("orgs/<int:pk>/", OrgUnitDetail.as_view(), name="orgunit_detail"),
    path("orgs/<int:pk>/edit/", OrgUnitUpdate.as_view(), name="orgunit_update"),
    path("groups/", StudyGroupList.as_view(), name="studygroup_list"),
    path("groups/<int:pk>/", StudyGroupDetail.as_view(), name="studygroup_detail"),
    path("groups/<int:pk>/edit/", StudyGroupUpdate.as_view(), name="studygroup_update"),
    path("groups/<int:group_pk>/members/new/", MembershipCreate.as_view(), name="membership_create"),
    path("memberships/<int:pk>/edit/", MembershipUpdate.as_view(), name="membership_update"),
    path("memberships/<int:pk>/end/", MembershipEnd.as_view(), name="membership_end"),
    path("people/", PersonList.as_view(), name="person_list"),
    path("people/new/", PersonCreate.as_view(), name="person_create"),
    path("people/<int:pk>/", PersonDetail.as_view(), name="person_detail"),
    path("people/<int:pk>/edit/", PersonUpdate.as_view(), name="person_update"),
]
