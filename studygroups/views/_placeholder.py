from django.http import HttpResponse


def not_yet(request, *args, **kwargs):  # replaced by the feature's own view
    return HttpResponse("Not implemented yet", status=501)
