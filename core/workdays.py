"""Working days in mainland China: public holidays (放假) and weekends made working days (调休上班).

Who answers for a day, first match wins:

1. a :class:`core.models.WorkdayOverride` row (entered in the admin from the State Council's notice);
2. the ``chinesecalendar`` package, for the years it knows (:data:`PACKAGE_YEARS`);
3. otherwise Monday to Friday, with one warning in the log per year, so nothing breaks in January of a
   year whose notice is not in the package yet. :func:`calendar_known_for` lets a page warn staff.

Each call below reads the overrides of the dates it walks in one query (a walk that runs past what
was read, say through a long run of overridden holidays, reads a window twice as large, so queries
stay few at any distance). Nothing is cached between calls, so an admin edit counts at once.

Counting conventions, as in "within 5 working days of the session" (5个工作日内):

- ``add_workdays(d, n)``: the n-th working day after ``d`` (``d`` itself not counted); for negative
  ``n`` the |n|-th working day before ``d``; for ``n == 0``, ``d`` if it is a working day, else the next.
- ``workdays_between(start, end)``: working days after ``start`` up to and including ``end``.
- ``within_workdays(start, end, n)``: ``end`` is no later than ``deadline(start, n)``.
"""

from __future__ import annotations

import datetime
import logging

import chinese_calendar

logger = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
# Years the package covers, from its own table of holidays.
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

_warned_years: set[int] = set()


def _package_answer(day: datetime.date) -> bool | None:
    """The package's answer, or None for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _fallback(day: datetime.date) -> bool:
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "chinesecalendar %s has no holidays for %s: counting Monday to Friday as working days there "
            "except for working-day overrides. Enter that year's holiday notice in the admin.",
            chinese_calendar.__version__,
            day.year,
        )
    return day.weekday() < 5


class _Calendar:
    """Overrides for a range of dates read in one query; a walk leaving the range reads a larger one."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self._first, self._last = first, last
        self._overrides: dict[datetime.date, bool] = {}
        self._read(first, last)

    def _read(self, first: datetime.date, last: datetime.date) -> None:
        from core.models import WorkdayOverride

        rows = WorkdayOverride.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
        self._overrides.update(rows)

    def is_workday(self, day: datetime.date) -> bool:
        width = self._last - self._first + ONE_DAY
        if day > self._last:
            last = max(day, self._last + width)
            self._read(self._last + ONE_DAY, last)
            self._last = last
        elif day < self._first:
            first = min(day, self._first - width)
            self._read(first, self._first - ONE_DAY)
            self._first = first
        if day in self._overrides:
            return self._overrides[day]
        answer = _package_answer(day)
        return _fallback(day) if answer is None else answer


def _window(n: int) -> datetime.timedelta:
    """Calendar days enough for ``n`` working days in all but freak cases (8 days of Spring Festival
    and the weekends around it fit with room to spare)."""
    return datetime.timedelta(days=2 * abs(n) + 20)


def calendar_known_for(year: int) -> bool:
    """Whether ``year``'s holidays are known: the package covers it, or overrides were entered for it
    (one query then). If not, working days that year are only Monday to Friday plus any overrides."""
    from core.models import WorkdayOverride

    return year in PACKAGE_YEARS or WorkdayOverride.objects.filter(date__year=year).exists()


def is_workday(day: datetime.date) -> bool:
    return _Calendar(day, day).is_workday(day)


def add_workdays(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``day`` (before it for negative ``n``); ``n == 0`` gives ``day`` if it
    is a working day, else the next working day."""
    calendar = _Calendar(day, day + _window(n)) if n >= 0 else _Calendar(day - _window(n), day)
    return _walk(calendar, day, n)


def add_workdays_many(days, n: int) -> dict[datetime.date, datetime.date]:
    """``add_workdays(day, n)`` for each of ``days``, reading the overrides of their whole span in one query
    (for bulk work such as the demo data; a page computes one or two deadlines)."""
    days = sorted(set(days))
    if not days:
        return {}
    calendar = _Calendar(days[0] - _window(n), days[-1] + _window(n))
    return {day: _walk(calendar, day, n) for day in days}


def _walk(calendar: _Calendar, day: datetime.date, n: int) -> datetime.date:
    step = ONE_DAY if n >= 0 else -ONE_DAY
    if n == 0:
        while not calendar.is_workday(day):
            day += step
        return day
    remaining = abs(n)
    while remaining:
        day += step
        if calendar.is_workday(day):
            remaining -= 1
    return day


def deadline(day: datetime.date, n: int) -> datetime.date:
    """The last day of a time limit of ``n`` working days starting after ``day`` (same as add_workdays)."""
    return add_workdays(day, n)


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (so 0 when equal); negative, counted the
    same way from ``end`` to ``start``, when ``end`` comes first."""
    if end < start:
        return -workdays_between(end, start)
    calendar = _Calendar(start, end)
    count, day = 0, start + ONE_DAY
    while day <= end:
        count += calendar.is_workday(day)
        day += ONE_DAY
    return count


def within_workdays(start: datetime.date, end: datetime.date, n: int) -> bool:
    """Whether ``end`` falls within ``n`` working days of ``start``: on or before ``deadline(start, n)``.
    A weekend just after the deadline is already late; any day up to ``start`` is in time."""
    return end <= deadline(start, n)
