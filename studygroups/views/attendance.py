from django.urls import path

from studygroups.views._placeholder import not_yet

urlpatterns = [
    path("sessions/<int:pk>/attendance/", not_yet, name="attendance_edit"),
    path("sessions/<int:pk>/qr/", not_yet, name="session_qr"),
    path("sessions/<int:pk>/reflection/", not_yet, name="reflection_submit"),
    path("makeups/", not_yet, name="makeup_list"),
]
