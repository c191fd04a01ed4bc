from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudygroupsConfig(AppConfig):
    name = "studygroups"
    verbose_name = _("Study groups")

    def ready(self):
        from django.urls import reverse

        from core import registry
        from core.policy import Action, Dashboard
        from core.registry import DashboardPanel, NavEntry, PanelOrder
        from studygroups.selectors import dashboard
        from studygroups.services import coverage
        from studygroups.services.sessions import NOTICE, RECORD_REMINDER

        for name in ("session", "attendance", "reflection", "selfstudy", "research", "article", "exam", "plan"):
            label = {
                "session": "StudySession",
                "research": "ResearchTopic",
                "article": "TheoryArticle",
                "exam": "ExamScore",
                "selfstudy": "SelfStudy",
            }.get(name, name.capitalize())
            registry.history_models.register(f"studygroups.{label}", name)
        for label in ("StudySession", "Reflection", "ResearchTopic", "TheoryArticle"):
            registry.attachment_owners.register(f"studygroups.{label}")
        # The org tree's models live in core; their pages are served here.
        for model, url_name in (
            ("OrgUnit", "orgunit_detail"),
            ("StudyGroup", "studygroup_detail"),
            ("Person", "person_detail"),
        ):
            registry.detail_urls[f"core.{model}"] = f"studygroups:{url_name}"
        # Where each history page links back to: the record's page, or the page it is shown on.
        registry.detail_urls.update(
            {
                "core.Membership": lambda membership: membership.study_group.get_absolute_url(),
                "studygroups.Attendance": lambda row: row.session.get_absolute_url(),
                "studygroups.Reflection": lambda row: row.session.get_absolute_url(),
                "studygroups.Plan": "studygroups:plan_detail",
                "studygroups.ResearchTopic": "studygroups:research_detail",
                "studygroups.TheoryArticle": "studygroups:article_detail",
                "studygroups.SelfStudy": lambda row: reverse("studygroups:selfstudy_list"),
                "studygroups.ExamScore": lambda row: reverse("studygroups:exam_list"),
            }
        )
        coverage.connect()
        registry.notification_kinds[NOTICE] = _("Advance notice")
        registry.notification_kinds[RECORD_REMINDER] = _("Record reminder")

        # The year's state for those who oversee groups; each role's work, then its shortcuts, on its own
        # dashboard. Every figure links to the list that shows exactly the rows it counts.
        D = Dashboard
        panels = [
            DashboardPanel(
                "county_state",
                "studygroups/includes/dashboard_county_state.html",
                dashboard.county_state,
                Action.SUPERVISE,
                order=PanelOrder.STATE - 1,
            ),
            DashboardPanel(
                "year_state",
                "studygroups/includes/dashboard_year_state.html",
                dashboard.year_state,
                Action.SUPERVISE,
                order=PanelOrder.STATE,
            ),
            DashboardPanel(
                "behind_plan",
                "studygroups/includes/dashboard_behind_plan.html",
                dashboard.behind_plan,
                Action.BROWSE,
                dashboards=(D.STAFF, D.SUPERUSER),
                order=PanelOrder.STATE + 1,
            ),
            DashboardPanel(
                "upcoming_sessions",
                "studygroups/includes/dashboard_upcoming.html",
                dashboard.upcoming_sessions,
                dashboards=(D.STAFF, D.INSPECTOR, D.SUPERUSER),
                order=PanelOrder.WORK,
            ),
            DashboardPanel(
                "secretary_work",
                "studygroups/includes/dashboard_secretary_work.html",
                dashboard.secretary_work,
                dashboards=(D.SECRETARY,),
                order=PanelOrder.WORK,
            ),
            DashboardPanel(
                "member_work",
                "studygroups/includes/dashboard_member_work.html",
                dashboard.member_work,
                dashboards=(D.MEMBER,),
                order=PanelOrder.WORK,
            ),
            # PanelOrder.ASSIGNED is the inspections app's (an inspector's open items).
            DashboardPanel(
                "links_staff",
                "studygroups/includes/dashboard_links_staff.html",
                _no_data,
                dashboards=(D.STAFF,),
                order=PanelOrder.LINKS,
            ),
            DashboardPanel(
                "links_inspector",
                "studygroups/includes/dashboard_links_inspector.html",
                _no_data,
                dashboards=(D.INSPECTOR,),
                order=PanelOrder.LINKS,
            ),
            DashboardPanel(
                "links_secretary",
                "studygroups/includes/dashboard_links_secretary.html",
                lambda user, today: {"group": user.study_group},
                dashboards=(D.SECRETARY,),
                order=PanelOrder.LINKS,
            ),
            DashboardPanel(
                "links_member",
                "studygroups/includes/dashboard_links_member.html",
                lambda user, today: {"person": user.person},
                dashboards=(D.MEMBER,),
                order=PanelOrder.LINKS,
            ),
        ]
        for panel in panels:
            registry.dashboard_panels.register(panel)

        records, org = _("Study records"), _("Organization")
        entries = [
            NavEntry(_("Study sessions"), "studygroups:session_list", order=10),
            NavEntry(_("Study plans"), "studygroups:plan_list", records, order=20),
            NavEntry(_("Plan coverage"), "studygroups:plan_coverage", records, (Action.BROWSE, None), 21),
            NavEntry(_("Required reading"), "studygroups:reading_list", records, order=22),
            NavEntry(_("Reflections"), "studygroups:reflection_list", records, order=23),
            NavEntry(_("Make-up study owed"), "studygroups:makeup_list", records, order=24),
            NavEntry(_("Self-study"), "studygroups:selfstudy_list", records, order=25),
            NavEntry(_("Research topics"), "studygroups:research_list", records, order=26),
            NavEntry(_("Theory articles and research reports"), "studygroups:article_list", records, order=27),
            NavEntry(_("Theory exam scores"), "studygroups:exam_list", records, order=28),
            NavEntry(_("Study groups"), "studygroups:studygroup_list", org, order=40),
            NavEntry(_("Organizations"), "studygroups:orgunit_list", org, (Action.BROWSE, None), 41),
            NavEntry(_("People"), "studygroups:person_list", org, (Action.BROWSE, None), 42),
            NavEntry(_("Import"), "studygroups:import_upload", org, (Action.IMPORT, None), 43),
        ]
        for entry in entries:
            registry.nav_entries.register(entry)
        # The indicators the annual assessment may score (core.registry.indicator_sources).
        from studygroups import indicators

        indicators.register()


def _no_data(user, today) -> dict:
    return {}
