"""Run seed_demo: core's tree, people and accounts, then every registered demo step; and flush them again.

A feature app adds its demo rows by registering a step in its ``AppConfig.ready()``::

    registry.demo_steps.register(DemoStep("inspections", build=demo.build, models=("inspections.Visit", ...)))

``build(ctx)`` gets the :class:`demo.context.DemoContext` after core's part and the steps of lower
``order``; ``models`` are the models it writes, in the order it creates them. ``--flush`` deletes them
in reverse (the last step's first), then core's; it refuses while records of a model no step lists
refer to what it deletes, rather than leave them pointing at nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import registry
from core.models import Membership, Notification, OrgUnit, Person, StudyGroup, User
from core.registry import DemoStep
from demo import writers
from demo.context import SCALES, DemoContext, Scale
from demo.tree import DEMO_USERNAMES, build_tree

# Core's models, deleted after every step's: notifications first (about records of any app), the tree last.
CORE_FIRST = (Notification,)
CORE_LAST = (Membership, Person, StudyGroup, OrgUnit)


class DemoDataError(Exception):
    """The database is not in a state the command can work on (explained in the message)."""


def registered_steps() -> list[DemoStep]:
    """The feature apps' steps, in the order they run."""
    return list(registry.demo_steps)


def build(
    scale: str | Scale,
    seed: int,
    *,
    today: datetime.date | None = None,
    progress=None,
    steps: Iterable[DemoStep] | None = None,
) -> DemoContext:
    """Core's part, then ``steps`` (default: the registered ones; none: core's part only), in one transaction.
    ``progress`` is a tqdm-like bar (``set_description``, ``update``)."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    steps = registered_steps() if steps is None else list(steps)
    ctx = DemoContext(scale=scale, seed=seed, today=today or timezone.localdate(), progress=progress)
    writers.reset()
    with transaction.atomic():
        build_tree(ctx)
        if progress is not None:
            progress.update(1)
        for step in steps:
            ctx.stage(step.name)
            step.build(ctx)
            if progress is not None:
                progress.update(1)
    ctx.counts = {
        "counties": len(ctx.counties),
        "organizations": len(ctx.units),
        "study groups": len(ctx.groups),
        "people": len(ctx.people),
        "memberships": len(ctx.memberships),
        "current members": sum(1 for m in ctx.memberships if m.end_date is None),
        "accounts": len(ctx.accounts),
        **ctx.counts,  # the steps' writers count what they wrote
    }
    return ctx


def existing_data() -> dict[str, int]:
    """What already stands in the way of seeding: org units and accounts with a demo user name."""
    found = {
        "organizations": OrgUnit.objects.count(),
        "demo accounts": User.objects.filter(username__in=DEMO_USERNAMES).count(),
    }
    return {key: n for key, n in found.items() if n}


def flush_order(steps: Iterable[DemoStep] | None = None) -> list:
    """The models seed_demo fills, in the order they are deleted: the steps' models, the last step's first
    and each step's in reverse, between core's notifications and core's tree."""
    steps = registered_steps() if steps is None else list(steps)
    order = list(CORE_FIRST)
    for step in reversed(steps):
        for label in reversed(step.models):
            model = apps.get_model(label)
            if model not in order and model not in CORE_LAST:
                order.append(model)
    return order + list(CORE_LAST)


def flush(steps: Iterable[DemoStep] | None = None) -> dict[str, int]:
    """Delete the demo accounts and every row of :func:`flush_order`, each deletion recorded in the history.

    Refuses when another account is scoped to the tree (that is somebody's real account), and when rows of
    a model that is not in the flush order refer to what it deletes (an app that registers no demo step).
    """
    order = flush_order(steps)
    tied = User.objects.exclude(username__in=DEMO_USERNAMES).filter(
        Q(scope_unit__isnull=False) | Q(study_group__isnull=False) | Q(person__isnull=False)
    )
    names = list(tied.order_by("username").values_list("username", flat=True)[:20])
    if names:
        raise DemoDataError(
            "Not flushing: these accounts are scoped to the organizations and would lose their scope: "
            + ", ".join(names)
            + ". Delete them or clear their scope first."
        )
    links, others = _referring_models(order)
    found = [f"{model._base_manager.count()} {model._meta.label}" for model in others if model._base_manager.exists()]
    if found:
        raise DemoDataError(
            "Not flushing: other records refer to the organizations, groups or people ("
            + ", ".join(found)
            + "). No registered demo step lists their model: the app that owns them should register its step "
            "(core.registry.demo_steps) with its models."
        )
    deleted: dict[str, int] = {}
    with transaction.atomic():
        _, by_model = User.objects.filter(username__in=DEMO_USERNAMES).delete()
        deleted.update({label: n for label, n in by_model.items() if n})
        for through in links:  # many-to-many rows between flushed models: no history of their own
            through._base_manager.all()._raw_delete(through._base_manager.db)
        for model in order:
            pks = None
            if model is OrgUnit:  # leaves first
                rows = sorted(model._base_manager.values_list("pk", "path"), key=lambda r: (-r[1].count("/"), r[0]))
                pks = [pk for pk, _path in rows]
            n = writers.delete_audited(model, pks=pks)
            if n:
                deleted[model._meta.label] = n
    return deleted


def _referring_models(order: list) -> tuple[list, list]:
    """Models outside ``order`` with a foreign key into it: (many-to-many tables joining flushed models,
    which go with them; anything else, which must be empty). Accounts and history are apart."""
    flushed = set(order)
    links, others = [], []
    for model in apps.get_models(include_auto_created=True):
        if model in flushed or model is User or hasattr(model, "instance_type"):
            continue
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        if targets & flushed:
            # (A link to accounts, such as a visit's inspectors, goes too: the demo accounts are deleted.)
            (links if model._meta.auto_created and targets <= flushed | {User} else others).append(model)
    return links, others
