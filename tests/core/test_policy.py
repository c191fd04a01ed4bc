"""core.policy on its own: each action for each role, superusers, inactive and anonymous users, models'
Scope.editors; and a scan of the code for role checks written anywhere else."""

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from core import policy
from core.models import Role, User
from core.policy import Action
from core.scoping import Scope
from studygroups.models import ExamScore, Plan, RequiredReading, SelfStudy

STAFF, INSPECTOR, SECRETARY, MEMBER, AUDITOR = (
    Role.STAFF,
    Role.INSPECTOR,
    Role.SECRETARY,
    Role.MEMBER,
    Role.AUDITOR,
)

# The rules, written out once more by hand: a change to core.policy must be made here too, on purpose.
EXPECTED = {
    Action.VIEW: {STAFF, INSPECTOR, SECRETARY, MEMBER, AUDITOR},
    Action.BROWSE: {STAFF, INSPECTOR, SECRETARY, AUDITOR},
    Action.CHANGE: {STAFF, SECRETARY},
    Action.HISTORY: {STAFF, AUDITOR},
    Action.SUPERVISE: {STAFF, INSPECTOR, AUDITOR},
    Action.PUBLISH: {STAFF},
    Action.IMPORT: {STAFF},
    Action.SEE_UNRELEASED: {STAFF, INSPECTOR, AUDITOR},
    Action.MARK_READING: {STAFF, SECRETARY, MEMBER},
    Action.KEEP_RECORDS: {STAFF, SECRETARY, MEMBER},
    Action.OTHERS_RECORDS: {STAFF, INSPECTOR, SECRETARY, AUDITOR},
    Action.REFLECT: {MEMBER},
    Action.INSPECT: {INSPECTOR},
    Action.RECTIFY: {SECRETARY},
    Action.VERIFY: {STAFF},
}
CASES = [(action, role) for action in Action for role in Role]


def account(role="", **fields) -> User:
    """An unsaved account: the policy reads only its fields."""
    return User(username=f"u-{role or 'none'}", role=role, **fields)


class Inspected:
    """A model-like class whose rows only inspectors write, and see only when assigned to them."""

    scope = Scope(unit="", editors=(INSPECTOR,), assigned="inspectors", assigned_only=(INSPECTOR,))


def test_every_action_has_a_rule_and_an_expectation():
    assert set(policy.RULES) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize("action,role", CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_each_role_may_do_what_the_rules_say(action, role):
    user = account(role)
    assert policy.can(user, action) is (role in EXPECTED[action])
    assert policy.can(user, str(action)) is (role in EXPECTED[action])  # as templates name it


@pytest.mark.parametrize("action", list(Action))
def test_a_superuser_may_do_everything(action):
    root = account(is_superuser=True)
    assert policy.can(root, action)
    assert policy.can(root, action, Inspected)


@pytest.mark.parametrize("action", list(Action))
def test_inactive_anonymous_and_roleless_users_may_do_nothing(action):
    assert not policy.can(account(STAFF, is_active=False), action)
    assert not policy.can(account(is_superuser=True, is_active=False), action)
    assert not policy.can(AnonymousUser(), action)
    assert not policy.can(None, action)
    assert not policy.can(account(), action)


def test_an_unknown_action_is_an_error():
    with pytest.raises(ValueError):
        policy.can(account(STAFF), "delete")
    with pytest.raises(ValueError):
        policy.can(account(is_superuser=True), "delete")


def test_change_honours_the_models_scope_editors():
    staff, secretary, member, inspector = (account(r) for r in (STAFF, SECRETARY, MEMBER, INSPECTOR))
    # Only the propaganda department sets the reading list.
    assert policy.can(staff, Action.CHANGE, RequiredReading)
    assert not policy.can(secretary, Action.CHANGE, RequiredReading)
    # Members keep their own self-study.
    assert policy.can(member, Action.CHANGE, SelfStudy)
    assert not policy.can(member, Action.CHANGE, ExamScore)
    # No editors given: the policy's CHANGE rule.
    assert Plan.scope.editors is None
    assert policy.roles_for(Action.CHANGE, Plan) == policy.RULES[Action.CHANGE]
    assert policy.can(secretary, Action.CHANGE, Plan) and not policy.can(member, Action.CHANGE, Plan)
    # Editors replace the rule, whatever it says.
    assert policy.can(inspector, Action.CHANGE, Inspected) and not policy.can(staff, Action.CHANGE, Inspected)


def test_the_target_may_be_a_model_an_instance_or_a_label():
    member = account(MEMBER)
    for target in (SelfStudy, SelfStudy(), "studygroups.SelfStudy"):
        assert policy.can(member, Action.CHANGE, target)
    assert policy.roles_for(Action.CHANGE, "studygroups.RequiredReading") == (STAFF,)


def test_only_change_looks_at_the_model():
    member = account(MEMBER)
    assert not policy.can(member, Action.HISTORY, SelfStudy)
    assert policy.roles_for(Action.BROWSE, RequiredReading) == policy.RULES[Action.BROWSE]


def test_scope_kind_follows_the_role_and_its_scope_field():
    assert policy.scope_kind(account(is_superuser=True)) == "all"
    for role in (STAFF, INSPECTOR, AUDITOR):
        assert policy.scope_kind(account(role, scope_unit_id=1)) == "unit"
        assert policy.scope_kind(account(role)) is None
    assert policy.scope_kind(account(SECRETARY, study_group_id=1)) == "group"
    assert policy.scope_kind(account(MEMBER, person_id=1)) == "person"
    assert policy.scope_kind(account(MEMBER)) is None
    assert policy.scope_kind(account(STAFF, scope_unit_id=1, is_active=False)) is None
    assert policy.scope_kind(AnonymousUser()) is None
    assert policy.scope_kind(account(scope_unit_id=1)) is None


def test_only_roles_listed_see_only_assigned_rows():
    assert policy.sees_only_assigned(account(INSPECTOR), Inspected)
    assert not policy.sees_only_assigned(account(STAFF), Inspected)
    assert not policy.sees_only_assigned(account(is_superuser=True), Inspected)
    assert not policy.sees_only_assigned(account(INSPECTOR), SelfStudy)  # nothing is assigned there


def test_dashboard_kind():
    assert policy.dashboard_kind(account(is_superuser=True)) == "superuser"
    assert policy.dashboard_kind(account(AUDITOR)) == "auditor"
    assert policy.dashboard_kind(account()) == "none"


@pytest.mark.parametrize(
    "target,role,shown",
    [
        ('"studygroups.RequiredReading"', STAFF, "True"),
        ('"studygroups.RequiredReading"', SECRETARY, "False"),
        ("reading", STAFF, "True"),
        ("reading", MEMBER, "False"),
    ],
)
def test_the_template_tag_asks_the_policy(target, role, shown):
    template = Template('{% load policy %}{% can user "change" ' + target + " as may %}{{ may }}")
    rendered = template.render(Context({"user": account(role), "reading": RequiredReading()}))
    assert rendered == shown


def test_the_template_tag_without_a_target():
    template = Template('{% load policy %}{% can user "history" as may %}{{ may }}')
    assert template.render(Context({"user": account(AUDITOR)})) == "True"
    assert template.render(Context({"user": account(INSPECTOR)})) == "False"


# No role checks outside the policy ----------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# The policy itself and the enum; demo data create accounts of each role.
ALLOWED = {"core/policy.py", "core/models/accounts.py", "demo/steps/studygroups.py"}
ROLE_NAMES = {role.name for role in Role}
ROLE_VALUES = set(Role.values)
USER_ROLE = {"user.role", "request.user.role"}


def _role_string(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in ROLE_VALUES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_role_string(item) for item in node.elts)
    return False


def _is_seat(node: ast.AST) -> bool:
    """A study-group seat (Membership.Role), not an account role."""
    return "Membership.Role" in ast.unparse(node)


def role_checks_in_python(source: str) -> list[tuple[int, str]]:
    """Where ``source`` checks an account's role itself: ``Role.STAFF``, ``x.role ==``/``in``, comparisons
    with role names ("staff"...), or queries by a role name."""
    tree = ast.parse(source)
    role_enum = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in ("core.models", "core.models.accounts")
        for alias in node.names
        if alias.name == "Role"
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ROLE_NAMES:
            if isinstance(node.value, ast.Name) and node.value.id in role_enum:
                found.append(node)
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            on_role = any(isinstance(o, ast.Attribute) and o.attr == "role" for o in operands)
            if (on_role and not any(_is_seat(o) for o in operands)) or any(_role_string(o) for o in operands):
                found.append(node)
        elif isinstance(node, ast.keyword) and node.arg in ("role", "role__in") and _role_string(node.value):
            found.append(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _ROLE_IN_TEXT.search(node.value):
            found.append(node)  # template code built in Python (a table column's condition)
    return sorted({(node.lineno, ast.unparse(node)) for node in found})


_ROLE_IN_TEXT = re.compile(r"\buser\.role\s*(?:==|!=|\bnot\s+in\b|\bin\b)")
_OPERAND = r"""[\w.]+|"[^"]*"|'[^']*'"""
_TEMPLATE_COMPARISON = re.compile(rf"(?P<left>{_OPERAND})\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*(?P<right>{_OPERAND})")


def role_checks_in_template(text: str) -> list[tuple[int, str]]:
    """Where a template compares ``user.role``, or anything with a role name, instead of ``{% can %}``."""
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for tag in re.findall(r"{%.*?%}", line):
            for match in _TEMPLATE_COMPARISON.finditer(tag):
                left, right = match["left"], match["right"]
                names = {side[1:-1] for side in (left, right) if side[0] in "\"'"}
                seat = any(side.endswith(".role") and side not in USER_ROLE for side in (left, right))
                if (USER_ROLE & {left, right}) or (names & ROLE_VALUES and not seat):
                    found.append((lineno, match.group(0)))
    return found


def _app_dirs() -> list[Path]:
    """The project's own code: every Django app (a folder with apps.py) but demo data, and the templates."""
    apps = [path.parent for path in ROOT.glob("*/apps.py") if path.parent.name != "demo"]
    return [*apps, ROOT / "config", ROOT / "templates"]


def _scanned(suffix: str):
    for folder in _app_dirs():
        for path in sorted(folder.rglob(f"*{suffix}")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative in ALLOWED:
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_the_scanners_catch_role_checks():
    python = """
from core.models import Role, Membership

if user.role == Role.STAFF:
    pass
allowed = request.user.role in ("staff", "secretary")
kind = "auditor"
if kind == "auditor":
    pass
secretaries = User.objects.filter(role="secretary")
WRITER = 'user.is_superuser or user.role == "staff"'
seat = m.role == Membership.Role.MEMBER
ok = policy.can(user, Action.CHANGE, Plan)
"""
    assert [line for line, _ in role_checks_in_python(python)] == [4, 4, 6, 8, 10, 11]
    assert role_checks_in_python("Role = Membership.Role\nfirst = Role.MEMBER\n") == []

    template = """{% if user.is_superuser or user.role != "member" %}x{% endif %}
{% if user.role in roles %}x{% endif %}
{% if kind == 'staff' %}x{% endif %}
{{ user.get_role_display }}{% if user.role %}{{ user.role }}{% endif %}
{% if m.role == "member" %}seat{% endif %}{% can user "change" object as may_edit %}
{% for member in members %}{{ member }}{% endfor %}"""
    assert [line for line, _ in role_checks_in_template(template)] == [1, 2, 3]


def test_no_role_checks_outside_the_policy():
    scanned, found = 0, []
    for path, source in _scanned(".py"):
        scanned += 1
        found += [f"{path}:{line}: {code}" for line, code in role_checks_in_python(source)]
    for path, text in _scanned(".html"):
        scanned += 1
        found += [f"{path}:{line}: {code}" for line, code in role_checks_in_template(text)]
    assert scanned > 50
    assert found == [], "Ask core.policy (policy.can, {% can %}) instead:\n" + "\n".join(found)
