"""A form submitted twice (double click, resubmit after a slow answer) is processed once.

Every POST form carries a random ``_submission`` token (added by static/js/app.js). The first request
with a token claims it in the cache; when it ends in a redirect, the redirect is remembered, and any
repeat of the same token gets that same redirect instead of being processed again. A request that
fails (a form shown again with errors) releases its token, so the user can correct and resend.
"""

import time

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

FIELD = "_submission"
PENDING = "pending"
KEEP_SECONDS = 6 * 3600
WAIT_SECONDS = 15


class OnceOnlySubmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > 64:
            return self.get_response(request)
        user = getattr(request, "user", None)
        key = f"submission:{user.pk if user and user.is_authenticated else 'anon'}:{token}"
        if not cache.add(key, PENDING, KEEP_SECONDS):
            return self._repeat(key)
        try:
            response = self.get_response(request)
        except Exception:
            cache.delete(key)
            raise
        if isinstance(response, HttpResponseRedirect):
            cache.set(key, response.url, KEEP_SECONDS)
        else:
            cache.delete(key)
        return response

    def _repeat(self, key):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = cache.get(key)
            if outcome and outcome != PENDING:
                return HttpResponseRedirect(outcome)
            if outcome is None or time.monotonic() > deadline:
                # The first request failed or is still running: say so rather than store twice.
                return HttpResponse(
                    _("This form was already sent and is still being processed. Reload the page to see the result."),
                    status=409,
                    content_type="text/plain; charset=utf-8",
                )
            time.sleep(0.2)
