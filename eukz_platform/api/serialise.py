"""Items of the read API (and the directory exports), with the fields DESIGN.md lists.

What an item carries beyond its own row (an organisation's sectors and working groups, the name
of a contact's organisation) is read for a whole page at once by ``load_related``: one SQL
statement whatever the number of items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import Integer, String, cast, inspect, literal, select, union_all

from .. import visibility
from ..directory.models import Contact
from ..extensions import db
from ..groups.models import Membership, MembershipStatus, WorkingGroup
from ..organisations.models import Organisation, OrganisationSector
from ..organisations.vocabulary import OrganisationStatus


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
            select(
                OrganisationSector.organisation_id.label("org_id"),
                literal("sector").label("what"),
                cast(OrganisationSector.sector, String).label("value"),
                literal(0, Integer).label("rank"),
            ).where(OrganisationSector.organisation_id.in_(sector_ids))
        )
    if group_ids:
        parts.append(
            select(
                Membership.organisation_id.label("org_id"),
                literal("group").label("what"),
                WorkingGroup.slug.label("value"),
                WorkingGroup.priority.label("rank"),
            )
            .join(WorkingGroup, WorkingGroup.id == Membership.group_id)
            .where(
                Membership.organisation_id.in_(group_ids),
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    if named_ids:
        parts.append(
            select(
                Organisation.id.label("org_id"),
                literal("name").label("what"),
                Organisation.name.label("value"),
                literal(0, Integer).label("rank"),
            ).where(Organisation.id.in_(named_ids))
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


def _loaded(obj, relationship: str) -> bool:
    return relationship not in inspect(obj).unloaded


def related_for(organisations: Iterable[Organisation], contacts: Iterable[Contact]) -> Related:
    """What the items of these organisations and contacts need beyond their rows: what the
    objects already hold (the search service loads sectors and contacts' organisations) is
    taken from them, the rest is read in one statement."""
    organisations, contacts = list(organisations), list(contacts)
    sector_ids = [o.id for o in organisations if not _loaded(o, "sector_rows")]
    named_ids = [
        c.organisation_id
        for c in contacts
        if c.organisation_id is not None and not _loaded(c, "organisation")
    ]
    related = load_related(sector_ids, [o.id for o in organisations], named_ids)
    for org in organisations:
        if _loaded(org, "sector_rows"):
            related.sectors[org.id] = sorted(row.sector.value for row in org.sector_rows)
    for contact in contacts:
        if contact.organisation_id is not None and _loaded(contact, "organisation"):
            related.names[contact.organisation_id] = contact.organisation.name
    return related


def organisation_url(org_id: int) -> str:
    return url_for("organisations.profile", org_id=org_id, _external=True)


def organisation_item(org: Organisation, related: Related) -> dict:
    return {
        "id": org.id,
        "kind": "organisation",
        "name": org.name,
        "url": organisation_url(org.id),
        "acronym": org.acronym,
        "country": org.country,
        "side": org.side.value,
        "city": org.city,
        "type": org.type.value,
        "eesc_group": org.eesc_group.value,
        "sectors": list(related.sectors.get(org.id, [])),
        "website": org.website,
        "verified": org.status == OrganisationStatus.VERIFIED,
        "groups": list(related.groups.get(org.id, [])),
    }


def contact_url(contact: Contact) -> str:
    """The HTML page that shows the contact: its organisation's profile, or the directory."""
    if contact.organisation_id is not None:
        base = organisation_url(contact.organisation_id)
    else:
        base = url_for("directory.index", _external=True)
    return f"{base}#contact-{contact.id}"


def contact_item(contact: Contact, related: Related, viewer) -> dict:
    if contact.organisation_id is not None:
        organisation = {
            "id": contact.organisation_id,
            "name": related.names.get(contact.organisation_id, ""),
            "url": organisation_url(contact.organisation_id),
        }
    elif contact.organisation_name:
        organisation = {"id": None, "name": contact.organisation_name, "url": None}
    else:
        organisation = None
    item = {
        "id": contact.id,
        "kind": "contact",
        "name": contact.name,
        "url": contact_url(contact),
        "role": contact.role,
        "organisation": organisation,
    }
    if visibility.can_see_contact(viewer, contact):
        if contact.email:
            item["email"] = contact.email
        if contact.phone:
            item["phone"] = contact.phone
            item["phone_e164"] = contact.phone_e164
    item["vcard_url"] = url_for("directory.contact_vcard", contact_id=contact.id, _external=True)
    return item
