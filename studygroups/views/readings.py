"""The required reading list, marking a reading finished, and each member's reading progress."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, FormView

from core import policy
from core.access import ensure_can
from core.models import Membership, Person
from core.pages import FormPage, ListPage, UpdatePage, YearDefaultMixin
from studygroups.filters import ReadingFilter, ReadingProgressFilter
from studygroups.forms.records import ReadingMarkForm, RequiredReadingForm
from studygroups.models import ReadingProgress, RequiredReading
from studygroups.services.plans import can_mark_readings, reading_progress_set
from studygroups.services.records import active_in_year, record_people
from studygroups.tables import ReadingProgressTable, ReadingTable


def _reaches_others(user) -> bool:
    """Other people's reading progress; a member reaches only their own."""
    return policy.can(user, policy.Action.OTHERS_RECORDS)


def _list_of_year(year: int) -> str:
    return f"{reverse('studygroups:reading_list')}?{urlencode({'year': year})}"


class ReadingList(YearDefaultMixin, ListPage):
    model = RequiredReading
    filterset_class = ReadingFilter
    table_class = ReadingTable
    title = _("Required reading")
    create_url_name = "studygroups:reading_create"
    template_name = "studygroups/reading_list.html"
    ordering = ("-year", "order", "title", "pk")

    def get_queryset(self):
        user = self.request.user
        readings = RequiredReading.objects.visible_to(user).select_related("unit", "created_by")
        if not _reaches_others(user):
            mine = ReadingProgress.objects.filter(reading=OuterRef("pk"), person_id=user.person_id)
            readings = readings.annotate(my_finished_on=Subquery(mine.values("finished_on")[:1]))
        else:
            finished = (
                ReadingProgress.objects.visible_to(user)
                .filter(reading=OuterRef("pk"), finished_on__isnull=False)
                .order_by()
                .values("reading")
                .annotate(n=Count("pk"))
                .values("n")
            )
            readings = readings.annotate(
                finished_count=Coalesce(Subquery(finished, output_field=IntegerField()), Value(0))
            )
        return readings.order_by(*self.ordering)

    def get_table_kwargs(self):
        user = self.request.user
        exclude = ["mine"] if _reaches_others(user) else ["finished_count"]
        if not policy.can(user, policy.Action.CHANGE, RequiredReading):
            exclude.append("edit")
        return {"exclude": exclude}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_see_progress"] = policy.can(user, policy.Action.BROWSE)
        context["year"] = self.year
        return context


class ReadingCreate(FormPage, CreateView):
    model = RequiredReading
    form_class = RequiredReadingForm
    title = _("Add a required reading")

    def get_success_url(self):
        return _list_of_year(self.object.year)


class ReadingUpdate(UpdatePage):
    model = RequiredReading
    form_class = RequiredReadingForm
    title = _("Edit required reading")
    get_success_url = ReadingCreate.get_success_url


class ReadingMark(LoginRequiredMixin, FormView):
    """A member marks a required reading finished (or not yet); secretaries and staff for their members."""

    form_class = ReadingMarkForm
    template_name = "studygroups/reading_mark.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.reading = get_object_or_404(RequiredReading.objects.visible_to(request.user), pk=kwargs["pk"])
            if not can_mark_readings(request.user):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def get_initial(self):
        user = self.request.user
        if not _reaches_others(user):
            progress = ReadingProgress.objects.filter(reading=self.reading, person_id=user.person_id).first()
            if progress:
                return {"finished": progress.finished_on is not None, "finished_on": progress.finished_on}
        return {"finished": True, "finished_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"reading": self.reading, "title": self.reading.title}

    def form_valid(self, form):
        try:
            reading_progress_set(
                user=self.request.user,
                reading=self.reading,
                person=form.cleaned_data["person"],
                finished_on=form.cleaned_data["finished_on"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form.add_error("finished_on", error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(_list_of_year(self.reading.year))


class ReadingProgressList(YearDefaultMixin, ListPage):
    """Staff and secretaries: how many of the year's required readings each member has finished."""

    model = Person
    filterset_class = ReadingProgressFilter
    table_class = ReadingProgressTable
    template_name = "studygroups/reading_progress.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can(request.user, policy.Action.BROWSE)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        user, year = self.request.user, self.year
        self.readings = RequiredReading.objects.visible_to(user).filter(year=year)
        seated = Membership.objects.visible_to(user).filter(active_in_year(year)).values("person")
        finished = (
            ReadingProgress.objects.visible_to(user)
            .filter(person=OuterRef("pk"), finished_on__isnull=False, reading__in=self.readings.values("pk"))
            .order_by()
            .values("person")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            record_people(user)
            .filter(pk__in=seated)
            .select_related("unit")
            .annotate(finished=Coalesce(Subquery(finished, output_field=IntegerField()), Value(0)))
            .order_by("unit__path", "name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Reading progress")
        context["year"] = self.year
        context["reading_total"] = self.readings.count()
        return context


urlpatterns = [
    path("readings/", ReadingList.as_view(), name="reading_list"),
    path("readings/new/", ReadingCreate.as_view(), name="reading_create"),
    path("readings/progress/", ReadingProgressList.as_view(), name="reading_progress"),
    path("readings/<int:pk>/edit/", ReadingUpdate.as_view(), name="reading_update"),
    path("readings/<int:pk>/mark/", ReadingMark.as_view(), name="reading_mark"),
]
