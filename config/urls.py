from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from core.autocomplete import autocomplete

admin.site.site_header = admin.site.site_title = "理论学习中心组管理系统"

urlpatterns = [
    path("", core_views.dashboard, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("history/<str:model_name>/<int:pk>/", core_views.record_history, name="record_history"),
    path("attachments/<int:pk>/", core_views.attachment_download, name="attachment_download"),
    path("notifications/", core_views.NotificationList.as_view(), name="notification_list"),
    path("autocomplete/<slug:kind>/", autocomplete, name="autocomplete"),
    path("", include("studygroups.urls")),
    path("outreach/", include("outreach.urls")),
    path("inspections/", include("inspections.urls")),
    path("assessment/", include("assessment.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
