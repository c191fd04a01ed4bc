"""The working-day calendar: facts checked against chinesecalendar, overrides winning, a Monday-to-Friday
fallback for unknown years, and a bounded number of queries at any distance."""

import logging
from datetime import date

import pytest
from django.urls import reverse

from core import workdays
from core.models import WorkdayOverride
from core.workdays import add_workdays, calendar_known_for, deadline, is_workday, within_workdays, workdays_between
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def override(day: date, working: bool, name: str = "") -> WorkdayOverride:
    return WorkdayOverride.objects.create(date=day, is_workday=working, name=name)


# Each fact was checked against chinesecalendar 1.11.0 (is_workday and get_holiday_detail) and the
# State Council's notices: National Day 2024 ran 10-01..10-07 with 09-29 (Sun) and 10-12 (Sat) worked;
# Spring Festival 2025 ran 01-28..02-04 with 01-26 (Sun) and 02-08 (Sat) worked.
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 9, 28), False),  # Saturday
        (date(2024, 9, 29), True),  # Sunday, 调休上班
        (date(2024, 9, 30), True),
        (date(2024, 10, 1), False),
        (date(2024, 10, 4), False),  # Friday, holiday
        (date(2024, 10, 7), False),  # Monday, holiday
        (date(2024, 10, 8), True),
        (date(2024, 10, 12), True),  # Saturday, 调休上班
        (date(2024, 10, 13), False),
        (date(2025, 1, 26), True),  # Sunday, 调休上班
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),
        (date(2025, 2, 4), False),  # Tuesday, holiday
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, 调休上班
        (date(2025, 2, 9), False),
    ],
)
def test_it_follows_the_holiday_notices(day, working):
    assert is_workday(day) is working


def test_five_working_days_before_national_day_end_cross_the_holiday():
    # Back from Tue 2024-10-08: 10-07..10-01 holiday; Mon 09-30 (1), Sun 09-29 worked (2), Sat 09-28 off,
    # Fri 09-27 (3), Thu 09-26 (4), Wed 09-25 (5).
    assert add_workdays(date(2024, 10, 8), -5) == date(2024, 9, 25)


def test_it_adds_working_days_over_a_holiday():
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    # Mon 2025-01-27 + 1: 01-28..02-04 holiday, so Wed 02-05.
    assert add_workdays(date(2025, 1, 27), 1) == date(2025, 2, 5)
    # From Fri 2024-10-11: Sat 10-12 is worked (1), Mon 10-14 (2).
    assert add_workdays(date(2024, 10, 11), 2) == date(2024, 10, 14)


def test_zero_working_days_is_the_day_itself_or_the_next_working_day():
    assert add_workdays(date(2024, 10, 8), 0) == date(2024, 10, 8)
    assert add_workdays(date(2024, 10, 1), 0) == date(2024, 10, 8)
    assert add_workdays(date(2024, 9, 29), 0) == date(2024, 9, 29)


def test_it_counts_working_days_after_start_up_to_end():
    # After Fri 2024-09-27: Sun 09-29, Mon 09-30, 10-08..10-11 (four), Sat 10-12 = 7.
    assert workdays_between(date(2024, 9, 27), date(2024, 10, 12)) == 7
    assert workdays_between(date(2024, 10, 12), date(2024, 9, 27)) == -7
    assert workdays_between(date(2024, 10, 8), date(2024, 10, 8)) == 0
    # After Fri 2025-01-24: Sun 01-26, Mon 01-27, 02-05..02-07 (three), Sat 02-08 = 6.
    assert workdays_between(date(2025, 1, 24), date(2025, 2, 8)) == 6


def test_within_working_days_ends_with_the_deadline():
    # Mon 2024-09-30 + 3 working days: 10-08, 10-09, 10-10.
    assert deadline(date(2024, 9, 30), 3) == date(2024, 10, 10)
    assert within_workdays(date(2024, 9, 30), date(2024, 10, 10), 3)
    assert not within_workdays(date(2024, 9, 30), date(2024, 10, 11), 3)
    # Mon 2024-10-14 + 4 is Fri 10-18: the Saturday after it is late, though no working day was added.
    assert workdays_between(date(2024, 10, 14), date(2024, 10, 19)) == 4
    assert not within_workdays(date(2024, 10, 14), date(2024, 10, 19), 4)
    assert within_workdays(date(2024, 10, 14), date(2024, 10, 10), 4)


def test_an_override_wins_over_the_package():
    assert workdays_between(date(2024, 10, 7), date(2024, 10, 8)) == 1
    override(date(2024, 10, 8), False, "国庆节")  # a Tuesday made a holiday
    override(date(2024, 10, 13), True, "国庆节")  # a Sunday made a working day
    override(date(2024, 10, 12), False)  # a worked Saturday given back

    assert not is_workday(date(2024, 10, 8))
    assert is_workday(date(2024, 10, 13))
    assert not is_workday(date(2024, 10, 12))
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 9)
    assert workdays_between(date(2024, 10, 7), date(2024, 10, 8)) == 0
    # After Mon 10-07: 10-09, 10-10, 10-11, Sun 10-13 = 4.
    assert workdays_between(date(2024, 10, 7), date(2024, 10, 13)) == 4
    assert add_workdays(date(2024, 10, 14), -1) == date(2024, 10, 13)


def test_an_unknown_year_falls_back_to_monday_to_friday_and_warns_once(caplog, monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())
    assert 2099 not in workdays.PACKAGE_YEARS
    assert not calendar_known_for(2099)
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert is_workday(date(2099, 1, 1))  # a Thursday, though New Year's Day: nobody knows yet
        assert not is_workday(date(2099, 1, 3))  # Saturday
        assert add_workdays(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday + 1 = Monday
        assert workdays_between(date(2099, 1, 1), date(2099, 1, 31)) == 21
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.workdays"]
    assert len(warnings) == 1 and "2099" in warnings[0]


def test_overrides_fill_in_a_year_the_package_does_not_know():
    override(date(2099, 1, 1), False, "元旦")
    override(date(2099, 1, 3), True, "元旦")
    assert calendar_known_for(2099)
    assert not is_workday(date(2099, 1, 1))
    assert is_workday(date(2099, 1, 3))
    assert add_workdays(date(2098, 12, 31), 1) == date(2099, 1, 2)


def test_years_the_package_covers_are_known():
    assert calendar_known_for(2024) and calendar_known_for(2025)
    assert not calendar_known_for(1999)


def test_each_call_reads_the_overrides_once_at_any_distance(django_assert_num_queries):
    override(date(2024, 10, 8), False)
    override(date(2022, 3, 1), False)
    with django_assert_num_queries(1):
        assert is_workday(date(2024, 10, 9))
    with django_assert_num_queries(1):
        workdays_between(date(2020, 1, 1), date(2026, 12, 31))
    with django_assert_num_queries(1):
        add_workdays(date(2024, 1, 2), 250)
    with django_assert_num_queries(1):
        add_workdays(date(2024, 10, 9), -500)
    with django_assert_num_queries(1):
        within_workdays(date(2024, 9, 30), date(2024, 10, 30), 20)


def test_a_walk_through_a_long_run_of_overrides_reads_larger_windows(django_assert_max_num_queries):
    # 60 days of holiday from 2024-03-01: five working days need a read far past the first window.
    for offset in range(60):
        override(date.fromordinal(date(2024, 3, 1).toordinal() + offset), False)
    with django_assert_max_num_queries(3):
        assert add_workdays(date(2024, 2, 29), 1) == date(2024, 4, 30)
    with django_assert_max_num_queries(3):
        assert add_workdays(date(2024, 4, 30), -1) == date(2024, 2, 29)


def test_an_admin_edit_counts_at_once():
    assert is_workday(date(2024, 10, 8))
    row = override(date(2024, 10, 8), False)
    assert not is_workday(date(2024, 10, 8))
    row.is_workday = True
    row.save()
    assert is_workday(date(2024, 10, 8))
    row.delete()
    assert is_workday(date(2024, 10, 8))


def test_the_admin_lists_and_adds_overrides_with_their_author(client):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    override(date(2025, 1, 28), False, "春节")
    client.force_login(root)

    listing = client.get(reverse("admin:core_workdayoverride_changelist"))
    assert listing.status_code == 200
    assert "春节" in listing.content.decode()
    assert client.get(reverse("admin:core_workdayoverride_add")).status_code == 200

    response = client.post(
        reverse("admin:core_workdayoverride_add"), {"date": "2099-01-03", "is_workday": "on", "name": "元旦"}
    )
    assert response.status_code == 302
    row = WorkdayOverride.objects.get(date=date(2099, 1, 3))
    assert row.is_workday and row.created_by == root
    assert row.history.count() == 1


def test_the_admin_is_closed_to_non_staff_accounts(client):
    client.force_login(UserFactory(username="plain"))
    response = client.get(reverse("admin:core_workdayoverride_changelist"))
    assert response.status_code == 302


def test_add_workdays_many_agrees_with_add_workdays_in_one_query(db, django_assert_num_queries):
    import datetime as _dt

    from core import workdays as _w

    days = [_dt.date(2025, 9, 25) + _dt.timedelta(days=i) for i in range(20)]
    expected = {day: _w.add_workdays(day, -5) for day in days}
    with django_assert_num_queries(1):
        assert _w.add_workdays_many(days, -5) == expected
    assert _w.add_workdays_many([_dt.date(2025, 10, 9)], 10) == {_dt.date(2025, 10, 9): _dt.date(2025, 10, 22)}
