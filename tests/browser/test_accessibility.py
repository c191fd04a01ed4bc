"""WCAG 2.1 A and AA, checked by axe-core (vendored in static/vendor/axe-core/) in real Chromium.

Every kind of page of the URL configuration is opened once, in the demo region, as the first of the demo roles
that the page serves (the secretary, the member, staff, the inspector, the auditor, then a superuser); the
login, 403 and 404 pages as well. Any violation of a WCAG 2.0/2.1 A or AA rule fails the test, listed with
the rule, the page and the elements concerned.
"""

import pytest
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import login
from tests.test_pages_in_chinese import page_urls, small_world

pytestmark = pytest.mark.browser

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLE_ORDER = ["secretary", "member", "staff", "inspector", "auditor", "superuser"]


def axe_violations(page, live_server) -> list[str]:
    """Run axe on the page as it stands; one line per violated rule and element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=live_server.url + static("vendor/axe-core/axe.min.js"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '').splitlines()[-1:]}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def _pages_by_role(accounts) -> dict[str, list[str]]:
    """One URL per kind of page (URL name), given to the first role that gets the page itself (200, HTML)."""
    clients = {}
    for role in ROLE_ORDER:
        clients[role] = Client()
        clients[role].force_login(accounts[role])
    chosen: dict[str, list[str]] = {role: [] for role in ROLE_ORDER}
    seen_routes = set()
    for url in page_urls(accounts):
        kind = url.split("?")[0]
        # History pages are one kind of page, whatever record they show.
        key = "/history/" if kind.startswith("/history/") else kind
        if key in seen_routes:
            continue
        for role in ROLE_ORDER:
            response = clients[role].get(url)
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                chosen[role].append(url)
                seen_routes.add(key)
                break
    return chosen


def _checkin_url(member) -> str:
    import datetime

    from django.utils import timezone

    from studygroups.models import StudySession
    from studygroups.services.checkin import make_checkin_token
    from tests.studygroups.factories import StudySessionFactory

    group = StudySession.objects.visible_to(member).order_by("pk").first().study_group
    session = StudySessionFactory(study_group=group, starts_at=timezone.now() + datetime.timedelta(minutes=10))
    return reverse("studygroups:checkin", args=[session.pk, make_checkin_token(session)])


def test_axe_finds_a_planted_violation(transactional_db, live_server, page_factory):
    """The check itself works: an image without a text alternative and grey-on-white text are found."""
    page = page_factory()
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = 'data:,'; document.body.append(img);"
        " const p = document.createElement('p'); p.textContent = '浅色文字'; p.style.color = '#bbb';"
        " document.body.append(p); }"
    )
    found = " ".join(axe_violations(page, live_server))
    assert "image-alt" in found and "color-contrast" in found


@pytest.mark.slow
def test_every_kind_of_page_meets_wcag_21_aa(transactional_db, live_server, page_factory, settings, tmp_path):
    accounts = small_world(settings, tmp_path)
    for user in accounts.values():
        user.set_password("pw-for-a11y-1")
        user.save()
    chosen = _pages_by_role(accounts)
    assert sum(len(urls) for urls in chosen.values()) >= 45, chosen

    failures = []
    anonymous = page_factory()
    for url in (reverse("login"), "/no-such-page/"):
        anonymous.goto(live_server.url + url)
        failures += [f"anonymous {url}: {v}" for v in axe_violations(anonymous, live_server)]
    for role, urls in chosen.items():
        page = page_factory()
        login(page, live_server, role, "pw-for-a11y-1")
        for url in urls:
            page.goto(live_server.url + url)
            failures += [f"{role} {url}: {v}" for v in axe_violations(page, live_server)]
    # A 403 page from a real refusal, and the member's view of the menu on a phone (the collapsed bar).
    member = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(member, live_server, "member", "pw-for-a11y-1")
    member.goto(live_server.url + reverse("studygroups:orgunit_create"))
    assert member.locator("h1").inner_text() == "无权访问此页面"
    failures += [f"member 403: {v}" for v in axe_violations(member, live_server)]
    member.click(".navbar-toggler")
    member.locator("#mainnav").wait_for(state="visible")
    failures += [f"member menu on a phone: {v}" for v in axe_violations(member, live_server)]
    # The check-in confirmation a member opens from the QR code, for a session starting in ten minutes.
    member.goto(live_server.url + _checkin_url(accounts["member"]))
    assert member.locator("form button[type=submit]").count() >= 1
    failures += [f"member check-in on a phone: {v}" for v in axe_violations(member, live_server)]
    # A list with its export links, as cards on a phone.
    secretary = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(secretary, live_server, "secretary", "pw-for-a11y-1")
    secretary.goto(live_server.url + reverse("studygroups:session_list"))
    failures += [f"secretary session list on a phone: {v}" for v in axe_violations(secretary, live_server)]
    assert failures == [], "\n".join(failures)


def _contrast(page, selector: str) -> float:
    """WCAG contrast ratio of an element's text colour against the first opaque background behind it."""
    return page.evaluate(
        """selector => {
        const parse = c => c.match(/[\\d.]+/g).map(Number);
        const lum = ([r, g, b]) => {
            const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const el = document.querySelector(selector);
        let bg = null;
        for (let n = el; n && !bg; n = n.parentElement) {
            const c = parse(getComputedStyle(n).backgroundColor);
            if (c.length < 4 || c[3] === 1) bg = c;
            if (c.length === 4 && c[3] === 0) continue;
        }
        bg = bg || [255, 255, 255];
        const [l1, l2] = [lum(parse(getComputedStyle(el).color)), lum(bg)].sort((a, b) => b - a);
        return (l1 + 0.05) / (l2 + 0.05);
    }""",
        selector,
    )


def test_the_red_bar_reads_well_and_shows_the_keyboard_focus(transactional_db, world, live_server, page_factory):
    page = page_factory()
    login(page, live_server, "secretary", "pw-for-tests-1")
    # Was 2.27:1 with Bootstrap's translucent navbar links; WCAG AA asks 4.5:1.
    assert _contrast(page, "nav .navbar-nav .nav-link") >= 4.5
    assert _contrast(page, "nav .navbar-brand") >= 4.5
    assert _contrast(page, "nav .navbar-text") >= 4.5
    # Tab from the top: the skip link first, then the brand on the bar gets a solid white ring.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
    page.keyboard.press("Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert ring == ["navbar-brand", "solid", "3px", "rgb(255, 255, 255)"]


def test_unselected_late_and_leave_buttons_read_well(transactional_db, world, live_server, page_factory):
    """The attendance choices as outline buttons: was 1.63:1 ("late") and 1.95:1 ("on leave")."""
    page = page_factory()
    login(page, live_server, "secretary", "pw-for-tests-1")
    page.evaluate(
        "() => { for (const kind of ['warning', 'info', 'success', 'danger', 'secondary']) {"
        " const b = document.createElement('label'); b.className = 'btn btn-sm btn-outline-' + kind;"
        " b.id = 'probe-' + kind; b.textContent = '迟到'; document.querySelector('main').append(b); } }"
    )
    for kind in ("warning", "info", "success", "danger", "secondary"):
        assert _contrast(page, f"#probe-{kind}") >= 4.5, kind
