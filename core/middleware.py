"""Request middleware that keeps the site usable when a service fails.

``DatabaseUnavailableMiddleware``: while the database cannot be reached, every page answers a short
Chinese 503 page (``templates/503.html``) instead of a 500, and broken connections are closed so the
first request after the outage reconnects by itself.

``OnceOnlySubmissionMiddleware``: a form submitted twice (double click, resubmit after a slow answer) is
processed once. Every POST form carries a random ``_submission`` token (added by static/js/app.js). The
first request with a token claims it in the cache; when it ends in a redirect, the redirect is
remembered, and any repeat of the same token gets that same redirect instead of being processed again.
A request that fails (a form shown again with errors) releases its token, so the user can correct and
resend. When the cache (Redis) fails, the guard logs a warning and keeps its tokens in this process's
memory instead: logins and forms keep working, and a double click that reaches the same process is
still caught.
"""

import logging
import sys
import time

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

FIELD = "_submission"
PENDING = "pending"
KEEP_SECONDS = 6 * 3600
WAIT_SECONDS = 15
RETRY_AFTER_SECONDS = 30

submission_log = logging.getLogger("core.submission")
database_log = logging.getLogger("core.database")

# ---------------------------------------------------------------------------------------------
# Database outage


def _database_error(exc: BaseException | None) -> BaseException | None:
    """The connection error behind ``exc`` (itself or one it was raised from), if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _close_broken_connections() -> None:
    """Close connections the error left unusable, so the next request opens a fresh one.

    A connection inside an atomic block belongs to whoever opened the block (a test's transaction, a
    management command); its owner rolls back and closes it.
    """
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def _mark_database_error(sender, request=None, **kwargs) -> None:
    """Errors raised in other middleware become 500 responses before reaching ours: remember them."""
    if request is not None and _database_error(sys.exception()) is not None:
        request._database_unavailable = True


got_request_exception.connect(_mark_database_error, dispatch_uid="core.middleware.database_unavailable")


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers 503 with a page that itself needs no database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_database_unavailable", False):
            # Raised by a middleware (the user looked up before the view): the 500 becomes our page.
            _close_broken_connections()
            return self.unavailable(request)
        return response

    def process_exception(self, request, exception):
        error = _database_error(exception)
        if error is None:
            return None
        database_log.warning("Database unavailable for %s %s: %s", request.method, request.path, error)
        _close_broken_connections()
        return self.unavailable(request)

    @staticmethod
    def unavailable(request) -> HttpResponse:
        # No request context: context processors would look up the user in the database.
        html = render_to_string("503.html", {"retry_url": request.get_full_path() if request.method == "GET" else ""})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


# ---------------------------------------------------------------------------------------------
# Once-only submission

# Where tokens go while the shared cache fails: this process's memory.
_fallback = LocMemCache("core-submission-fallback", {"TIMEOUT": KEEP_SECONDS, "OPTIONS": {"MAX_ENTRIES": 10000}})


def _store(method: str, *args):
    """Call the shared cache; when it fails (Redis down or timing out), warn and use the fallback."""
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:
        submission_log.warning("Cache unavailable for the once-only submission guard, using process memory: %r", exc)
        return getattr(_fallback, method)(*args)


class OnceOnlySubmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > 64:
            return self.get_response(request)
        user = getattr(request, "user", None)
        key = f"submission:{user.pk if user and user.is_authenticated else 'anon'}:{token}"
        if not _store("add", key, PENDING, KEEP_SECONDS):
            return self._repeat(key)
        try:
            response = self.get_response(request)
        except Exception:
            _store("delete", key)
            raise
        if isinstance(response, HttpResponseRedirect):
            _store("set", key, response.url, KEEP_SECONDS)
        else:
            _store("delete", key)
        return response

    def _repeat(self, key):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = _store("get", key)
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
