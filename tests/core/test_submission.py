"""A form sent twice stores one record, whatever the form."""

import datetime

from django.urls import reverse

from core.models import Person
from studygroups.models import SelfStudy


def test_person_form_sent_twice_stores_one_person(client, world):
    client.force_login(world.users.staff)
    data = {"unit": world.home.dept.pk, "name": "双击者", "gender": "F", "title": "", "phone": "", "_submission": "t-1"}
    first = client.post(reverse("studygroups:person_create"), data)
    second = client.post(reverse("studygroups:person_create"), data)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert Person.objects.filter(name="双击者").count() == 1


def test_self_study_sent_twice_by_a_member_stores_one_record(client, world):
    client.force_login(world.users.member)
    data = {
        "person": world.home.member.pk,
        "date": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
        "material": "党章",
        "hours": "2",
        "notes": "",
        "_submission": "t-2",
    }
    for _ in range(2):
        response = client.post(reverse("studygroups:selfstudy_create"), data)
        assert response.status_code == 302
    assert SelfStudy.objects.filter(person=world.home.member, material="党章").count() == 1


def test_a_refused_form_can_be_corrected_and_sent_again(client, world):
    client.force_login(world.users.staff)
    bad = {"unit": world.home.dept.pk, "name": "", "gender": "F", "_submission": "t-3"}
    assert client.post(reverse("studygroups:person_create"), bad).status_code == 200  # errors shown
    good = bad | {"name": "改正后"}
    assert client.post(reverse("studygroups:person_create"), good).status_code == 302
    assert Person.objects.filter(name="改正后").count() == 1


def test_different_tokens_are_different_submissions(client, world):
    client.force_login(world.users.staff)
    base = {"unit": world.home.dept.pk, "gender": "M", "title": "", "phone": ""}
    client.post(reverse("studygroups:person_create"), base | {"name": "甲一", "_submission": "a"})
    client.post(reverse("studygroups:person_create"), base | {"name": "甲二", "_submission": "b"})
    assert Person.objects.filter(name__in=["甲一", "甲二"]).count() == 2
