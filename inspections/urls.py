from inspections.scorecards import urlpatterns as scorecard_urlpatterns
from inspections.views import app_name, urlpatterns

urlpatterns = urlpatterns + scorecard_urlpatterns

__all__ = ["app_name", "urlpatterns"]
