from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Accounts and access")

    def ready(self):
        from core import registry
        from core.tables import cache_render_signatures

        cache_render_signatures()

        for name, label in (
            ("orgunit", "core.OrgUnit"),
            ("studygroup", "core.StudyGroup"),
            ("person", "core.Person"),
            ("membership", "core.Membership"),
        ):
            registry.history_models.register(label, name)
