from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    # Exchange and outreach (城乡互动学): pairing and exchange visits, themed party days, the three asks and
    # practical things for the people, and the online learning column.
    name = "outreach"
    verbose_name = _("Exchange and outreach")

    def ready(self):
        from core import autocomplete, registry
        from core.policy import Action, Dashboard
        from core.registry import DashboardPanel, NavEntry
        from outreach.selectors.dashboard import needs_panel, posts_panel
        from outreach.services import NEED_OVERDUE

        for label, name in (
            ("Pairing", "pairing"),
            ("ExchangeVisit", "exchangevisit"),
            ("PartyDay", "partyday"),
            ("BranchHouseholds", "branchhouseholds"),
            ("Need", "need"),
            ("Column", "column"),
            ("Post", "post"),
        ):
            registry.history_models.register(f"outreach.{label}", name)
        for label in ("PartyDay", "Need"):
            registry.attachment_owners.register(f"outreach.{label}")
        from outreach.forms import party_days_to_choose

        autocomplete.register("party_days", party_days_to_choose)
        registry.notification_kinds[NEED_OVERDUE] = _("Overdue practical thing")

        registry.dashboard_panels.register(
            DashboardPanel(
                "outreach_needs", "outreach/includes/dashboard_needs.html", needs_panel, Action.BROWSE, order=40
            )
        )
        registry.dashboard_panels.register(
            DashboardPanel(
                "outreach_posts",
                "outreach/includes/dashboard_posts.html",
                posts_panel,
                dashboards=(Dashboard.MEMBER,),
                order=41,
            )
        )
        menu = _("Exchange and outreach")
        entries = [
            NavEntry(_("Pairings"), "outreach:pairing_list", menu, order=60),
            NavEntry(_("Exchange visits"), "outreach:visit_list", menu, order=61),
            NavEntry(_("Themed party days"), "outreach:partyday_list", menu, (Action.BROWSE, None), 62),
            NavEntry(_("Raised needs"), "outreach:need_list", menu, (Action.BROWSE, None), 63),
            NavEntry(_("Household coverage"), "outreach:coverage", menu, (Action.BROWSE, None), 64),
            NavEntry(_("Online learning"), "outreach:post_list", menu, order=65),
            NavEntry(_("Reading of the posts"), "outreach:post_reading", menu, (Action.SUPERVISE, None), 66),
        ]
        for entry in entries:
            registry.nav_entries.register(entry)
        # The indicators the annual assessment may score (core.registry.indicator_sources).
        from outreach import indicators

        indicators.register()
