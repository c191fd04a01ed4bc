from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    # Sit-in inspection (巡听旁听) and rectification (以巡促改).
    name = "inspections"
    verbose_name = _("Sit-in inspections")

    def ready(self):
        from django.urls import reverse

        from core import registry
        from core.policy import Action, Dashboard
        from core.registry import DashboardPanel, NavEntry
        from inspections import signals  # noqa: F401  (connects the session-moved hook)
        from inspections.selectors.dashboard import dashboard_context
        from inspections.services import findings, visits

        for name, label in (
            ("inspectionplan", "InspectionPlan"),
            ("plantarget", "PlanTarget"),
            ("visit", "Visit"),
            ("finding", "Finding"),
            ("scoretemplate", "ScoreTemplate"),
            ("criterion", "Criterion"),
        ):
            registry.history_models.register(f"inspections.{label}", name)
        registry.attachment_owners.register("inspections.Finding")
        registry.detail_urls["inspections.ScoreTemplate"] = "inspections:scorecard_detail"
        registry.detail_urls["inspections.Criterion"] = lambda criterion: reverse(
            "inspections:scorecard_detail", args=[criterion.template_id]
        )
        registry.notification_kinds[visits.RESCHEDULED] = _("Inspected session rescheduled")
        registry.notification_kinds[visits.PUBLISHED] = _("Sit-in result published")
        registry.notification_kinds[visits.SUMMARY_DUE] = _("Observer summary due")
        registry.notification_kinds[findings.ANSWERED] = _("Rectification answered")
        registry.notification_kinds[findings.RETURNED] = _("Rectification sent back")
        registry.notification_kinds[findings.OVERDUE] = _("Rectification overdue")

        registry.dashboard_panels.register(
            DashboardPanel(
                "inspections",
                "inspections/includes/dashboard_panel.html",
                dashboard_context,
                Action.SUPERVISE,
                dashboards=(Dashboard.STAFF, Dashboard.INSPECTOR, Dashboard.SUPERUSER),
                order=30,
            )
        )
        menu = _("Sit-in inspection")
        entries = [
            NavEntry(_("Inspection plans"), "inspections:plan_list", menu, (Action.SUPERVISE, None), 60),
            NavEntry(_("Visits"), "inspections:visit_list", menu, order=61),
            NavEntry(_("Rectification items"), "inspections:finding_list", menu, order=62),
            NavEntry(_("Inspection bulletin"), "inspections:bulletin", menu, (Action.SUPERVISE, None), 63),
            NavEntry(_("Scorecards"), "inspections:scorecard_list", menu, (Action.SUPERVISE, None), 64),
        ]
        for entry in entries:
            registry.nav_entries.register(entry)
        # The indicators the annual assessment may score (core.registry.indicator_sources).
        from inspections import indicators

        indicators.register()
