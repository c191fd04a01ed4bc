"""Growing report rows for tests/test_page_coverage.py's query counts: report jobs and bulletins."""

import datetime
import itertools

from django.utils import timezone

from reports import bulletins, services
from reports.models import ReportJob

_n = itertools.count()


def fill(world, times: int) -> None:
    """``times`` more report jobs (an auditor's frozen pack and a staff member's queued job) and draft bulletins of
    the home county; each takes a year of its own, as a second identical job would be the running one."""
    home, users = world.home, world.users
    for _ in range(times):
        year = 1000 + next(_n) % 900  # years long past (1000-1899): never the current year of the other rows
        # The auditor's is a finished, frozen pack (what _finish leaves, without rendering a file); the staff
        # member's, the same report asked again, is a new job waiting for the worker.
        job, _created = services.job_request(user=users.auditor, kind="year_end", year=year, org=home.county)
        job.status, job.frozen, job.version, job.finished_at = ReportJob.Status.DONE, True, 1, timezone.now()
        job.file_name, job.size, job.sha256 = f"{year}.xlsx", 1, f"{year:064d}"
        job.save()
        services.job_request(user=users.staff, kind="year_end", year=year, org=home.county)
        bulletins.bulletin_create(
            user=users.staff,
            org=home.county,
            year=year,
            title=f"{year}年巡听旁听通报",
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 6, 30),
        )
