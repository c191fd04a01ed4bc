"""Where key-target candidates come from: each source proposes groups with a reason.

The built-in source reads last year's study records (inspections.services.plans); the assessment app adds
its own, from last year's published assessment, in its ``AppConfig.ready()``::

    from inspections.registry import key_target_sources
    key_target_sources.append(my_source)

A source is called as ``source(plan=plan, groups=groups)`` (``groups``: the county's active groups) and
returns :class:`Candidate` rows; a group named by several sources gets every reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    study_group_id: int
    reason: str


key_target_sources: list[Callable[..., Iterable[Candidate]]] = []
