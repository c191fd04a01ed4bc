"""Every page, as every role and signed out, answers in Chinese to a browser that asks for English.

The pages come from the URL configuration (Django's admin aside), so a page added later is crawled too; the
ids in their URLs are real records of the demo region (seed_demo's build, which every app's demo step fills),
picked among those the member, else the secretary, else staff can see, so that most answers are the page
itself rather than a refusal. A page must not fail (5xx), and its visible text (text, titles, labels,
placeholders) must hold no English source string of the catalogue: an untranslated string is shown in
English exactly as its msgid reads.
"""

import datetime
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import registry

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ENGLISH = "en-US,en;q=0.9"
ROLES = ["anon", "staff", "inspector", "secretary", "member", "auditor", "superuser"]
SKIPPED_PREFIXES = ("admin/",)  # Django's own admin, translated by Django
# URL words that do not name their model by themselves.
URL_WORDS = {
    "people": "person",
    "groups": "studygroup",
    "checkin": "studysession",
    "org": "orgunit",
    "rectification": "finding",
    "reports": "reportjob",
    "scorecards": "scoretemplate",
}
# Numbers in URLs that are not ids: the current year, its first half, its first month.
NOT_IDS = {"year": lambda: datetime.date.today().year, "half": lambda: 1, "month": lambda: 1}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%\([^)]*\)\.\d+f|%[sd]|\{\w*\}")


# ---- What counts as an English source string on a page -----------------------------------------


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside scripts and styles, and the labelling attributes."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        values = dict(attrs)
        self.nodes += [values[a] for a in self.ATTRIBUTES if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.nodes.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


@cache
def _source_strings() -> tuple[frozenset[str], tuple[tuple[str, re.Pattern], ...]]:
    """The catalogue's English ids that a page would show if left untranslated.

    Ids translated as themselves (abbreviations, names) and ids without a Latin letter are left out. An id is
    found when a text node is exactly that id; a longer id (two words or more, ten characters or more) also
    inside a longer node; an id with placeholders by its fixed parts, when they make up ten letters or more.
    Short ids are thus never found inside data that happens to contain them ("member" in a user name).
    """
    exact, patterns = set(), []
    for entry in polib.pofile(str(PO)):
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            msgid = " ".join(msgid.split())
            translated = entry.msgstr or entry.msgstr_plural.get(0, "")
            if msgid == " ".join(translated.split()) or not re.search(r"[A-Za-z]{2}", msgid):
                continue
            parts = [p for p in PLACEHOLDER.split(msgid)]
            if len(parts) > 1:
                if sum(len(re.findall(r"[A-Za-z]", p)) for p in parts) >= 10:
                    patterns.append((msgid, re.compile(".+?".join(re.escape(p) for p in parts))))
            elif " " in msgid and len(msgid) >= 10:
                patterns.append((msgid, re.compile(re.escape(msgid))))
            else:
                exact.add(msgid)
    return frozenset(exact), tuple(patterns)


def english_left_in(html: str) -> list[str]:
    """The catalogue ids shown untranslated in a page's visible text."""
    parser = _VisibleText()
    parser.feed(html)
    exact, patterns = _source_strings()
    found = [node for node in parser.nodes if node in exact]
    for msgid, pattern in patterns:
        if any(pattern.search(node) for node in parser.nodes):
            found.append(msgid)
    return sorted(set(found))


ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{3,}[ ,'-]+[A-Za-z]{3,}\b")


def english_words_in(html: str) -> list[str]:
    """Visible text with two English words in a row: strings from outside the catalogue (a library's)."""
    parser = _VisibleText()
    parser.feed(html)
    return sorted({node for node in parser.nodes if ENGLISH_WORDS.search(node)})


def test_english_left_in_finds_untranslated_strings_but_not_data():
    page = (
        '<html><head><title>Log in</title><script>var s = "Your reflection is saved.";</script></head><body>'
        '<p>Your reflection is saved.</p><a aria-label="Close">×</a><span>member · 成员</span>'
        "<p>Attendance saved: 3 people's records changed.</p><p>学习秘书 Edit 表</p><p>保存</p></body></html>"
    )
    assert english_left_in(page) == [
        "Attendance saved: %(count)d people's records changed.",
        "Close",
        "Log in",
        "Your reflection is saved.",
    ]
    assert english_left_in("<p>登录</p><p>您的心得体会已保存。</p><p>PDF 文件</p><p>签到表.png</p>") == []
    assert english_words_in('<nav aria-label="Table navigation"><p>Word 或 Excel</p><p>PDF 文件</p></nav>') == [
        "Table navigation"
    ]


# ---- The pages --------------------------------------------------------------------------------------


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            for name, sub_route, pattern in _patterns(entry, route):
                yield (namespace + name if name else None), sub_route, pattern
        elif isinstance(entry, URLPattern):
            yield entry.name, route, entry


def _model_for(route: str, kwarg: str, pattern: URLPattern, namespace: str = ""):
    """The model whose id a URL's keyword names: from the keyword, the view's model, or the URL's words."""
    models = [
        m
        for m in apps.get_models()
        if Path(m._meta.app_config.path).is_relative_to(ROOT)
        and "site-packages" not in m._meta.app_config.path  # a virtualenv inside the checkout
        and not m.__name__.startswith("Historical")
    ]
    if kwarg != "pk":
        word = kwarg.removesuffix("_pk").removesuffix("_id")
        word = URL_WORDS.get(word, word)
    else:
        view_model = getattr(getattr(pattern.callback, "view_class", None), "model", None)
        if view_model is not None and not re.search(r"<int:\w+>.*<int:pk>", route):
            return view_model
        words = [w for w in route.split("<int:pk>")[0].split("/") if w and "<" not in w]
        word = URL_WORDS.get(words[-1], words[-1].removesuffix("s")).replace("-", "")
    # A word two apps use (plans, visits) names the model of the URL's own app (its namespace) first.
    own = [m for m in models if m._meta.app_label == namespace]
    found = []
    for candidates in (own, models):
        exact = [m for m in candidates if m._meta.model_name == word]
        found = exact or [m for m in candidates if m._meta.model_name.endswith(word)]
        if found:
            break
    assert len(found) == 1, f"{route}: cannot tell which model <{kwarg}> names ({found}); add it to URL_WORDS"
    return found[0]


def _a_record(model, accounts):
    """A record the member can see, else the secretary, else staff, else any."""
    manager = getattr(model, "objects", model._default_manager)
    for username in ("member", "secretary", "staff"):
        if hasattr(manager, "visible_to"):
            record = manager.visible_to(accounts[username]).order_by("pk").first()
            if record is not None:
                return record
    record = manager.order_by("pk").first()
    assert record is not None, f"the demo region has no {model._meta.label}: its app's demo step should make some"
    return record


def page_urls(accounts) -> list[str]:
    urls = []
    for name, route, pattern in _patterns():
        kwargs_in_route = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        if name is None:
            continue
        if not kwargs_in_route:
            urls.append(reverse(name))
            continue
        if name == "record_history":
            for history_name in registry.history_models._labels:
                record = _a_record(registry.history_models.get(history_name), accounts)
                urls.append(reverse(name, kwargs={"model_name": history_name, "pk": record.pk}))
            continue
        kwargs = {}
        for converter, kwarg in kwargs_in_route:
            if converter == "int" and kwarg in NOT_IDS:
                kwargs[kwarg] = NOT_IDS[kwarg]()
            elif converter == "int":
                kwargs[kwarg] = _a_record(_model_for(route, kwarg, pattern, name.partition(":")[0]), accounts).pk
            else:
                kwargs[kwarg] = "not-a-valid-token"  # a forwarded or stale link: answered with an explanation
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def small_world(settings, tmp_path) -> dict:
    """The demo region (every app's demo step), a superuser, and a file on a session the member attended."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from core.attachments import attachment_create
    from core.models import Attachment, User
    from demo import seed
    from studygroups.models import StudySession

    settings.MEDIA_ROOT = tmp_path / "media"
    seed.build("demo", seed=3, today=datetime.date.today())
    accounts = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    accounts["superuser"] = User.objects.create_superuser("superuser", password="pw-for-tests-1")
    _report_rows(accounts)
    _assessment_rows(accounts)
    if not Attachment.objects.exists():
        image = io.BytesIO()
        Image.new("RGB", (32, 24), "red").save(image, "PNG")
        session = StudySession.objects.visible_to(accounts["member"]).order_by("pk").first()
        upload = SimpleUploadedFile("签到表.png", image.getvalue())
        attachment_create(upload=upload, owner=session, user=accounts["secretary"])
    return accounts


def _assessment_rows(accounts) -> None:
    """The demo makes no assessment yet: last year's default scheme of the staff's county, computed and
    published, so that every role opens the results and a group its own row."""
    from django.utils import timezone

    from assessment import services
    from assessment.models import Run
    from core.models import StudyGroup

    if Run.objects.exists():
        return
    staff = accounts["staff"]
    scheme = services.scheme_create_default(county=staff.scope_unit, year=datetime.date.today().year - 1, user=staff)
    run = services.compute(scheme=scheme, cutoff=timezone.now(), user=staff)
    group = StudyGroup.objects.visible_to(accounts["secretary"]).order_by("pk").first()
    _adjustment, run = services.adjust(run=run, study_group=group, points=2, reason="承办全旗现场推进会", user=staff)
    services.publish(run=run, user=staff)


def _report_rows(accounts) -> None:
    """The demo makes no report job or bulletin (they are asked for by people): one of each, the bulletin
    published so every role below the county sees it. The job stays queued (its send waits for a commit)."""
    from core.models import StudyGroup
    from reports import bulletins, services
    from reports.models import Bulletin, ReportJob, ReportKind, SummaryNarrative

    staff, today = accounts["staff"], datetime.date.today()
    county = staff.scope_unit
    group = StudyGroup.objects.visible_to(accounts["secretary"]).order_by("pk").first()
    if not ReportJob.objects.exists():
        services.job_request(
            user=accounts["secretary"], kind=ReportKind.HALF_YEAR, year=today.year, half=1, org=group.unit,
            study_group=group,
        )  # fmt: skip
    if not Bulletin.objects.exists():
        bulletin = bulletins.bulletin_create(
            user=staff, org=county, year=today.year, title="关于中心组学习巡听情况的通报",
            period_start=today.replace(month=1, day=1), period_end=today,
        )  # fmt: skip
        bulletins.bulletin_approve(user=accounts["superuser"], bulletin_id=bulletin.pk)
        bulletins.bulletin_publish(user=staff, bulletin_id=bulletin.pk)
    if not SummaryNarrative.objects.exists():
        SummaryNarrative.objects.create(
            org=group.unit, study_group=group, year=today.year, half=1, opening="上半年，中心组按计划开展学习。",
            created_by=accounts["secretary"],
        )  # fmt: skip


@pytest.mark.slow
def test_every_page_as_every_role_is_chinese_to_an_english_browser(db, client, settings, tmp_path):
    accounts = small_world(settings, tmp_path)
    urls = page_urls(accounts)
    assert len(urls) >= 60, urls

    failures, answers = [], {}
    for role in ROLES:
        if role == "anon":
            client.logout()
        else:
            client.force_login(accounts[role])
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=ENGLISH)
            answers[role, url] = response.status_code
            if response.status_code >= 500:
                failures.append(f"{role} {url}: {response.status_code}")
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            if english := english_left_in(html):
                failures.append(f"{role} {url}: English {english}")
            if english := english_words_in(html):
                failures.append(f"{role} {url}: English words {english}")
            if "<html" in html and '<html lang="zh-hans">' not in html:
                failures.append(f"{role} {url}: not marked as Chinese")
    assert failures == [], "\n".join(failures)
    # The crawl reached the pages themselves, not only refusals: each role opens its own share.
    opened = {role: sum(1 for (r, _u), code in answers.items() if r == role and code == 200) for role in ROLES}
    assert opened["anon"] <= 3  # the login page and the health check; the rest send to the login page
    assert all(opened[role] >= 10 for role in ROLES if role != "anon"), opened
    assert opened["superuser"] >= len(urls) * 0.8, opened
