"""What a search result carries of each organisation and contact: read-only records, filled
from the same statement that finds the page of hits (no second read, no ORM objects).

They have the attribute names of the models (``Organisation``, ``Contact``) for what result
pages, the read API and the exports show, so templates and serialisers read either.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contacts.models import Visibility
from ..core.models import ConfirmationState
from ..core.vocabulary import EESCGroup, OrganisationStatus, OrganisationType, Sector, Side
from .indexing import SECTOR_BITS


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    id: int
    name: str
    acronym: str | None
    country: str
    side: Side
    city: str | None
    type: OrganisationType
    eesc_group: EESCGroup
    website: str | None
    description: str | None
    status: OrganisationStatus
    confirmation_state: ConfirmationState
    sectors: tuple[Sector, ...]
    region: str | None = None
    members_only: bool = False
    hide_memberships: bool = False


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    """A contact's organisation: what is shown beside the contact."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ContactRecord:
    id: int
    organisation_id: int | None
    organisation_name: str | None  # free text, for contacts outside any organisation
    name: str
    role: str | None
    email: str | None
    phone: str | None
    phone_e164: str | None
    visibility: Visibility
    organisation: OrganisationRef | None

    @property
    def organisation_label(self) -> str | None:
        return self.organisation.name if self.organisation else self.organisation_name


def _members(enum) -> dict:
    """Value -> member: a dictionary lookup costs less than calling the enum, per field of
    each of a page's records."""
    return {member.value: member for member in enum}


_SIDES, _TYPES, _GROUPS = _members(Side), _members(OrganisationType), _members(EESCGroup)
_STATUSES, _CONFIRMATIONS = _members(OrganisationStatus), _members(ConfirmationState)
_VISIBILITIES = _members(Visibility)


def sectors_of(mask: int | None) -> tuple[Sector, ...]:
    """The sectors whose bits are set in the document's mask, in the vocabulary's order."""
    mask = int(mask or 0)
    return tuple(sector for sector, bit in SECTOR_BITS.items() if mask & bit)


def organisation_record(row) -> OrganisationRecord:
    return OrganisationRecord(
        id=row.ref_id,
        name=row.o_name,
        acronym=row.o_acronym,
        country=row.o_country,
        side=_SIDES[row.o_side],
        city=row.o_city,
        type=_TYPES[row.o_type],
        eesc_group=_GROUPS[row.o_eesc_group],
        website=row.o_website,
        description=row.o_description,
        status=_STATUSES[row.o_status],
        confirmation_state=_CONFIRMATIONS[row.o_confirmation],
        sectors=sectors_of(row.sectors),
        region=row.o_region,
        members_only=bool(row.o_members_only),
        hide_memberships=bool(row.o_hide_memberships),
    )


def contact_record(row) -> ContactRecord:
    organisation = None
    if row.c_organisation_id is not None and row.co_name is not None:
        organisation = OrganisationRef(row.c_organisation_id, row.co_name)
    return ContactRecord(
        id=row.ref_id,
        organisation_id=row.c_organisation_id,
        organisation_name=row.c_organisation_name,
        name=row.c_name,
        role=row.c_role,
        email=row.c_email,
        phone=row.c_phone,
        phone_e164=row.c_phone_e164,
        visibility=_VISIBILITIES[row.c_visibility],
        organisation=organisation,
    )
