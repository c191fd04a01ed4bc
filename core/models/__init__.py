from core.models.accounts import READ_ONLY_ROLES, Role, User
from core.models.attachments import Attachment
from core.models.audit import AuditedModel
from core.models.calendar import WorkdayOverride
from core.models.notifications import Notification
from core.models.org import Membership, OrgUnit, Person, StudyGroup

__all__ = [
    "READ_ONLY_ROLES",
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
