"""The one policy for roles: may this user do this to this kind of record?

Views, forms, tables, templates (``{% can %}``, core.templatetags.policy) and scoping ask here; no role
string is written anywhere else (tests/core/test_policy.py scans the code for them). Which *rows* a user
reaches is core.scoping's business; this module says what a role may do at all.
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
    PUBLISH = "publish"  # issue county plans; release results, bulletins and assessments to the groups
    IMPORT = "import"  # bulk import of units, groups and members
    SEE_UNRELEASED = "see_unreleased"  # read released-only rows before they are published
    MARK_READING = "mark_reading"  # tick required reading as read
    KEEP_RECORDS = "keep_records"  # record a session's reflections, make-ups and personal records
    # Reach other people's personal records (archives, scores, reading progress, make-ups): read them, and
    # keep them where CHANGE or KEEP_RECORDS allows. Without it, one reaches only one's own.
    OTHERS_RECORDS = "others_records"
    REFLECT = "reflect"  # write one's own reflection on a session one attended (the button on the session)
    INSPECT = "inspect"  # sit in on an assigned visit: score it, write the observer summary, record findings
    RECTIFY = "rectify"  # answer a rectification item of one's own group with what was done and evidence
    VERIFY = "verify"  # verify rectifications: close them or send them back with a reason


# Which account fields scope a role: a unit of the tree, one study group, or one person.
UNIT_ROLES = (Role.STAFF, Role.INSPECTOR, Role.AUDITOR)
GROUP_ROLES = (Role.SECRETARY,)
PERSON_ROLES = (Role.MEMBER,)

RULES: dict[Action, tuple[str, ...]] = {
    Action.VIEW: tuple(Role.values),
    Action.BROWSE: (Role.STAFF, Role.INSPECTOR, Role.SECRETARY, Role.AUDITOR),
    # The default; a model's Scope.editors, when given, replace it.
    Action.CHANGE: (Role.STAFF, Role.SECRETARY),
    Action.HISTORY: (Role.STAFF, Role.AUDITOR),
    Action.SUPERVISE: (Role.STAFF, Role.INSPECTOR, Role.AUDITOR),
    Action.PUBLISH: (Role.STAFF,),
    Action.IMPORT: (Role.STAFF,),
    Action.SEE_UNRELEASED: (Role.STAFF, Role.INSPECTOR, Role.AUDITOR),
    Action.MARK_READING: (Role.STAFF, Role.SECRETARY, Role.MEMBER),
    Action.KEEP_RECORDS: (Role.STAFF, Role.SECRETARY, Role.MEMBER),
    Action.OTHERS_RECORDS: (Role.STAFF, Role.INSPECTOR, Role.SECRETARY, Role.AUDITOR),
    Action.REFLECT: (Role.MEMBER,),
    Action.INSPECT: (Role.INSPECTOR,),
    Action.RECTIFY: (Role.SECRETARY,),
    Action.VERIFY: (Role.STAFF,),
}


def _model(target):
    """A model class or instance as given, or the model an "app_label.Model" label names."""
    if isinstance(target, str):
        from django.apps import apps

        return apps.get_model(target)
    return target


def roles_for(action: Action | str, model=None) -> tuple[str, ...]:
    """The roles that may do ``action`` (to records of ``model``: a class, an instance or a label)."""
    action = Action(action)
    model = _model(model)
    if action == Action.CHANGE and model is not None:
        editors = getattr(getattr(model, "scope", None), "editors", None)
        if editors is not None:
            return tuple(editors)
    return RULES[action]


def can(user, action: Action | str, model=None) -> bool:
    """May ``user`` do ``action`` to records of ``model`` (a model class, instance or label) at all?"""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        Action(action)  # an unknown action is a mistake for superusers too
        return True
    return user.role in roles_for(action, model)


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


def sees_only_assigned(user, model) -> bool:
    """Does ``user`` see only the rows of ``model`` assigned to them (Scope.assigned_only), not their unit's?"""
    scope = _model(model).scope
    if not scope.assigned or not (user and user.is_authenticated) or user.is_superuser:
        return False
    return user.role in scope.assigned_only


class Dashboard(StrEnum):
    """The dashboards: one per role, one for superusers, one for accounts without a role."""

    SUPERUSER = "superuser"
    STAFF = Role.STAFF
    INSPECTOR = Role.INSPECTOR
    SECRETARY = Role.SECRETARY
    MEMBER = Role.MEMBER
    AUDITOR = Role.AUDITOR
    NONE = "none"


def dashboard_kind(user) -> Dashboard:
    """The dashboard an account lands on (templates/core/dashboard_<kind>.html)."""
    if user.is_superuser:
        return Dashboard.SUPERUSER
    return Dashboard(user.role) if user.role else Dashboard.NONE
