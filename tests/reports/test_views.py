"""Report pages: asking, progress as JSON, download and the pack check, each through the scope."""

import hashlib
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Notification
from reports import services
from reports.models import JOB_DONE, ReportJob, ReportKind, SummaryNarrative

Status = ReportJob.Status


def _post_job(client, **data):
    data = {"kind": "year_end", "year": 2025, "format": "xlsx", **data}
    return client.post(reverse("reports:job_list"), {k: v for k, v in data.items() if v is not None})


def test_the_auditor_asks_for_a_pack_downloads_it_and_checks_it(county, client_as, django_capture_on_commit_callbacks):
    client = client_as("auditor")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_job(client, org=county.home.county.pk, format="zip")
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "reports/progress.js" in html and "<script>" not in html
    state = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert state["status"] == "done" and state["progress"] == 100 and state["download_url"]
    download = client.get(state["download_url"])
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and hashlib.sha256(body).hexdigest() == state["sha256"]
    assert "attachment" in download["Content-Disposition"]
    assert Notification.objects.filter(user=county.world.users.auditor, kind=JOB_DONE).count() == 1

    check = client_as("anon").post(reverse("reports:pack_check"), {"file": SimpleUploadedFile("p.zip", body)})
    assert "该副本未被改动" in check.content.decode() and state["sha256"] in check.content.decode()
    tampered = client.post(reverse("reports:pack_check"), {"file": SimpleUploadedFile("p.zip", body + b" ")})
    assert "没有与该 SHA-256 相符" in tampered.content.decode()


def test_asking_twice_while_queued_gives_the_same_job(county, client_as, django_capture_on_commit_callbacks):
    client = client_as("staff")
    with django_capture_on_commit_callbacks(execute=False):
        _post_job(client, org=county.home.county.pk)
        second = _post_job(client, org=county.home.county.pk)
    assert ReportJob.objects.count() == 1 and second.url == ReportJob.objects.get().get_absolute_url()


def test_outsiders_get_404_for_a_job_its_status_and_its_file(county, client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.job_request(
            user=county.world.users.auditor, kind=ReportKind.YEAR_END, year=2025, format="xlsx", org=county.home.county
        )
    for account in ("outsider", "member", "secretary"):
        client = client_as(account)
        for name in ("job_detail", "job_status", "job_download"):
            assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404, (account, name)
    anon = client_as("anon")
    assert anon.get(reverse("reports:job_download", args=[job.pk])).status_code == 302  # to the login page


def test_roles_ask_only_for_what_policy_and_scope_allow(county, client_as, django_capture_on_commit_callbacks):
    home, other = county.home, county.world.other
    with django_capture_on_commit_callbacks(execute=False):
        # A member may not ask for a year-end pack (not a choice), nor for a colleague's archive.
        member = client_as("member")
        assert _post_job(member, org=home.county.pk).status_code == 200
        assert _post_job(member, kind="archive", person=home.leader.pk).status_code == 200
        assert _post_job(member, kind="archive", person=home.member.pk, format="zip").status_code == 302
        # A secretary: their own group's summary, not the other county's group, not a county-wide one.
        secretary = client_as("secretary")
        assert _post_job(secretary, kind="half_year", half=1, study_group=other.dept_group.pk).status_code == 200
        assert _post_job(secretary, kind="half_year", half=1, org=home.county.pk).status_code == 200
        assert (
            _post_job(secretary, kind="half_year", half=1, study_group=home.dept_group.pk, format="pdf").status_code
            == 302
        )
        # Staff of the other county cannot name this county.
        assert _post_job(client_as("outsider"), org=home.county.pk).status_code == 200
    jobs = ReportJob.objects.order_by("pk")
    assert [(j.kind, j.person_id, j.study_group_id) for j in jobs] == [
        ("archive", home.member.pk, None),
        ("half_year", None, home.dept_group.pk),
    ]
    assert jobs[1].org == home.dept


def test_the_narrative_is_edited_by_the_groups_secretary_only(county, client_as):
    home = county.home
    url = reverse("reports:narrative_group", args=[home.dept_group.pk, 2025, 1])
    secretary = client_as("secretary")
    assert secretary.get(url).status_code == 200
    response = secretary.post(url, {"practices": "坚持一把手带头学。", "plan": "完成两个调研课题。"})
    assert response.status_code == 302
    narrative = SummaryNarrative.objects.get(study_group=home.dept_group, year=2025, half=1)
    assert narrative.practices == "坚持一把手带头学。" and narrative.org == home.dept
    assert narrative.history.count() == 1
    other_group = reverse("reports:narrative_group", args=[county.world.other.dept_group.pk, 2025, 1])
    assert secretary.get(other_group).status_code == 404
    assert client_as("member").get(url).status_code == 403
    assert client_as("auditor").get(url).status_code == 403
    county_url = reverse("reports:narrative_org", args=[home.county.pk, 2025, 1])
    assert client_as("staff").get(county_url).status_code == 200
    assert client_as("secretary").get(county_url).status_code == 403
    assert client_as("outsider").get(county_url).status_code == 404


def test_the_job_list_takes_a_constant_number_of_queries(county, client_as, page_queries):
    client = client_as("auditor")
    for year in (2023, 2024):
        services.job_request(
            user=county.world.users.auditor, kind="year_end", year=year, format="xlsx", org=county.home.county
        )
    before = page_queries(client, reverse("reports:job_list"))
    for year in (2021, 2022):
        services.job_request(
            user=county.world.users.auditor, kind="year_end", year=year, format="xlsx", org=county.home.county
        )
    assert page_queries(client, reverse("reports:job_list")) == before
    html = client.get(reverse("reports:job_list")).content.decode()
    assert len(re.findall(r'data-job-id="\d+"', html)) >= 4


def test_the_dashboards_downloads_name_their_subjects_without_a_query_each(county, client_as, page_queries):
    """The panel names each job by its subject (a group, a person or the unit), read with the jobs."""
    home, auditor = county.world.home, county.world.users.auditor
    client = client_as("auditor")
    services.job_request(user=auditor, kind="year_end", year=2024, format="xlsx", org=home.county)
    before = page_queries(client, reverse("dashboard"))
    services.job_request(
        user=auditor, kind="half_year", half=1, year=2025, org=home.county, study_group=home.dept_group
    )
    services.job_request(
        user=auditor, kind="archive", year=2025, org=home.county, study_group=home.dept_group, person=home.member
    )
    assert page_queries(client, reverse("dashboard")) == before
    mine = client.get(reverse("dashboard")).context["panel_data"]["report_downloads"]["mine"]
    assert [job.subject_name for job in mine] == [home.member.name, home.dept_group.name, home.county.name]


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_the_form_carries_no_list_of_groups_or_people_only_the_chosen_one(county, client_as):
    """A prefecture has thousands of groups and people: they are searched as you type (core.autocomplete)."""
    home = county.home
    client = client_as("staff")
    html = client.get(reverse("reports:job_list")).content.decode()
    assert 'data-autocomplete="/autocomplete/groups/"' in html and 'data-autocomplete="/autocomplete/people/"' in html
    assert _options(html, "study_group") == ["---------"]
    assert _options(html, "person") == ["---------"]
    # Sent back with an error (no half-year), the form shows the group and the member chosen, by name.
    response = _post_job(client, kind="half_year", study_group=home.dept_group.pk, person=home.member.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert _options(html, "study_group") == ["---------", home.dept_group.name]
    assert _options(html, "person") == ["---------", f"{home.member.name} · {home.member.unit.name}"]


def test_the_auditors_dashboard_lists_their_downloads_and_the_frozen_packs(
    county, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pack, _ = services.job_request(
            user=county.world.users.staff, kind=ReportKind.YEAR_END, year=2025, format="zip", org=county.home.county
        )
        mine, _ = services.job_request(
            user=county.world.users.auditor, kind=ReportKind.YEAR_END, year=2025, format="xlsx", org=county.home.county
        )
    pack.refresh_from_db()
    assert pack.frozen and pack.sha256
    html = client_as("auditor").get(reverse("dashboard")).content.decode()
    panel = html[html.index('id="downloads"') :]
    mine_table = panel[panel.index('id="downloads-mine"') : panel.index('id="downloads-packs"')]
    assert reverse("reports:job_download", args=[mine.pk]) in mine_table
    assert reverse("reports:job_download", args=[pack.pk]) not in mine_table  # asked by staff, not by the auditor
    assert pack.sha256 in panel[panel.index('id="downloads-packs"') :]
    # Groups have no downloads panel.
    assert 'id="downloads"' not in client_as("secretary").get(reverse("dashboard")).content.decode()
