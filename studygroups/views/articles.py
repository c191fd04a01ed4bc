"""Theory articles and research reports (理论文章), with optional files."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView

from core.pages import AttachedSaveMixin, DetailPage, FormPage, ListPage, UpdatePage
from studygroups.filters import ArticleFilter
from studygroups.forms.records import TheoryArticleForm
from studygroups.models import TheoryArticle
from studygroups.services.records import article_save
from studygroups.tables import ArticleTable


class ArticleList(ListPage):
    model = TheoryArticle
    select_related = ("person", "person__unit", "created_by")
    filterset_class = ArticleFilter
    table_class = ArticleTable
    title = _("Theory articles and research reports")
    create_url_name = "studygroups:article_create"
    ordering = ("-written_on", "-pk")

    def get_queryset(self):
        return super().get_queryset().with_count("attachment_count", "attachments")


class ArticleDetail(DetailPage):
    model = TheoryArticle
    select_related = ("person", "person__unit", "created_by")
    template_name = "studygroups/article_detail.html"
    with_attachments = True


class ArticleCreate(AttachedSaveMixin, FormPage, CreateView):
    model = TheoryArticle
    form_class = TheoryArticleForm
    title = _("New article or report")
    service = staticmethod(article_save)
    object_arg = "article"

    def get_success_url(self):
        return reverse("studygroups:article_detail", args=[self.object.pk])


class ArticleUpdate(AttachedSaveMixin, UpdatePage):
    model = TheoryArticle
    form_class = TheoryArticleForm
    title = _("Edit article or report")
    service = staticmethod(article_save)
    object_arg = "article"
    get_success_url = ArticleCreate.get_success_url


urlpatterns = [
    path("articles/", ArticleList.as_view(), name="article_list"),
    path("articles/new/", ArticleCreate.as_view(), name="article_create"),
    path("articles/<int:pk>/", ArticleDetail.as_view(), name="article_detail"),
    path("articles/<int:pk>/edit/", ArticleUpdate.as_view(), name="article_update"),
]
