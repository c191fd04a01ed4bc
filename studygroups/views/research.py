"""Research topics (调研课题): assigned, researched, reported and applied, with an optional file."""

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView

from core.pages import AttachedSaveMixin, DetailPage, FormPage, ListPage, UpdatePage
from studygroups.filters import ResearchFilter
from studygroups.forms.records import ResearchTopicForm
from studygroups.models import ResearchTopic
from studygroups.services.records import research_topic_save
from studygroups.tables import ResearchTable


class ResearchList(ListPage):
    model = ResearchTopic
    select_related = ("study_group", "lead", "created_by")
    filterset_class = ResearchFilter
    table_class = ResearchTable
    title = _("Research topics")
    create_url_name = "studygroups:research_create"
    ordering = ("-assigned_on", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"today": timezone.localdate()}


class ResearchDetail(DetailPage):
    model = ResearchTopic
    select_related = ("study_group", "lead", "created_by")
    template_name = "studygroups/research_detail.html"
    with_attachments = True


class ResearchCreate(AttachedSaveMixin, FormPage, CreateView):
    model = ResearchTopic
    form_class = ResearchTopicForm
    title = _("New research topic")
    service = staticmethod(research_topic_save)
    object_arg = "topic"

    def get_success_url(self):
        return reverse("studygroups:research_detail", args=[self.object.pk])


class ResearchUpdate(AttachedSaveMixin, UpdatePage):
    model = ResearchTopic
    form_class = ResearchTopicForm
    title = _("Edit research topic")
    service = staticmethod(research_topic_save)
    object_arg = "topic"
    get_success_url = ResearchCreate.get_success_url


urlpatterns = [
    path("research/", ResearchList.as_view(), name="research_list"),
    path("research/new/", ResearchCreate.as_view(), name="research_create"),
    path("research/<int:pk>/", ResearchDetail.as_view(), name="research_detail"),
    path("research/<int:pk>/edit/", ResearchUpdate.as_view(), name="research_update"),
]
