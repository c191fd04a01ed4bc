"""Figures from several tables in one statement give what ``aggregate()`` gives for each."""

from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext

from core.aggregates import aggregate_together
from core.models import OrgUnit, Person, StudyGroup


def test_it_reads_several_tables_in_one_query(world):
    home = world.home
    with CaptureQueriesContext(connection) as ctx:
        figures = aggregate_together(
            (StudyGroup.objects.filter(unit__in=[home.dept, home.town]), {"groups": Count("pk")}),
            (Person.objects.filter(unit=home.dept), {"people": Count("pk"), "named": Count("pk", filter=~Q(name=""))}),
        )
    assert len(ctx.captured_queries) == 1
    # The home county has one group in its department and one in its township.
    assert figures["groups"] == 2
    assert figures["people"] == figures["named"] == Person.objects.filter(unit=home.dept).count()


def test_an_empty_part_gives_zero_and_none_like_aggregate(world):
    figures = aggregate_together(
        (OrgUnit.objects.filter(pk=-1), {"units": Count("pk"), "sum": Sum("pk")}),
        (StudyGroup.objects.all(), {"all_groups": Count("pk")}),
    )
    assert figures["units"] == 0 and figures["sum"] is None
    # The empty part does not hide the other one (joined side by side, each one row).
    assert figures["all_groups"] == StudyGroup.objects.count() > 0
