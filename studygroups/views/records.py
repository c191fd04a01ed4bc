from django.urls import path

from studygroups.views._placeholder import not_yet

urlpatterns = [
    path("plans/", not_yet, name="plan_list"),
    path("plans/coverage/", not_yet, name="plan_coverage"),
    path("readings/", not_yet, name="reading_list"),
    path("self-study/", not_yet, name="selfstudy_list"),
    path("research/", not_yet, name="research_list"),
    path("articles/", not_yet, name="article_list"),
    path("exams/", not_yet, name="exam_list"),
]
