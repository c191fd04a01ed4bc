"""manage.py seed_demo: fill an empty database with a deterministic demo region (see demo.seed)."""

import datetime
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from demo import seed as seeding
from demo.context import SCALES


class Command(BaseCommand):
    help = (
        "Build a deterministic, realistic demo region (counties, departments, townships, branches, study "
        "groups, people and three years of memberships) and the demo logins staff, inspector, secretary, member "
        "and auditor, whose password is settings.DEMO_PASSWORD; then each app's demo step adds its records "
        "(study groups: plans, sessions with their records, attendance, speeches and reflections, self-study, "
        "reading, research topics, articles and exam scores). Runs only on a database without organizations "
        "unless --flush is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="demo",
            help="demo: 1 county, 30 groups, 300 members, ~1,200 sessions; county: 150 groups, 1,800 members, "
            "~6,000 sessions; prefecture: 10 counties, 1,500 groups, 18,000 members, ~60,000 sessions and "
            "~750,000 attendance rows, a few minutes (default: demo).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed builds the same data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="First delete all organizations, groups, people, memberships, the records of every app's demo "
            "step, and the demo accounts (each deletion recorded in the history).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="When the database already has data, say so and exit successfully instead of failing.",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Reference day (YYYY-MM-DD; default: today): the data covers its year and the two before; "
            "sessions from that day on are planned, without records.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, scale, seed, flush, if_empty, today, no_progress, verbosity, **options):
        started = time.monotonic()
        deleted = {}
        with transaction.atomic():
            existing = seeding.existing_data()
            if existing and not flush:
                found = ", ".join(f"{n} {label}" for label, n in existing.items())
                if if_empty:
                    if verbosity:
                        self.stdout.write(f"Database already has data ({found}): demo data not loaded.")
                    return
                raise CommandError(
                    f"The database already has data ({found}). seed_demo only fills an empty database; "
                    "run it with --flush to delete the organizations, groups, people, records and demo accounts first."
                )
            # The bar goes to the real stream (OutputWrapper would add newlines); tqdm hides itself off a TTY.
            bar = tqdm(
                total=1 + len(seeding.registered_steps()) + bool(existing),
                file=getattr(self.stderr, "_out", sys.stderr),
                unit="step",
                disable=True if (no_progress or verbosity == 0) else None,
                leave=False,
            )
            with bar:
                if existing:
                    bar.set_description("deleting the old data")
                    try:
                        deleted = seeding.flush()
                    except seeding.DemoDataError as exc:
                        raise CommandError(str(exc)) from exc
                    bar.update(1)
                ctx = seeding.build(scale, seed, today=today, progress=bar)

        if verbosity and deleted:
            self.stdout.write("Deleted " + ", ".join(f"{n:,} {label}" for label, n in deleted.items()) + ".")
        if not verbosity:
            return
        elapsed = time.monotonic() - started
        counts = ", ".join(f"{n:,} {label}" for label, n in ctx.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the {scale} scale (seed {seed}, data from {ctx.start} to {ctx.today}) in {elapsed:.1f} s: "
                f"{counts}."
            )
        )
        self.stdout.write(f"Demo logins (password: the DEMO_PASSWORD setting, {self._password_hint()}):")
        for username, user in ctx.accounts.items():
            scope = user.scope_unit or user.study_group
            self.stdout.write(f"  {username:<10} {user.get_role_display()} · {user} · {scope or user.person.unit}")

    @staticmethod
    def _password_hint() -> str:
        if settings.DEMO_PASSWORD == "demo12345":
            return "default demo12345"
        return "set in the environment"
