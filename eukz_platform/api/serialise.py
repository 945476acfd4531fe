"""Items of the read API (and the directory exports), with the fields of their response
types (api/schemas.py).

What an item carries beyond its own row (an organisation's sectors and working groups, the name
of a contact's organisation) is read for a whole page at once by ``load_related``: one SQL
statement whatever the number of items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Integer, Select, String, cast, inspect, literal, select, union_all

from .. import visibility
from ..contacts.models import Contact
from ..core.models import Organisation, OrganisationSector
from ..core.vocabulary import OrganisationStatus
from ..extensions import db
from ..groups.models import Membership, MembershipStatus, WorkingGroup
from ..links import site_url
from ..search.records import ContactRecord, OrganisationRecord
from . import schemas


@dataclass
class Related:
    """Per organisation id: its sectors, its working groups (slugs), its name."""

    sectors: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    names: dict[int, str] = field(default_factory=dict)


def load_related(
    sector_ids: Iterable[int], group_ids: Iterable[int], named_ids: Iterable[int]
) -> Related:
    """Sectors of some organisations, the active working groups of some, and the names of
    others, in one statement (none when nothing is asked)."""
    sector_ids, group_ids, named_ids = (
        sorted(set(ids)) for ids in (sector_ids, group_ids, named_ids)
    )
    related = Related()
    parts = []
    if sector_ids:
        parts.append(
            _related_rows(
                OrganisationSector.organisation_id,
                "sector",
                cast(OrganisationSector.sector, String),
                literal(0, Integer),
            ).where(OrganisationSector.organisation_id.in_(sector_ids))
        )
    if group_ids:
        parts.append(
            _related_rows(
                Membership.organisation_id, "group", WorkingGroup.slug, WorkingGroup.priority
            )
            .join(WorkingGroup, WorkingGroup.id == Membership.group_id)
            .where(
                Membership.organisation_id.in_(group_ids),
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    if named_ids:
        parts.append(
            _related_rows(Organisation.id, "name", Organisation.name, literal(0, Integer)).where(
                Organisation.id.in_(named_ids)
            )
        )
    if not parts:
        return related
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = db.session.execute(statement).all()
    for org_id, what, value, _rank in sorted(rows, key=lambda r: (r[3], r[2])):
        if what == "sector":
            related.sectors[org_id].append(value)
        elif what == "group":
            related.groups[org_id].append(value)
        else:
            related.names[org_id] = value
    return related


def _related_rows(org_id, what: str, value, rank) -> Select:
    """One part of ``load_related``'s statement: (org_id, what, value, rank) rows, ``rank``
    ordering the values of one organisation."""
    return select(
        org_id.label("org_id"),
        literal(what).label("what"),
        value.label("value"),
        rank.label("rank"),
    )


def _loaded(obj, relationship: str) -> bool:
    return relationship not in inspect(obj).unloaded


def _known_sectors(org) -> list[str] | None:
    """The organisation's sectors if the object holds them: a search record always does, a
    model when its sector rows are loaded."""
    if isinstance(org, OrganisationRecord):
        return sorted(sector.value for sector in org.sectors)
    if _loaded(org, "sector_rows"):
        return sorted(row.sector.value for row in org.sector_rows)
    return None


def _known_organisation_name(contact) -> str | None:
    if isinstance(contact, ContactRecord):
        return contact.organisation.name if contact.organisation else None
    if _loaded(contact, "organisation") and contact.organisation is not None:
        return contact.organisation.name
    return None


def related_for(organisations: Iterable, contacts: Iterable) -> Related:
    """What the items of these organisations and contacts (models or search records) need
    beyond their rows: what the objects already hold is taken from them, the rest is read in
    one statement."""
    organisations, contacts = list(organisations), list(contacts)
    known_sectors = {o.id: _known_sectors(o) for o in organisations}
    known_names = {
        c.organisation_id: _known_organisation_name(c)
        for c in contacts
        if c.organisation_id is not None
    }
    related = load_related(
        [org_id for org_id, sectors in known_sectors.items() if sectors is None],
        [o.id for o in organisations],
        [org_id for org_id, name in known_names.items() if name is None],
    )
    for org_id, sectors in known_sectors.items():
        if sectors is not None:
            related.sectors[org_id] = sectors
    for org_id, name in known_names.items():
        if name is not None:
            related.names[org_id] = name
    return related


def organisation_url(org_id: int) -> str:
    return site_url("organisations.profile", org_id=org_id)


def organisation_item(org: Organisation, related: Related, viewer) -> schemas.Organisation:
    """The organisation's item; its working groups only for a viewer who may see them."""
    groups = related.groups.get(org.id, []) if visibility.can_see_memberships(viewer, org) else []
    return schemas.Organisation(
        id=org.id,
        kind="organisation",
        name=org.name,
        url=organisation_url(org.id),
        acronym=org.acronym,
        country=org.country,
        side=org.side.value,
        city=org.city,
        region=org.region,
        type=org.type.value,
        eesc_group=org.eesc_group.value,
        sectors=list(related.sectors.get(org.id, [])),
        website=org.website,
        verified=org.status == OrganisationStatus.VERIFIED,
        groups=list(groups),
    )


def contact_url(contact: Contact) -> str:
    """The HTML page that shows the contact: its own page."""
    return site_url("directory.contact_page", contact_id=contact.id)


def contact_item(contact: Contact, related: Related, viewer) -> schemas.Contact:
    if contact.organisation_id is not None:
        organisation = schemas.OrganisationRef(
            id=contact.organisation_id,
            name=related.names.get(contact.organisation_id, ""),
            url=organisation_url(contact.organisation_id),
        )
    elif contact.organisation_name:
        organisation = schemas.OrganisationRef(id=None, name=contact.organisation_name, url=None)
    else:
        organisation = None
    item = schemas.Contact(
        id=contact.id,
        kind="contact",
        name=contact.name,
        url=contact_url(contact),
        role=contact.role,
        organisation=organisation,
    )
    if visibility.can_see_contact(viewer, contact):
        if contact.email:
            item["email"] = contact.email
        if contact.phone:
            item["phone"] = contact.phone
            item["phone_e164"] = contact.phone_e164
    item["vcard_url"] = site_url("directory.contact_vcard", contact_id=contact.id)
    return item


def items(
    objects: list, viewer
) -> list[schemas.Organisation | schemas.Contact | schemas.Opportunity]:
    """API items for a page of organisations, contacts (models or search records) and partner
    search posts, in their order, with one statement for what they need beyond their rows."""
    from ..opportunities.models import Opportunity
    from ..opportunities.services import today as today_
    from .opportunities import post_item

    posts = [o for o in objects if isinstance(o, Opportunity)]
    people = [o for o in objects if isinstance(o, Contact | ContactRecord)]
    organisations = [o for o in objects if not isinstance(o, Contact | ContactRecord | Opportunity)]
    related = related_for(organisations, people)
    today = today_() if posts else None
    return [
        post_item(o, today)
        if isinstance(o, Opportunity)
        else contact_item(o, related, viewer)
        if isinstance(o, Contact | ContactRecord)
        else organisation_item(o, related, viewer)
        for o in objects
    ]
