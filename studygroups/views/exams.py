"""Theory exam scores (理论考试成绩): a member reads their own, secretaries and staff their people's."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView

from core import policy
from core.pages import FormPage, ListPage, UpdatePage
from studygroups.filters import ExamFilter
from studygroups.forms.records import ExamScoreForm
from studygroups.models import ExamScore
from studygroups.tables import ExamTable


class ExamList(ListPage):
    model = ExamScore
    select_related = ("person", "person__unit", "created_by")
    filterset_class = ExamFilter
    table_class = ExamTable
    title = _("Theory exam scores")
    create_url_name = "studygroups:exam_create"
    ordering = ("-year", "person__name", "pk")

    def get_queryset(self):
        scores = super().get_queryset()
        user = self.request.user
        # A member reads their own score only, not their colleagues'.
        if policy.can(user, policy.Action.OTHERS_RECORDS):
            return scores
        return scores.filter(person_id=user.person_id)


class ExamCreate(FormPage, CreateView):
    model = ExamScore
    form_class = ExamScoreForm
    title = _("Record an exam score")
    success_url = reverse_lazy("studygroups:exam_list")


class ExamUpdate(UpdatePage):
    model = ExamScore
    form_class = ExamScoreForm
    title = _("Edit exam score")
    success_url = reverse_lazy("studygroups:exam_list")


urlpatterns = [
    path("exams/", ExamList.as_view(), name="exam_list"),
    path("exams/new/", ExamCreate.as_view(), name="exam_create"),
    path("exams/<int:pk>/edit/", ExamUpdate.as_view(), name="exam_update"),
]
