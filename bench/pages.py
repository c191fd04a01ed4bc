#!/usr/bin/env python
"""Benchmark: time every page of the URL configuration on an already seeded PostgreSQL database.

The list of pages is generated from the URL patterns (admin, login and logout aside), with real object ids:
a view's ``model`` (or, for function views, the model the path segment before ``<int:pk>`` names) gives the
newest row the account sees. Each page is asked as the first account, in ``ACCOUNTS`` order (widest scope
first), that gets a 200; list pages (views with a ``filterset_class``) are also asked with a search, a
filter, a sort and their last page. Every request goes through Django's test ``Client`` in this process
(the whole middleware stack, no network, no server), so the times are server times.

Each case is asked once to warm up and then ``--repeat`` times; p50 and p95 of the wall time around
``client.get`` (the response body read included), the number of SQL queries (counted with a connection
execute wrapper, not the DEBUG cursor, which would add its own cost), and the size of the body. The
framework floor is a view making one query, behind the same middleware and login, measured in the same
run; each page's ratio is its p50 over the floor's p50.

Rows the demo does not hold (a finished report job, bulletins, an attached file, a session in progress, a
feed secret) are made once by ``bench/rows.py``'s ``bench_rows(users)`` before the pages are listed, so that
their pages are measured with real ids too.

Report builds (the reports app) are timed by the same run when ``bench/reports.py`` defines
``bench_cases(users) -> iterable of (label, callable)``: ``users`` maps the demo usernames to accounts,
and each callable builds one report (its time, queries and returned size, if bytes, are recorded).

    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/studycenter_bench_county \
        [--scale county] [--repeat 15] [--only sessions] [--json var/bench/county.json]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import logging
import os
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from bench import rows  # noqa: E402  (after the path: the script runs from bench/)

# The widest scope first: the auditor sees the prefecture (region), staff their county.
ACCOUNTS = ("auditor", "staff", "inspector", "secretary", "member")
SEARCH_TERM = "学习"
SKIPPED_NAMES = {"logout", "login"}
# Path segments whose model name is not simply the segment in the singular.
SEGMENT_MODELS = {
    "people": "core.person",
    "orgs": "core.orgunit",
    "groups": "core.studygroup",
    "memberships": "core.membership",
    "attachments": "core.attachment",
    "self-study": "studygroups.selfstudy",
    "exams": "studygroups.examscore",
    "research": "studygroups.researchtopic",
    "readings": "studygroups.requiredreading",
    "sessions": "studygroups.studysession",
    "plans": "studygroups.plan",
    "topics": "studygroups.plantopic",
    "attendance": "studygroups.attendance",
    "checkin": "studygroups.studysession",
    "scorecards": "inspections.scoretemplate",
    "rectification": "inspections.finding",
    "reports": "reports.reportjob",
    "group": "core.studygroup",
    "org": "core.orgunit",
}
# Path words whose value is not an id: the first value a user would open.
WORD_KWARGS = {"kind": "groups", "action": "start"}
# Integer path words that are values, not ids: (year, half) of a half-year narrative, the last year with data.
INT_WORDS = {"year": lambda: _data_year(), "half": lambda: 2}
# Rows a page needs beyond "visible": {url name: filter on the model's visible rows}.
ROW_FILTERS = {
    "studygroups:makeup_record": {"status__in": ("absent", "leave")},
    "reports:narrative_org": {"kind": "county"},  # a county's half-year narrative
    "studygroups:checkin": {"title": rows.BENCH_SESSION_TITLE},
    "reports:bulletin_download": {"title": rows.BENCH_PUBLISHED_TITLE},
}
# Rows bench/rows.py made for one page, set aside for the others (an empty session in progress is not the
# newest session a user would open).
SET_ASIDE = {
    "studygroups.studysession": {"title": rows.BENCH_SESSION_TITLE},
    "reports.bulletin": {"title": rows.BENCH_PUBLISHED_TITLE},
}


@dataclass
class Result:
    label: str
    url: str
    account: str
    status: int
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    queries: int = 0
    bytes: int = 0
    ratio: float = 0.0
    kind: str = "page"
    note: str = ""
    samples: list[float] = field(default_factory=list, repr=False)


def walk(patterns, prefix="", namespace=""):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def page_patterns():
    """(route, url name, pattern) of every page the URL configuration exposes, admin aside."""
    from django.urls import get_resolver

    return [
        (route, name, pattern)
        for route, name, pattern in walk(get_resolver().url_patterns)
        if not route.startswith("admin/") and name not in SKIPPED_NAMES
    ]


def _model_named(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _model_of_segment(segment: str, app_label: str = ""):
    """The model a path word names: SEGMENT_MODELS, else the shortest model name ending in the word's singular,
    the view's own app first (outreach/visits/ is an exchange visit, inspections/visits/ an inspection visit)."""
    from django.apps import apps

    if segment in SEGMENT_MODELS:
        return _model_named(SEGMENT_MODELS[segment])
    singular = re.sub(r"s$", "", segment.replace("-", ""))
    matches = [
        m for m in apps.get_models() if m._meta.model_name.endswith(singular) and "historical" not in m._meta.model_name
    ]
    own = [m for m in matches if m._meta.app_label == app_label]
    return min(own or matches, key=lambda m: len(m._meta.model_name)) if matches else None


def kwarg_models(route: str, pattern) -> dict[str, object]:
    """The model each integer keyword of the route names: the view's model for ``pk``, the keyword's own word
    for the others (``attachment_pk``, ``column_id``), else the path word before it."""
    view_class = getattr(pattern.callback, "view_class", None)
    app_label = pattern.callback.__module__.split(".")[0]
    segments = [s for s in route.split("/") if s]
    found = {}
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"<int:(\w+)>", segment)
        if not match:
            continue
        kwarg = match.group(1)
        model = None
        if kwarg == "pk" and view_class is not None and getattr(view_class, "model", None) is not None:
            # A view nested under another object (/plans/<plan_pk>/topics/new/) has its model on "pk" only.
            model = view_class.model
        elif kwarg != "pk":
            model = _model_of_segment(re.sub(r"_(pk|id)$", "", kwarg), app_label)
        if model is None and index > 0:
            model = _model_of_segment(segments[index - 1], app_label)
        found[kwarg] = model
    return found


def _data_year() -> int:
    """The last finished year of the seeded records (the demo holds three years up to today)."""
    from django.utils import timezone

    return timezone.localdate().year - 1


def visible(model, user):
    manager = model._default_manager
    return manager.visible_to(user) if hasattr(manager.all(), "visible_to") else manager.all()


def build_kwargs(route, name, pattern, user) -> tuple[dict | None, str]:
    """Real ids for the route's keywords as this user sees them, or None and why not."""
    from core.registry import history_models

    kwargs: dict = {}
    if "<str:model_name>" in route:
        # The history page of the registered model with the newest visible row.
        for model in history_models.models():
            entry_name = history_models.name_of(model)
            row = visible(model, user).order_by("-pk").values_list("pk", flat=True).first()
            if row is not None:
                return {"model_name": entry_name, "pk": row}, ""
        return None, "no history row"
    for kwarg, model in kwarg_models(route, pattern).items():
        if kwarg in INT_WORDS:
            kwargs[kwarg] = INT_WORDS[kwarg]()
            continue
        if model is None:
            return None, f"no model for <{kwarg}>"
        candidates = visible(model, user)
        if name in ROW_FILTERS:
            candidates = candidates.filter(**ROW_FILTERS[name])
        elif model._meta.label_lower in SET_ASIDE:
            candidates = candidates.exclude(**SET_ASIDE[model._meta.label_lower])
        pk = candidates.order_by("-pk").values_list("pk", flat=True).first()
        if pk is None:
            return None, f"no visible {model._meta.model_name}"
        kwargs[kwarg] = pk
    # Other words in the path: the values a user would open (the autocomplete's kinds), else skipped with why.
    for converter, kwarg in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        if converter == "int" or kwarg in kwargs or kwarg in ("model_name", "token"):
            continue
        if kwarg not in WORD_KWARGS:
            return None, f"no value for <{kwarg}>"
        kwargs[kwarg] = WORD_KWARGS[kwarg]
    if "<str:token>" in route:
        kwargs["token"] = TOKENS[name](user, kwargs)
    return kwargs, ""


def _checkin_token(user, kwargs) -> str:
    from studygroups.models import StudySession
    from studygroups.services.checkin import make_checkin_token

    return make_checkin_token(StudySession.objects.get(pk=kwargs["pk"]))


def _feed_token(user, kwargs) -> str:
    from outreach.services import feed_token_for

    return feed_token_for(user).token


# The secret a route's <str:token> takes, for this user and the route's other keywords.
TOKENS = {"studygroups:checkin": _checkin_token, "outreach:feed": _feed_token}


def list_variants(pattern, user) -> list[tuple[str, dict]]:
    """For a list page: the search, one filter, one sort and the last page, as query parameters."""
    from django.test import RequestFactory
    from django.utils import timezone

    view_class = getattr(pattern.callback, "view_class", None)
    filterset_class = getattr(view_class, "filterset_class", None)
    if filterset_class is None:
        return []
    variants = []
    request = RequestFactory().get("/")
    request.user = user
    filterset = filterset_class(data={}, queryset=filterset_class._meta.model._default_manager.none(), request=request)
    fields = filterset.form.fields
    if "q" in fields:
        variants.append(("search", {"q": SEARCH_TERM}))
    chosen = _filter_value(fields, timezone.localdate())
    if chosen:
        variants.append(("filter", chosen))
    table_class = getattr(view_class, "table_class", None)
    if table_class is not None:
        for column_name, column in table_class.base_columns.items():
            if column.orderable is not False and column_name not in ("actions",):
                variants.append(("sort", {"sort": f"-{column_name}"}))
                break
    variants.append(("last page", {"page": "last"}))  # replaced by the number the page links to, see run()
    return variants


def _filter_value(fields, today) -> dict:
    from django import forms

    for name, form_field in fields.items():
        if name == "q":
            continue
        if isinstance(form_field, forms.ModelChoiceField):
            pk = form_field.queryset.values_list("pk", flat=True).first()
            if pk is not None:
                return {name: str(pk)}
        elif isinstance(form_field, forms.NullBooleanField):
            return {name: "true"}
        elif isinstance(form_field, forms.ChoiceField):
            values = [str(value) for value, _label in form_field.choices if value not in ("", None)]
            if values:
                return {name: values[0]}
    for name, form_field in fields.items():
        if name == "year" or isinstance(form_field, forms.IntegerField):
            return {name: str(today.year)}
    return {}


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def last_page(client, url) -> str:
    """The highest page number the list's pagination links to (1 when it has one page)."""
    html = client.get(url).content.decode()
    return str(max([1, *(int(n) for n in re.findall(r"[?&;]page=(\d+)", html))]))


def _body_size(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(client, url, params, repeat: int) -> tuple[int, list[float], int, int]:
    """(status, times in ms, queries of one request, body size) of ``repeat`` GETs after a warm-up."""
    from django.db import connection

    response = client.get(url, params)
    status = response.status_code
    size = _body_size(response)
    if status != 200:
        return status, [], 0, size
    samples = []
    queries = 0
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            response = client.get(url, params)
            size = _body_size(response)
            samples.append((time.perf_counter() - started) * 1000)
        queries = max(queries, counter.count)
    return status, samples, queries, size


def timed_call(function, repeat: int) -> tuple[list[float], int, int]:
    from django.db import connection

    result = function()
    samples = []
    queries = 0
    for _ in range(repeat):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = function()
            samples.append((time.perf_counter() - started) * 1000)
        queries = max(queries, counter.count)
    return samples, queries, len(result) if isinstance(result, bytes | str) else 0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _summarise(result: Result, samples: list[float]) -> Result:
    result.samples = samples
    result.p50_ms = round(statistics.median(samples), 1) if samples else 0.0
    result.p95_ms = round(percentile(samples, 0.95), 1)
    return result


def run(args) -> dict:
    import django

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(BASE_DIR))
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from core.models import User

    # Not setup_test_environment(): its instrumented template rendering would add its own cost.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per force_login otherwise
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 403s of narrower accounts tried first
    settings.ROOT_URLCONF = "bench.urls"  # the site's URLs plus the framework-floor view
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    missing = [name for name in ACCOUNTS if name not in users]
    if missing:
        raise SystemExit(f"bench: demo accounts missing ({', '.join(missing)}): seed the database first")
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    anonymous = Client()
    from config.runtime import tune_gc

    tune_gc()  # as config/wsgi.py does in each server process

    results: list[Result] = []
    floor_account = ACCOUNTS[0]
    status, samples, queries, size = measure(clients[floor_account], "/__bench_floor__/", {}, args.repeat * 2)
    floor = _summarise(
        Result(
            "framework floor (one query)",
            "/__bench_floor__/",
            floor_account,
            status,
            queries=queries,
            bytes=size,
            kind="floor",
        ),
        samples,
    )
    results.append(floor)

    rows.bench_rows(users)  # what the demo does not hold (a finished report job, bulletins, a file...), for their ids
    for route, name, pattern in page_patterns():
        if args.only and args.only not in route and args.only not in name:
            continue
        chosen = None
        notes = []
        for username in ACCOUNTS:
            user = users[username]
            kwargs, why = build_kwargs(route, name, pattern, user)
            if kwargs is None:
                notes.append(f"{username}: {why}")
                continue
            url = reverse(name, kwargs=kwargs)
            response = clients[username].get(url)
            if response.status_code == 200:
                chosen = (username, url)
                break
            notes.append(f"{username}: {response.status_code}")
        if chosen is None and name == "healthz":
            chosen = ("anonymous", reverse(name))
        if chosen is None:
            results.append(Result(name, route, "-", 0, kind="skipped", note="; ".join(notes)))
            continue
        username, url = chosen
        client = anonymous if username == "anonymous" else clients[username]
        cases = [("", {})] + list_variants(pattern, users.get(username, users[ACCOUNTS[0]]))
        for variant, params in cases:
            if params.get("page") == "last":
                params = {"page": last_page(client, url)}
            status, samples, queries, size = measure(client, url, params, args.repeat)
            query = "&".join(f"{k}={v}" for k, v in params.items())
            label = name if not variant else f"{name} ({variant})"
            result = Result(label, url + (f"?{query}" if query else ""), username, status, queries=queries, bytes=size)
            result.kind = "list" if variant or cases[1:] else "page"
            results.append(_summarise(result, samples))
        print(f"bench: {url} as {username}: {results[-len(cases)].p50_ms} ms", flush=True)

    results.extend(report_cases(users, args.repeat))
    for result in results:
        if floor.p50_ms and result.p50_ms:
            result.ratio = round(result.p50_ms / floor.p50_ms, 1)
    return {
        "scale": args.scale,
        "database": args.database_url.rsplit("/", 1)[-1],
        "repeat": args.repeat,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "counts": table_counts(),
        "results": [{k: v for k, v in asdict(r).items() if k != "samples"} for r in results],
    }


def _bench_reports():
    try:
        return importlib.import_module("bench.reports")
    except ModuleNotFoundError:
        return None


def report_cases(users, repeat: int) -> list[Result]:
    """Report builds from bench/reports.py (``bench_cases(users)``), when the reports app provides it."""
    cases = getattr(_bench_reports(), "bench_cases", None)
    if cases is None:
        return []
    results = []
    for label, function in cases(users):
        try:
            samples, queries, size = timed_call(function, repeat)
        except Exception as error:  # a failing build is reported, not fatal to the page figures
            results.append(Result(label, "-", "-", 0, kind="report", note=f"failed: {error!r}"))
            continue
        results.append(_summarise(Result(label, "-", "-", 200, queries=queries, bytes=size, kind="report"), samples))
    return results


def table_counts() -> dict[str, int]:
    from core.models import Person, StudyGroup
    from studygroups.models import Attendance, StudySession

    return {
        "groups": StudyGroup.objects.count(),
        "people": Person.objects.count(),
        "sessions": StudySession.objects.count(),
        "attendance rows": Attendance.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--scale", default="county")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default="", help="only routes or url names containing this")
    parser.add_argument("--json", default="", help="write the results here")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")) or "bench" not in args.database_url:
        parser.error("give the seeded bench database: --database-url postgres://.../studycenter_bench_...")
    data = run(args)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1))
    for row in sorted(data["results"], key=lambda r: -r["p95_ms"])[:15]:
        print(f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['queries']:4d} {row['bytes']:8d}  {row['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
