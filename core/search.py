"""The lists' free-text search, written so PostgreSQL can answer it fast at prefecture scale.

``search_q(model, fields, term)`` matches the same rows as ``Q(f1__icontains=term) | Q(f2__icontains=term)
| ...`` but:

- a term without letters that have case (Chinese, digits, punctuation) is matched with a plain LIKE: the
  same rows as UPPER(column) LIKE UPPER(term), without upper-casing every long text of the table (five
  times faster on reflection bodies), and PostgreSQL estimates it from the column's statistics and can
  use a pg_trgm index on the column itself;
- a field of a related row (``study_group__name``, ``session__study_group__name``, a plan's
  ``topics__title``) becomes ``study_group_id IN (ids)``, the ids read first from the small table, or
  ``IN (SELECT ...)`` when more than MAX_LISTED_IDS match: the condition then stays on the list's own
  table, so the newest-first index is walked backwards and the walk stops at the page's last row, instead
  of joining every row to its group before filtering and sorting them all; rows pointing here match
  without a join, so each row still comes once;
- except a foreign key the list joins anyway (``joined``: its rows sorted by the related row's column, as
  the make-ups by their session's start): when more than MAX_LISTED_IDS related rows match, the term is
  matched on the joined row itself, so the walk down that index stops at the page's last row instead of
  first reading every match (a common two-character term matches most sessions; no index helps it).
"""

import unicodedata
from collections.abc import Collection

from django.db.models import Q

# Above this many matching related rows, their match stays a subquery (PostgreSQL hashes it once) rather
# than a list of ids sent with the query.
MAX_LISTED_IDS = 500


def is_caseless(term: str) -> bool:
    """True when no character of ``term`` has case, nor can be produced by changing another's case.

    Such a term matches the same text whether both sides are upper-cased or not. Combining marks and
    modifier letters are excluded: upper-casing ŉ gives ʼN, İ lower-cases to i with a combining dot."""
    for char in term:
        if char.upper() != char or char.lower() != char:
            return False
        category = unicodedata.category(char)
        if category[0] == "M" or (category[0] == "L" and category != "Lo"):
            return False
    return True


def search_q(model, fields, term: str, *, joined: Collection[str] = ()) -> Q:
    """``fields`` containing ``term``, case-insensitively (``icontains``), as one condition on ``model``.

    ``joined``: foreign keys of ``model`` (``"session"``) the caller's query joins anyway."""
    lookup = "contains" if is_caseless(term) else "icontains"
    condition = Q()
    related: dict[str, list[str]] = {}
    for path in fields:
        head, _, rest = path.partition("__")
        field = model._meta.get_field(head)
        if rest and (field.many_to_one or field.one_to_one or field.one_to_many):
            related.setdefault(head, []).append(rest)
        else:
            # The row's own column, or a many-to-many relation (the caller keeps the rows unique).
            condition |= Q(**{f"{path}__{lookup}": term})
    for head, rests in related.items():
        field = model._meta.get_field(head)
        if field.concrete:  # a foreign key of this row
            local, remote = field.attname, field.target_field.attname
        else:  # rows pointing here (a plan's topics): the match also keeps each row once
            local, remote = field.field.target_field.attname, field.field.attname
        target = field.related_model
        # The base manager: a join ignores the related model's default manager, so must this.
        matches = target._base_manager.filter(search_q(target, rests, term)).order_by()
        ids = list(matches.values_list(remote, flat=True)[: MAX_LISTED_IDS + 1])
        if len(ids) > MAX_LISTED_IDS and head in joined and field.concrete and not any("__" in r for r in rests):
            # Many match: on the joined row's own columns (one row per foreign key: rows stay unique).
            for rest in rests:
                condition |= Q(**{f"{head}__{rest}__{lookup}": term})
        elif len(ids) <= MAX_LISTED_IDS:
            # A list PostgreSQL estimates from the column's statistics (a rare term is then looked up in
            # the indexes, a common one found walking the newest rows) and hashes once per query.
            if ids:
                condition |= Q(**{f"{local}__in": ids})
        else:
            condition |= Q(**{f"{local}__in": matches.values(remote)})
    return condition if condition else Q(pk__in=[])
