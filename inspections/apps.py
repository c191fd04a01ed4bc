from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    # Sit-in inspection (巡听旁听) and rectification: models arrive with their issue.
    name = "inspections"
    verbose_name = _("Sit-in inspections")
