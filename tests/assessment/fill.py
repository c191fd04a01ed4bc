"""Growing assessment rows for the query-count tests (this app's and tests/test_page_coverage.py's)."""

from decimal import Decimal

from django.utils import timezone

from assessment import services
from assessment.models import Adjustment, Scheme

# A year long past, so that no other test's scheme or run meets these.
YEAR = 1990


def fill(world, times: int) -> None:
    """``times`` more adjustments of the home department's group and runs of the home county's year."""
    home, staff = world.home, world.users.staff
    scheme = Scheme.objects.filter(county=home.county, year=YEAR).order_by("-version").first()
    if scheme is None:
        scheme = services.scheme_create_default(county=home.county, year=YEAR, user=staff)
    for n in range(times):
        Adjustment.objects.create(
            study_group=home.dept_group, year=YEAR, points=Decimal(1), reason=f"加分{n}", created_by=staff
        )
        services.compute(scheme=scheme, cutoff=timezone.now(), user=staff)
