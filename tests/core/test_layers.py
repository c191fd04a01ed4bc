"""The dependency rule: core is the ground and knows no feature app; feature apps plug in through registries."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from core import registry

ROOT = Path(settings.BASE_DIR)
FEATURE_APPS = sorted(
    config.name
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(ROOT) and config.name != "core" and ".venv" not in Path(config.path).parts
)


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module" and node.args:
            if isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    return names


def test_the_feature_apps_are_known():
    assert "studygroups" in FEATURE_APPS and "reports" in FEATURE_APPS


def test_no_module_under_core_imports_a_feature_app():
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        for module in _imported_modules(path):
            if module.split(".")[0] in FEATURE_APPS:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_scan_would_catch_an_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from studygroups.models import StudySession\n")
    assert "studygroups.models" in _imported_modules(sample)


def test_no_core_migration_depends_on_a_feature_app():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    bad = [
        (key, dependency)
        for key, migration in loader.disk_migrations.items()
        if key[0] == "core"
        for dependency in migration.dependencies
        if dependency[0] in FEATURE_APPS
    ]
    assert bad == []


def test_no_core_model_points_at_a_feature_app():
    for model in apps.get_app_config("core").get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is not None and field.concrete:
                assert related._meta.app_label not in FEATURE_APPS, f"{model.__name__}.{field.name}"


def test_feature_apps_register_what_core_shows():
    assert registry.history_models.get("session")._meta.label == "studygroups.StudySession"
    assert registry.history_models.get("person")._meta.label == "core.Person"
    owners = {model._meta.label for model in registry.attachment_owners.models()}
    assert {"studygroups.StudySession", "studygroups.Reflection"} <= owners
    assert "studygroups.notice" in registry.notification_kinds
    assert "year_state" in {panel.name for panel in registry.dashboard_panels}
    assert "studygroups:session_list" in {entry.url_name for entry in registry.nav_entries}
    assert registry.detail_urls["core.StudyGroup"] == "studygroups:studygroup_detail"


def test_a_core_record_links_to_the_page_its_app_registered(world, monkeypatch):
    group = world.home.dept_group
    assert group.get_absolute_url() == f"/groups/{group.pk}/"
    monkeypatch.delitem(registry.detail_urls, "core.StudyGroup")
    assert group.get_absolute_url() == ""  # no app shows groups: no link, and core still works


# Each app's layer: an app may import only apps of a lower layer (and its own).
LAYERS = {"core": 0, "studygroups": 1, "inspections": 2, "outreach": 2, "assessment": 3, "reports": 4, "demo": 9}


def test_every_app_has_a_layer():
    assert set(FEATURE_APPS) <= set(LAYERS)


def test_no_app_imports_an_app_above_it():
    offenders = []
    for app, layer in LAYERS.items():
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            for module in _imported_modules(path):
                other = module.split(".")[0]
                if other != app and LAYERS.get(other, -1) >= layer:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []
