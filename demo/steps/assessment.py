"""The assessment demo step: each county's annual assessment of the years before this one, computed by the
assessment's own engine (``services.results_for``) from the records the earlier steps wrote, and this
year's scheme, not yet used.

Per county and finished year: the default scheme (entered in March), one adjustment with its reason (early
January after the year), the run at the year-end cut-off (10 January, 09:00) and its publication five days
later; nothing entered after ``today`` (a run or publication that would be is left out). The current year
is not over, so it has its scheme only: staff compute it when they choose. Registered in
``DemoConfig.ready()`` after the outreach step (order 40), so every measure reads its records.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.db import connection, models
from django.utils import translation

from assessment import services
from assessment.models import Adjustment, Result, Run, Scheme, SchemeIndicator
from demo.context import DemoContext, moment, office_time
from demo.writers import Rows, copy_to_history

MODELS = (
    "assessment.Scheme",
    "assessment.SchemeIndicator",
    "assessment.Adjustment",
    "assessment.Run",
    "assessment.Result",
)

REASONS = [
    ("2", "承办全县理论学习中心组现场推进会，经验在全县交流"),
    ("-2", "一次集中学习记录经核查存在补记情况"),
    ("1", "学习调研成果获市委领导批示"),
    ("-1", "巡听发现的问题整改材料报送不及时"),
]
CUTOFF = (1, 10, 9 * 60)  # 10 January of the next year, 09:00: the records as they stood at year end
PUBLISHED = (1, 15)


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("assessment")
    ctx.stage("assessment")
    with translation.override(settings.LANGUAGE_CODE):
        for ci, county in enumerate(ctx.counties):
            for year in ctx.years:
                _year(ctx, rng, ci, county, year)


def _year(ctx: DemoContext, rng, ci: int, county, year: int) -> None:
    staff = ctx.county_author(ci)
    entered = datetime.date(year, 3, 1)
    if entered >= ctx.today:  # this year's scheme, early in the year
        entered = max(datetime.date(year, 1, 2), ctx.today - datetime.timedelta(days=1))
    scheme = Scheme(county=county.unit, year=year, name=services.default_name(year), version=1)
    scheme.pass_threshold = Decimal("60")
    _write(ctx, Scheme, [scheme], office_time(rng, entered), staff, "assessment schemes")
    _write(
        ctx,
        SchemeIndicator,
        services.default_indicators(scheme),
        office_time(rng, entered),
        staff,
        "assessment indicators",
    )

    cutoff = moment(datetime.date(year + 1, *CUTOFF[:2]), CUTOFF[2])
    published = office_time(rng, datetime.date(year + 1, *PUBLISHED))
    if published >= ctx.now:
        return  # the year is not over (or its results not out yet) at ``today``
    groups = [g for g in county.groups if g.is_active]
    group = rng.choice(groups)
    points, reason = rng.choice(REASONS)
    adjusted = office_time(rng, datetime.date(year + 1, 1, 8))
    adjustment = Adjustment(study_group=group, year=year, points=Decimal(points), reason=reason)
    _write(ctx, Adjustment, [adjustment], adjusted, staff, "assessment adjustments")

    computed = cutoff + datetime.timedelta(minutes=30)
    results = services.results_for(scheme, cutoff, user=staff)
    run = Run(scheme=scheme, county=county.unit, year=year, cutoff=cutoff)
    run.published_at, run.published_by = published, staff
    _write(ctx, Run, [run], computed, staff, "assessment runs", updated=published)
    # The publication, as its own change in the run's history.
    copy_to_history(Run, [run.pk], kind="~", date="published_at", user="published_by_id")
    for result in results:
        result.run = run
    _write(ctx, Result, results, computed, staff, "assessment results")


def _write(ctx, model, objs, at, by, label: str, updated=None) -> None:
    rows = Rows(ctx, model, label)
    # COPY takes JSON as text (bulk_create(), elsewhere, encodes it itself).
    documents = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
    documents = documents if connection.vendor == "postgresql" else []
    for obj in objs:
        for name in documents:
            setattr(obj, name, json.dumps(getattr(obj, name), ensure_ascii=False))
        rows.add(obj, at, by, updated)
    rows.flush()
    for obj in objs:
        for name in documents:
            setattr(obj, name, json.loads(getattr(obj, name)))
