from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    # Half-year summaries, bulletins and year-end packs rendered by Celery: models arrive with their issue.
    name = "reports"
    verbose_name = _("Reports")
