from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    # Annual assessment (年度考核): schemes, results computed from the records, adjustments, publication.
    name = "assessment"
    verbose_name = _("Annual assessment")

    def ready(self):
        from assessment.selectors import dashboard_panel
        from assessment.services import key_target_candidates
        from core import registry
        from core.policy import Action
        from core.registry import DashboardPanel, NavEntry, PanelOrder
        from inspections.registry import key_target_sources

        for label in ("Scheme", "SchemeIndicator", "Run", "Result", "Adjustment"):
            registry.history_models.register(f"assessment.{label}", label.lower())
        registry.detail_urls["assessment.Scheme"] = "assessment:scheme_detail"
        registry.detail_urls["assessment.Run"] = "assessment:run_detail"
        registry.detail_urls["assessment.Result"] = "assessment:result_detail"
        # Last year's published results propose next year's key inspection targets.
        if key_target_candidates not in key_target_sources:
            key_target_sources.append(key_target_candidates)

        menu = _("Annual assessment")
        # Everyone signed in: groups find their own published row there; staff and auditors the county's.
        registry.nav_entries.register(NavEntry(_("Assessment results"), "assessment:run_list", menu, order=70))
        registry.nav_entries.register(
            NavEntry(_("Assessment schemes"), "assessment:scheme_list", menu, (Action.SUPERVISE, None), 71)
        )
        registry.nav_entries.register(
            NavEntry(_("Assessment charts"), "assessment:charts", menu, (Action.SUPERVISE, None), 72)
        )
        # Staff and auditors (those who oversee the county): the newest results and the charts.
        registry.dashboard_panels.register(
            DashboardPanel(
                "assessment",
                "assessment/includes/dashboard_panel.html",
                dashboard_panel,
                Action.SUPERVISE,
                order=PanelOrder.STATE + 5,
            )
        )
