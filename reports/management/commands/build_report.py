"""Render a report synchronously, without Celery: for operators and benchmarks.

    python manage.py build_report half_year --year 2025 --half 1 --org 3 --format pdf --output 总结.pdf
    python manage.py build_report year_end --year 2025 --format xlsx --output 年终资料.xlsx
    python manage.py build_report archive --year 2025 --org <group's unit id> --format pdf --output 档案.pdf

``--org`` defaults to the top of the org tree. For ``archive`` it names a study group's unit (or use
``--person``); for ``half_year`` a group's unit gives that group's summary, a county the county-wide one.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import OrgUnit, Person, StudyGroup
from reports.models import ReportKind
from reports.rendering import ReportRequest, ReportUnavailable, build


class Command(BaseCommand):
    help = "Render a report (half_year, bulletin, year_end, archive) to a PDF or XLSX file, synchronously."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[k.value for k in ReportKind])
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--half", type=int, choices=[1, 2])
        parser.add_argument("--org", type=int, help="Id of the org unit (default: the top of the tree)")
        parser.add_argument("--person", type=int, help="Id of a person (archive of one member)")
        parser.add_argument("--format", choices=["pdf", "xlsx", "zip"], required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        kind = options["kind"]
        org = self._org(options["org"])
        group = StudyGroup.objects.filter(unit=org).first() if org.kind not in (OrgUnit.Kind.REGION,) else None
        person = None
        if options["person"]:
            person = Person.objects.filter(pk=options["person"]).first()
            if person is None:
                raise CommandError(f"No person with id {options['person']}")
            org, group = person.unit, None
        if kind == ReportKind.HALF_YEAR:
            if not options["half"]:
                raise CommandError("half_year needs --half 1 or 2")
            # A county (or region) gets the county-wide summary; a department or township its group's.
            if org.kind in (OrgUnit.Kind.COUNTY, OrgUnit.Kind.REGION):
                group = None
        elif kind != ReportKind.ARCHIVE:
            group = None
        if kind == ReportKind.ARCHIVE and group is None and person is None:
            raise CommandError("archive needs --org of a unit with a study group, or --person")
        bulletin = None
        if kind == ReportKind.BULLETIN:
            from reports.models import Bulletin

            bulletin = (
                Bulletin.objects.filter(org=org, year=options["year"], status=Bulletin.Status.PUBLISHED)
                .order_by("-number")
                .first()
            )
            if bulletin is None:
                raise CommandError(f"No published bulletin of {org} in {options['year']}")
        request = ReportRequest(
            kind=kind,
            format=options["format"],
            year=options["year"],
            half=options["half"] if kind == ReportKind.HALF_YEAR else None,
            org=org,
            study_group=group,
            person=person,
            bulletin=bulletin,
        )
        started = time.perf_counter()
        try:
            build(request, Path(options["output"]).resolve())
        except ReportUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{options['output']} ({time.perf_counter() - started:.1f} s)")

    def _org(self, pk):
        if pk is None:
            org = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
            if org is None:
                raise CommandError("The org tree is empty")
            return org
        org = OrgUnit.objects.filter(pk=pk).first()
        if org is None:
            raise CommandError(f"No org unit with id {pk}")
        return org
