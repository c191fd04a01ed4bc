from django.urls import path

from studygroups.views._placeholder import not_yet

urlpatterns = [
    path("sessions/", not_yet, name="session_list"),
    path("sessions/<int:pk>/", not_yet, name="session_detail"),
]
