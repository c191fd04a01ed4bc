"""The site's URLs plus the framework floor the page benchmark compares every page with."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core.models import User


@login_required
def floor(request):
    """The least a logged-in page can do: the whole middleware stack and one query of its own."""
    return HttpResponse(str(User.objects.filter(pk=request.user.pk).values_list("pk", flat=True).first()))


urlpatterns = [*site_urlpatterns, path("__bench_floor__/", floor)]
