from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # A development app on top of every other: seed_demo, its toolkit, and one step per feature app
    # (demo/steps/<app>.py). Production code never imports it.
    name = "demo"
    verbose_name = _("Demo data")

    def ready(self):
        from core import registry
        from core.registry import DemoStep
        from demo.steps import assessment, inspections, notifications, outreach, studygroups

        # Run after core's tree, people and accounts (demo.tree), in this order.
        registry.demo_steps.register(
            DemoStep("studygroups", build=studygroups.build, models=studygroups.MODELS, order=10)
        )
        registry.demo_steps.register(
            DemoStep("inspections", build=inspections.build, models=inspections.MODELS, order=20)
        )
        registry.demo_steps.register(DemoStep("outreach", build=outreach.build, models=outreach.MODELS, order=30))
        # The assessments read every app's records above.
        registry.demo_steps.register(DemoStep("assessment", build=assessment.build, models=assessment.MODELS, order=40))
        # What the schedule would have sent the demo accounts, after every app's records.
        registry.demo_steps.register(
            DemoStep("notifications", build=notifications.build, models=notifications.MODELS, order=90)
        )
