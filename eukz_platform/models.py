"""Every model, imported in one place so that Alembic and the app see the whole schema."""

from .auth.models import User
from .directory.models import Contact
from .groups.models import WorkingGroup, WorkingGroupTranslation
from .organisations.models import Invitation, Organisation, OrganisationSector
from .seeding import SeedRecord

__all__ = [
    "Contact",
    "Invitation",
    "Organisation",
    "OrganisationSector",
    "SeedRecord",
    "User",
    "WorkingGroup",
    "WorkingGroupTranslation",
]
