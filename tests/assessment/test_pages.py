"""The assessment's pages: schemes, compute, the results table and its export, a group's row, adjust,
publish and the recompute diff, as each role sees them."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import services
from assessment.models import Adjustment, Result, Run, RunComparison, Scheme
from core.models import OrgUnit
from studygroups.models import Attendance, ResearchTopic
from tests.assessment.conftest import CUTOFF, HAND_LINES, YEAR, hand_values, make_scheme
from tests.factories import OrgUnitFactory, StudyGroupFactory
from tests.studygroups.factories import AttendanceFactory, ResearchTopicFactory, StudySessionFactory, local
from tests.studygroups.test_list_queries import _fill

pytestmark = pytest.mark.django_db
D = Decimal
EXPECTED_DIFF = 8  # the diff page showing a stored comparison, as staff (broken down in its test)


@pytest.fixture
def run(world, county, stubs):
    hand_values(stubs, county)
    scheme = make_scheme(county.county, HAND_LINES)
    return services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)


def _result(run, group):
    return Result.objects.get(run=run, study_group=group)


def test_the_results_table_links_each_score_to_its_records(client_as, run, county):
    page = client_as("staff").get(reverse("assessment:run_detail", args=[run.pk])).content.decode()
    # A's sessions score (40.00) links to the stub's filtered records list for A and the year.
    assert f'<a href="/records/s/?group={county.a.pk}&amp;year=2025"' in page
    assert "28.57" in page and "100.00" in page
    assert 'id="publish"' in page


def test_the_secretary_sees_nothing_before_publishing_and_only_their_row_after(client_as, run, county, world):
    secretary = client_as("secretary")
    assert secretary.get(reverse("assessment:run_detail", args=[run.pk])).status_code == 404
    assert secretary.get(reverse("assessment:result_detail", args=[_result(run, county.a).pk])).status_code == 404
    services.publish(run=run, user=world.users.staff)
    page = secretary.get(reverse("assessment:run_detail", args=[run.pk])).content.decode()
    assert str(county.a) in page and str(county.b) not in page and str(county.c) not in page
    assert secretary.get(reverse("assessment:result_detail", args=[_result(run, county.b).pk])).status_code == 404
    assert secretary.get(reverse("assessment:result_detail", args=[_result(run, county.a).pk])).status_code == 200


def test_another_county_gets_404(client_as, run, county):
    outsider = client_as("outsider")
    for url in (
        reverse("assessment:run_detail", args=[run.pk]),
        reverse("assessment:run_diff", args=[run.pk]),
        reverse("assessment:result_detail", args=[_result(run, county.a).pk]),
        reverse("assessment:scheme_detail", args=[run.scheme_id]),
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.get(reverse("assessment:run_diff_status", args=[run.pk])).status_code == 404
    assert outsider.post(reverse("assessment:run_diff", args=[run.pk])).status_code == 404
    assert not RunComparison.objects.exists()


def test_staff_adjust_with_a_reason_shown_beside_the_score(client_as, run, county, world):
    staff = client_as("staff")
    url = reverse("assessment:result_adjust", args=[_result(run, county.b).pk])
    staff.post(url, {"points": "-3", "reason": ""})
    assert not Adjustment.objects.exists()
    response = staff.post(url, {"points": "-3", "reason": "学习记录不完整"}, follow=True)
    page = response.content.decode()
    assert "学习记录不完整" in page and "25.57" in page  # 28.57 − 3
    assert Adjustment.objects.get().history.get().history_user == world.users.staff
    auditor = client_as("auditor")
    assert auditor.post(url, {"points": "1", "reason": "x"}).status_code == 403


def test_publish_asks_for_confirmation(client_as, run):
    staff = client_as("staff")
    url = reverse("assessment:run_publish", args=[run.pk])
    assert staff.get(url).status_code == 200
    staff.post(url, {})
    assert not Run.objects.get(pk=run.pk).is_published
    staff.post(url, {"confirm": "on"})
    assert Run.objects.get(pk=run.pk).is_published
    assert client_as("auditor").post(url, {"confirm": "on"}).status_code == 403


def test_compute_asks_for_the_cutoff_and_confirmation(client_as, world, county, stubs):
    hand_values(stubs, county)
    scheme = make_scheme(county.county, HAND_LINES)
    staff = client_as("staff")
    url = reverse("assessment:run_compute", args=[scheme.pk])
    staff.post(url, {"cutoff": "2026-01-10T12:00"})
    assert not Run.objects.exists()
    response = staff.post(url, {"cutoff": "2026-01-10T12:00", "confirm": "on"})
    run = Run.objects.get()
    assert response.url == reverse("assessment:run_detail", args=[run.pk])
    assert run.cutoff == CUTOFF and run.results.count() == 4


def test_a_used_scheme_refuses_edits_with_a_clear_message(client_as, run):
    staff = client_as("staff")
    url = reverse("assessment:scheme_detail", args=[run.scheme_id])
    page = staff.get(url).content.decode()
    assert 'id="scheme-form"' not in page and 'id="new-version"' in page
    response = staff.post(url, {"scheme-name": "改名"}, follow=True)
    assert "该方案已用于计算考核结果，不能再修改；请建立新版本。" in response.content.decode()
    assert Scheme.objects.get(pk=run.scheme_id).name == "考核"
    staff.post(reverse("assessment:scheme_new_version", args=[run.scheme_id]))
    assert Scheme.objects.filter(county=run.county, year=run.year).count() == 2


def test_an_unused_scheme_is_edited(client_as, world, county, stubs):
    scheme = make_scheme(county.county, HAND_LINES)
    rows = list(scheme.indicators.order_by("order"))
    data = {"scheme-name": "新方案", "scheme-pass_threshold": "65", "form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "3"}
    data.update({"form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"})
    for i, row in enumerate(rows):
        data.update(
            {
                f"form-{i}-id": str(row.pk),
                f"form-{i}-order": str(row.order),
                f"form-{i}-source": row.source,
                f"form-{i}-weight": "50" if i == 0 else str(row.weight),
                f"form-{i}-target": str(row.target),
                f"form-{i}-rule": row.rule,
                f"form-{i}-missing": row.missing,
                f"form-{i}-params": "{}",
            }
        )
    client_as("staff").post(reverse("assessment:scheme_detail", args=[scheme.pk]), data)
    scheme.refresh_from_db()
    assert (scheme.name, scheme.pass_threshold, scheme.full_score) == ("新方案", D(65), D(110))


def test_the_export_has_the_responsibility_system_columns(client_as, run, world, county):
    services.adjust(run=run, study_group=county.c, points=D(5), reason="=承办现场会", user=world.users.staff)
    run = Run.objects.order_by("-pk").first()
    response = client_as("staff").get(reverse("assessment:run_detail", args=[run.pk]), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "序号")
    assert header == [
        "序号", "单位", "中心组", "单位类型", "会议次数（40.00）", "出勤率（30.00）", "互动次数（30.00）",
        "指标得分", "加减分", "加减分理由", "总分", "全县排名", "同类单位排名", "等次",
    ]  # fmt: skip
    data = {r[2]: r for r in rows[rows.index(header) + 1 :] if r and r[0]}
    assert data[str(county.a)] == [
        1,
        "甲旗教育局",
        str(county.a),
        "县直部门",
        40,
        30,
        "不适用",
        100,
        0,
        None,
        100,
        1,
        1,
        "合格",
    ]
    # C: 55 + 5 = 60, level with D in both ranks; the reason stays inert text, never a formula.
    assert data[str(county.c)][7:] == [55, 5, "5.00：=承办现场会", 60, 2, 1, "合格"]


def _request_diff(client, run, capture):
    """POST "Recompute and compare" and run the queued task (eagerly, at the commit)."""
    with capture(execute=True):
        response = client.post(reverse("assessment:run_diff", args=[run.pk]))
    assert response.status_code == 302
    return RunComparison.objects.filter(run=run).order_by("-requested_at", "-pk").first()


def test_the_diff_page_names_the_changed_record(client_as, world, county, stubs, django_capture_on_commit_callbacks):
    session = StudySessionFactory(study_group=county.a, title="原标题")
    scheme = make_scheme(county.county, (("t.real_sessions", 100, 2, "proportional", "zero"),))
    run = services.publish(
        run=services.compute(scheme=scheme, cutoff=timezone.now(), user=world.users.staff), user=world.users.staff
    )
    session.title = "改过的标题"
    session._history_user = world.users.staff
    session.save()
    StudySessionFactory(study_group=county.a, title="发布后补录")
    auditor = client_as("auditor")
    url = reverse("assessment:run_diff", args=[run.pk])
    page = auditor.get(url).content.decode()
    assert "尚未进行过对比计算。" in page and 'id="diff-request"' in page and "改过的标题" not in page
    comparison = _request_diff(auditor, run, django_capture_on_commit_callbacks)
    assert comparison.status == RunComparison.Status.DONE and comparison.requested_by == world.users.auditor
    page = auditor.get(url).content.decode()
    assert f"/history/session/{session.pk}/" in page and "改过的标题" in page and str(world.users.staff) in page
    at = timezone.localtime(comparison.finished_at).strftime("%Y-%m-%d %H:%M")
    assert f"对比计算于 {at} 完成，由 {world.users.auditor} 发起。" in page
    # The numbers that would change, as the recompute in the request showed them.
    fresh = services.recompute_diff(run=run)
    assert [line.study_group for line in fresh.lines] == [county.a, county.a]
    for line in fresh.lines:
        label = line.indicator.label if line.indicator else "<strong>指标得分</strong>"
        assert (
            f"<tr><td>{line.study_group}</td><td>{label}</td><td>{line.old_value or '—'}</td>"
            f"<td>{line.new_value or '—'}</td><td>{line.old_score or '—'}</td><td>{line.new_score or '—'}</td></tr>"
        ) in page
    secretary = client_as("secretary")
    assert secretary.get(url).status_code == 403
    assert secretary.post(url).status_code == 403
    assert RunComparison.objects.count() == 1


def test_the_results_page_takes_the_same_queries_for_more_groups(client_as, world, county, stubs):
    hand_values(stubs, county)
    scheme = make_scheme(county.county, HAND_LINES)
    counts = []
    for extra in (0, 6):
        for i in range(extra):
            StudyGroupFactory(unit=OrgUnitFactory(parent=county.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"增镇{i}"))
        run = services.compute(scheme=scheme, cutoff=CUTOFF, user=world.users.staff)
        client = client_as("staff")
        for name in ("assessment:run_detail", "assessment:run_diff"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name, args=[run.pk])).status_code == 200
            counts.append((name, len(queries)))
    assert counts[:2] == counts[2:]


def test_the_results_table_is_paged_with_ranks_and_summary_over_the_whole_run(client_as, run, county, monkeypatch):
    """Totals A 100.00, D 60.00, C 55.00, B 28.57 (threshold 60): two passed, two failed, mean 243.57 / 4
    = 60.8925 → 60.89. Two rows a page: A and D (ranks 1, 2) first, then C and B (ranks 3, 4)."""
    from assessment import views

    monkeypatch.setattr(views, "RESULTS_PER_PAGE", 2)
    client = client_as("auditor")
    url = reverse("assessment:run_detail", args=[run.pk])
    summary = "共 4 个中心组：合格 2 个，不合格 2 个。 平均总分 60.89，最高 100.00，最低 28.57。"
    pages = {}
    for number in ("1", "2", "9"):  # past the end: the last page
        page = client.get(url, {"page": number}).content.decode()
        assert summary in page
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        pages[number] = [
            (rank, name) for rank, name in re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td><a [^>]*>([^<]+)</a>", body)
        ]
    assert pages["1"] == [("1", str(county.a)), ("2", str(county.d))]
    assert pages["2"] == pages["9"] == [("3", str(county.c)), ("4", str(county.b))]
    first = client.get(url).content.decode()
    assert "第 1 页，共 2 页" in first and 'href="?page=2"' in first
    # The export has every row, whatever the page.
    response = client.get(url, {"export": "xlsx", "page": "2"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sum(1 for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)) == 4


def test_the_summary_counts_only_the_rows_the_user_may_see(client_as, run, county, world):
    services.publish(run=run, user=world.users.staff)
    page = client_as("secretary").get(reverse("assessment:run_detail", args=[run.pk])).content.decode()
    # The secretary's own group only: A, 100.00.
    assert "共 1 个中心组：合格 1 个，不合格 0 个。 平均总分 100.00，最高 100.00，最低 100.00。" in page


LISTS = ["assessment:scheme_list", "assessment:run_list"]
ACCOUNTS = ("staff", "auditor", "secretary")
# Measured with rows on the page: {page: (staff, auditor, secretary)}; None where the role may not open it.
EXPECTED = {
    "assessment:scheme_list": (11, 9, None),
    "assessment:run_list": (9, 9, 8),
}


def _measure(client_as, page_queries, url):
    measured = []
    for account in ACCOUNTS:
        client = client_as(account)
        measured.append(page_queries(client, url) if client.get(url).status_code == 200 else None)
    return measured


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_is_exact_and_constant(client_as, page_queries, world, name):
    _fill(world, 1)
    measured = _measure(client_as, page_queries, reverse(name))
    _fill(world, 4)
    assert _measure(client_as, page_queries, reverse(name)) == measured, "the query count grows with the rows"
    assert tuple(measured) == EXPECTED[name]


def test_session_kinds_are_checkboxes_and_shown_in_chinese(client_as, world, county):
    """The real concentrated-sessions measure takes the kinds counted as ticked boxes, never raw JSON."""
    from assessment.models import SchemeIndicator

    scheme = Scheme.objects.create(county=county.county, year=2025, name="方案")
    row = SchemeIndicator.objects.create(
        scheme=scheme, source="studygroups.concentrated_sessions", weight=D(10), target=D(12), order=1
    )
    url = reverse("assessment:scheme_detail", args=[scheme.pk])
    staff = client_as("staff")
    page = staff.get(url).content.decode()
    assert "计入的学习形式" in page and 'type="checkbox" name="form-0-param_kinds" value="seminar"' in page
    assert "{&#x27;kinds&#x27;" not in page and '"kinds"' not in page
    data = {"scheme-name": "方案", "scheme-pass_threshold": "60", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1"}
    data.update({"form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000", "form-0-id": str(row.pk)})
    data.update({"form-0-order": "1", "form-0-source": row.source, "form-0-weight": "10", "form-0-target": "12"})
    data.update(
        {"form-0-rule": row.rule, "form-0-missing": row.missing, "form-0-param_kinds": ["concentrated", "seminar"]}
    )
    staff.post(url, data)
    row.refresh_from_db()
    assert row.params == {"kinds": ["concentrated", "seminar"]}
    assert row.params_display() == [("计入的学习形式", "集中学习、专题研讨")]


def _diff_queries(client, run, capture) -> tuple[int, str]:
    """(queries of the page showing the comparison just computed, the page)."""
    url = reverse("assessment:run_diff", args=[run.pk])
    _request_diff(client, run, capture)
    client.get(url)  # warm the caches (session, menu)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_the_diff_with_every_registered_measure_takes_a_fixed_number_of_queries(
    client_as, world, county, django_capture_on_commit_callbacks
):
    """The default scheme (every registered measure, records of eleven models): the recompute runs in the
    task (some twenty queries: each measure reads its own tables); the page reads the stored comparison and
    costs the same whatever it holds."""
    staff = world.users.staff
    scheme = services.scheme_create_default(county=county.county, year=YEAR, user=staff)
    run = services.publish(run=services.compute(scheme=scheme, cutoff=timezone.now(), user=staff), user=staff)
    client = client_as("staff")
    small = _diff_queries(client, run, django_capture_on_commit_callbacks)
    # Changes since publication in three history tables, and four more groups with sessions.
    session = StudySessionFactory(study_group=county.a, title="补录的会议", starts_at=local(YEAR, 3, 2))
    AttendanceFactory(session=session, person=world.home.member, status=Attendance.Status.PRESENT)
    topic = ResearchTopic.objects.filter(study_group=county.c).first() or ResearchTopicFactory(study_group=county.c)
    topic.title = "改过的调研题目"
    topic._history_user = staff
    topic.save()
    for i in range(4):
        group = StudyGroupFactory(unit=OrgUnitFactory(parent=county.county, kind=OrgUnit.Kind.TOWNSHIP, name=f"新{i}"))
        StudySessionFactory(study_group=group, starts_at=local(YEAR, 4, 1 + i))
    large, page = _diff_queries(client, run, django_capture_on_commit_callbacks)
    assert "补录的会议" in page and "改过的调研题目" in page and "出勤" in page
    # The page: request (session, user, scope), the run, the latest comparison, and the page's frame.
    assert (small[0], large) == (EXPECTED_DIFF, EXPECTED_DIFF) and EXPECTED_DIFF <= 15


def test_a_double_click_queues_one_comparison(client_as, run, django_capture_on_commit_callbacks):
    client = client_as("staff")
    url = reverse("assessment:run_diff", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302
    assert len(callbacks) == 1 and RunComparison.objects.filter(run=run).count() == 1
    comparison = RunComparison.objects.get(run=run)
    assert comparison.status == RunComparison.Status.QUEUED
    page = client.get(url).content.decode()
    assert 'id="diff-pending"' in page and "正在计算" in page and 'id="diff-request"' not in page
    assert reverse("assessment:run_diff_status", args=[run.pk]) in page and "assessment/diff-status.js" in page
    status = client.get(reverse("assessment:run_diff_status", args=[run.pk])).json()
    assert status == {"status": "queued", "status_label": "排队中", "error": ""}
    callbacks[0]()  # the commit: sent, and (eagerly) computed
    comparison.refresh_from_db()
    assert comparison.status == RunComparison.Status.DONE and comparison.finished_at is not None
    assert client.get(reverse("assessment:run_diff_status", args=[run.pk])).json()["status"] == "done"
    page = client.get(url).content.decode()
    assert 'id="diff-pending"' not in page and 'id="diff-lines"' in page and 'id="diff-request"' in page
    # Asked again once it is done: a new comparison.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert RunComparison.objects.filter(run=run, status=RunComparison.Status.DONE).count() == 2


def test_a_failed_comparison_is_shown_and_may_be_asked_again(
    client_as, run, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ValueError("指标来源缺失")

    recompute = services.recompute_diff
    monkeypatch.setattr(services, "recompute_diff", broken)
    client = client_as("staff")
    comparison = _request_diff(client, run, django_capture_on_commit_callbacks)
    assert comparison.status == RunComparison.Status.FAILED
    assert comparison.error == "对比计算失败：ValueError: 指标来源缺失"
    page = client.get(reverse("assessment:run_diff", args=[run.pk])).content.decode()
    assert 'id="diff-failed"' in page and "对比计算失败：ValueError: 指标来源缺失" in page
    assert 'id="diff-request"' in page and 'id="diff-lines"' not in page
    monkeypatch.setattr(services, "recompute_diff", recompute)
    assert _request_diff(client, run, django_capture_on_commit_callbacks).status == RunComparison.Status.DONE


def test_a_comparison_whose_worker_died_does_not_block_a_new_one(client_as, run, django_capture_on_commit_callbacks):
    client = client_as("staff")
    url = reverse("assessment:run_diff", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
    stuck = RunComparison.objects.get(run=run)
    stuck.status = RunComparison.Status.RUNNING
    stuck.requested_at = timezone.now() - datetime.timedelta(hours=1)
    stuck.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    stuck.refresh_from_db()
    assert stuck.status == RunComparison.Status.FAILED and "已停止" in stuck.error
    assert RunComparison.objects.filter(run=run, status=RunComparison.Status.DONE).count() == 1
