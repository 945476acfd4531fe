"""Every model, imported in one place so that Alembic and the app see the whole schema."""

from .audit import AuditEntry
from .auth.models import User
from .auth.sessions import UserSession
from .auth.twofactor import RecoveryCode, TwoFactor
from .contacts.models import Contact, ContactImportBatch
from .core.models import (
    AskToJoinRequest,
    Invitation,
    Organisation,
    OrganisationName,
    OrganisationSector,
)
from .groups.models import (
    Announcement,
    Coordinator,
    Meeting,
    MeetingRegistration,
    Membership,
    MembershipEvent,
    WorkingGroup,
    WorkingGroupTranslation,
)
from .mail_queue import FailedMail
from .opportunities.models import DigestSubscription, Opportunity, OpportunityAnswer
from .outputs.models import (
    JointOutput,
    OutputComment,
    OutputEndorsement,
    OutputParagraph,
    OutputSignoff,
    OutputTransition,
)
from .protection.models import ContactDetailsView
from .seeding import SeedRecord

__all__ = [
    "Announcement",
    "AskToJoinRequest",
    "AuditEntry",
    "Contact",
    "ContactDetailsView",
    "ContactImportBatch",
    "Coordinator",
    "DigestSubscription",
    "FailedMail",
    "Meeting",
    "MeetingRegistration",
    "Membership",
    "MembershipEvent",
    "Invitation",
    "Opportunity",
    "OpportunityAnswer",
    "JointOutput",
    "Organisation",
    "OrganisationName",
    "OrganisationSector",
    "OutputComment",
    "OutputEndorsement",
    "OutputParagraph",
    "OutputSignoff",
    "OutputTransition",
    "RecoveryCode",
    "SeedRecord",
    "TwoFactor",
    "User",
    "UserSession",
    "WorkingGroup",
    "WorkingGroupTranslation",
]
