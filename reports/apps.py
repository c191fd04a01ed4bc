from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    # Half-year summaries, year-end packs and study archives, rendered by Celery (see reports/services.py).
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import registry
        from core.policy import Dashboard
        from core.registry import DashboardPanel, NavEntry, PanelOrder
        from reports.models import JOB_DONE, JOB_FAILED
        from reports.selectors import downloads_panel

        registry.history_models.register("reports.ReportJob", "reportjob")
        registry.history_models.register("reports.SummaryNarrative", "summarynarrative")
        registry.notification_kinds[JOB_DONE] = _("Report ready")
        registry.notification_kinds[JOB_FAILED] = _("Report failed")
        menu = _("Reports")
        registry.nav_entries.register(NavEntry(_("Report jobs"), "reports:job_list", menu, order=60))
        registry.nav_entries.register(NavEntry(_("Inspection bulletins"), "reports:bulletin_list", menu, order=62))
        registry.history_models.register("reports.Bulletin", "bulletin")
        registry.nav_entries.register(NavEntry(_("Check a year-end pack"), "reports:pack_check", menu, order=61))
        # The auditor's and staff's downloads: their latest report jobs and the frozen year-end packs.
        registry.dashboard_panels.register(
            DashboardPanel(
                "report_downloads",
                "reports/includes/dashboard_downloads.html",
                downloads_panel,
                dashboards=(Dashboard.AUDITOR, Dashboard.STAFF),
                order=PanelOrder.LINKS,
            )
        )
