"""The one policy for roles: may this user do this to this kind of record?

Views, forms, tables, templates (``{% can %}``, core.templatetags.policy) and scoping ask here; no role
string is written anywhere else. Which *rows* a user reaches is core.scoping's business; this module says
what a role may do at all.
"""

from __future__ import annotations

from enum import StrEnum

from core.models.accounts import Role


class Action(StrEnum):
    VIEW = "view"  # open pages of this kind (rows stay scoped)
    BROWSE = "browse"  # lists across people and units: organizations, people, coverage, group archives
    CHANGE = "change"  # create and edit (rows scoped by editable_by; the model's Scope.editors decide)
    HISTORY = "history"  # read the change history of a record
    SUPERVISE = "supervise"  # oversight of a whole county or region: counts, state of every group
    PUBLISH = "publish"  # release results, bulletins and assessments to the groups
    IMPORT = "import"  # bulk import of units, groups and members
    SEE_UNRELEASED = "see_unreleased"  # read released-only rows before they are published
    MARK_READING = "mark_reading"  # tick required reading as read
    KEEP_RECORDS = "keep_records"  # record a session's reflections, make-ups and personal records


# Which account fields scope a role: a unit of the tree, one study group, or one person.
UNIT_ROLES = (Role.STAFF, Role.INSPECTOR, Role.AUDITOR)
GROUP_ROLES = (Role.SECRETARY,)
PERSON_ROLES = (Role.MEMBER,)

RULES: dict[Action, tuple[str, ...]] = {
    Action.VIEW: tuple(Role.values),
    Action.BROWSE: (Role.STAFF, Role.INSPECTOR, Role.SECRETARY, Role.AUDITOR),
    Action.CHANGE: (Role.STAFF, Role.SECRETARY),
    Action.HISTORY: (Role.STAFF, Role.AUDITOR),
    Action.SUPERVISE: (Role.STAFF, Role.INSPECTOR, Role.AUDITOR),
    Action.PUBLISH: (Role.STAFF,),
    Action.IMPORT: (Role.STAFF,),
    Action.SEE_UNRELEASED: (Role.STAFF, Role.INSPECTOR, Role.AUDITOR),
    Action.MARK_READING: (Role.STAFF, Role.SECRETARY, Role.MEMBER),
    Action.KEEP_RECORDS: (Role.STAFF, Role.SECRETARY, Role.MEMBER),
}


def roles_for(action: Action | str, model=None) -> tuple[str, ...]:
    action = Action(action)
    if action == Action.CHANGE and model is not None and hasattr(model, "scope"):
        return model.scope.editors
    return RULES[action]


def can(user, action: Action | str, model=None) -> bool:
    """May ``user`` do ``action`` to records of ``model`` (a model class or instance) at all?"""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.role in roles_for(action, model)


def is_member(user) -> bool:
    """A member (not a superuser) sees only their own personal records and their groups' shared ones."""
    return bool(user and user.is_authenticated and not user.is_superuser and user.role in PERSON_ROLES)


def scope_kind(user) -> str | None:
    """How the user's rows are scoped: "all", "unit", "group", "person" or None (sees nothing)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.is_superuser:
        return "all"
    if user.role in UNIT_ROLES and user.scope_unit_id:
        return "unit"
    if user.role in GROUP_ROLES and user.study_group_id:
        return "group"
    if user.role in PERSON_ROLES and user.person_id:
        return "person"
    return None
