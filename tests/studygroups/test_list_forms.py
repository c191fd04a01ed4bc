"""Lists and forms for phones and long lists: "全部" first in every filter choice, the year a choice of the
years that have rows, cells labelled for cards, breadcrumbs, a cancel link on forms, a print button."""

import re

from django.urls import reverse

from core.pages import this_year
from tests.studygroups.factories import StudySessionFactory, local


def _options(html: str, name: str) -> list[str]:
    start = html.index(f'name="{name}"')
    select = html[start : html.index("</select>", start)]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_every_filter_choice_starts_with_all(client_as, world):
    client = client_as("staff")
    sessions = client.get(reverse("studygroups:session_list")).content.decode()
    assert "---------" not in sessions
    assert _options(sessions, "kind")[0] == "全部"
    assert _options(sessions, "has_record")[0] == "全部"
    people = client.get(reverse("studygroups:person_list")).content.decode()
    assert _options(people, "gender") == ["全部", "男", "女"]
    orgs = client.get(reverse("studygroups:orgunit_list")).content.decode()
    assert _options(orgs, "kind")[0] == "全部" and "---------" not in orgs


def test_the_year_is_a_choice_of_the_years_that_have_sessions(client_as, world):
    for year in (2022, 2024, 2024):
        StudySessionFactory(study_group=world.home.dept_group, starts_at=local(year, 5, 1, 9, 0))
    StudySessionFactory(study_group=world.other.dept_group, starts_at=local(2019, 5, 1, 9, 0))  # not visible
    client = client_as("staff")
    html = client.get(reverse("studygroups:session_list")).content.decode()
    # By hand: this year (always offered), 2024 and 2022, newest first; not the other county's 2019.
    assert _options(html, "year") == ["全部", str(this_year()), "2024", "2022"]
    filtered = client.get(reverse("studygroups:session_list"), {"year": "2022"})
    assert [s.starts_at.year for s in filtered.context["table"].data] == [2022]


def test_a_year_without_rows_still_answers_with_an_empty_list(client_as, world):
    response = client_as("staff").get(reverse("studygroups:session_list"), {"year": "2001"})
    assert response.status_code == 200 and list(response.context["table"].data) == []
    assert "2001" in _options(response.content.decode(), "year")


def test_cells_name_their_column_for_cards_on_phones(client_as, world):
    StudySessionFactory(study_group=world.home.dept_group, starts_at=local(2025, 5, 1, 9, 0), title="春季学习")
    html = client_as("staff").get(reverse("studygroups:session_list"), {"year": "2025"}).content.decode()
    assert re.search(r'<td\s+data-label="学习主题"><a href="/sessions/\d+/">春季学习</a>', html)


def test_lists_and_forms_have_breadcrumbs_and_forms_a_cancel_link(client_as, world):
    client = client_as("staff")
    people = client.get(reverse("studygroups:person_list")).content.decode()
    assert 'class="breadcrumb' in people and 'href="/"' in people
    edit = client.get(reverse("studygroups:person_update", args=[world.home.member.pk])).content.decode()
    assert f'id="cancel-link" href="{world.home.member.get_absolute_url()}"' in edit
    assert f'<a href="{world.home.member.get_absolute_url()}">{world.home.member.name}</a>' in edit
    new = client.get(reverse("studygroups:membership_create", args=[world.home.dept_group.pk])).content.decode()
    assert f'id="cancel-link" href="{world.home.dept_group.get_absolute_url()}"' in new
    # Without a record, the page the user came from (this site only), else the dashboard.
    came_from = client.get(reverse("studygroups:person_create"), HTTP_REFERER="http://testserver/people/?q=x")
    assert 'id="cancel-link" href="http://testserver/people/?q=x"' in came_from.content.decode()
    elsewhere = client.get(reverse("studygroups:person_create"), HTTP_REFERER="http://evil.example/")
    assert 'id="cancel-link" href="/"' in elsewhere.content.decode()


def test_the_session_page_prints(client_as, world):
    session = StudySessionFactory(study_group=world.home.dept_group, starts_at=local(2025, 5, 1, 9, 0))
    html = client_as("member").get(session.get_absolute_url()).content.decode()
    assert 'data-action="print"' in html and "/static/js/print.js" in html and "css/print.css" in html
    assert "<script>" not in html  # no inline script under the CSP
