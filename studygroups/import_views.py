from django.http import HttpResponse


def import_upload(request):  # placeholder until the import feature lands
    return HttpResponse(status=501)


def import_template(request):  # placeholder until the import feature lands
    return HttpResponse(status=501)
