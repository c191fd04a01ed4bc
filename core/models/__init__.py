from core.models.accounts import Role, User
from core.models.attachments import Attachment
from core.models.audit import AuditedModel
from core.models.calendar import WorkdayOverride
from core.models.notifications import Notification
from core.models.org import Membership, OrgUnit, Person, StudyGroup

__all__ = [
    "Attachment",
    "AuditedModel",
    "Membership",
    "Notification",
    "OrgUnit",
    "Person",
    "Role",
    "StudyGroup",
    "User",
    "WorkdayOverride",
]
