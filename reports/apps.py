from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    # Half-year summaries, year-end packs and study archives, rendered by Celery (see reports/services.py).
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import registry
        from core.registry import NavEntry
        from reports.models import JOB_DONE, JOB_FAILED

        registry.history_models.register("reports.ReportJob", "reportjob")
        registry.history_models.register("reports.SummaryNarrative", "summarynarrative")
        registry.notification_kinds[JOB_DONE] = _("Report ready")
        registry.notification_kinds[JOB_FAILED] = _("Report failed")
        menu = _("Reports")
        registry.nav_entries.register(NavEntry(_("Report jobs"), "reports:job_list", menu, order=60))
        registry.nav_entries.register(NavEntry(_("Inspection bulletins"), "reports:bulletin_list", menu, order=62))
        registry.history_models.register("reports.Bulletin", "bulletin")
        registry.nav_entries.register(NavEntry(_("Check a year-end pack"), "reports:pack_check", menu, order=61))
