from django.urls import path

from studygroups.views._placeholder import not_yet

urlpatterns = [
    path("attachments/<int:pk>/", not_yet, name="attachment_download"),
    path("archive/people/<int:pk>/", not_yet, name="member_archive"),
    path("archive/groups/<int:pk>/", not_yet, name="group_archive"),
]
