from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # A development app: seed_demo and its toolkit. It has no models; the feature apps register their steps.
    name = "demo"
    verbose_name = _("Demo data")
