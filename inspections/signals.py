"""A visited session that moves takes its visits' deadlines along and tells their inspectors.

A signal, since studygroups (below) must not know about inspections."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from studygroups.models import StudySession


@receiver(post_save, sender=StudySession, dispatch_uid="inspections_session_moved")
def _session_saved(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    from inspections.services.visits import session_moved

    session_moved(instance)
