"""An organisation's protection: its admins' choices, the log of views of its members-only
contact details, and withdrawing those details at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, visibility
from ..contacts.models import Contact, Visibility
from ..core.models import Organisation
from ..database import utcnow
from ..extensions import db
from ..permissions import require_admin
from ..signals import contact_details_shown
from .models import Channel, ContactDetailsView

if TYPE_CHECKING:
    from ..auth.models import User

log = logging.getLogger(__name__)

# The log page shows this many of the latest views.
LOG_SHOWN = 200


def set_protection(
    org: Organisation, *, members_only: bool, hide_memberships: bool, by: User
) -> bool:
    """An admin of the organisation (or the secretariat) sets its protection; True if it
    changed. Audit-logged."""
    require_admin(org, by)
    before = {"members_only": org.members_only, "hide_memberships": org.hide_memberships}
    after = {"members_only": bool(members_only), "hide_memberships": bool(hide_memberships)}
    if before == after:
        return False
    org.members_only = after["members_only"]
    org.hide_memberships = after["hide_memberships"]
    audit.commit(
        by,
        "organisation.protection",
        org,
        f"Changed the protection of {org.name}",
        before=before,
        after=after,
    )
    return True


def withdraw_contact_details(org: Organisation, by: User) -> int:
    """Make every contact of the organisation private at once (hidden from members and
    visitors; its own people and the secretariat still see them). Audit-logged; the number
    of contacts changed."""
    require_admin(org, by)
    contacts = list(
        db.session.scalars(
            select(Contact)
            .where(Contact.organisation_id == org.id, Contact.visibility != Visibility.PRIVATE)
            .order_by(Contact.id)
        )
    )
    for contact in contacts:
        contact.visibility = Visibility.PRIVATE
    audit.commit(
        by,
        "organisation.contacts_withdrawn",
        org,
        f"Withdrew the contact details of {org.name} ({len(contacts)} contacts made private)",
        after={"contacts": [c.id for c in contacts], "visibility": Visibility.PRIVATE.value},
    )
    return len(contacts)


def views_of(org: Organisation, by: User, limit: int = LOG_SHOWN) -> list[ContactDetailsView]:
    """The latest views of the organisation's members-only contact details, newest first:
    for its admins and the secretariat."""
    require_admin(org, by)
    return list(
        db.session.scalars(
            select(ContactDetailsView)
            .where(ContactDetailsView.organisation_id == org.id)
            .options(
                joinedload(ContactDetailsView.viewer),
                joinedload(ContactDetailsView.viewer_organisation),
            )
            .order_by(ContactDetailsView.viewed_at.desc(), ContactDetailsView.id.desc())
            .limit(limit)
        )
    )


@contact_details_shown.connect
def record_shown(viewer, contacts: Iterable = (), channel: str = Channel.CONTACT_PAGE) -> None:
    """Record a showing of members-only contact details (visibility.is_members_only_detail):
    one row per organisation whose details were shown, committed at once on the page's own
    connection, without expiring what the page has loaded (nothing else of it is written). A
    failure is logged and never stops the page."""
    organisations = sorted(
        {c.organisation_id for c in contacts if visibility.is_members_only_detail(viewer, c)}
    )
    if not organisations:
        return
    now = utcnow()
    rows = [
        {
            "organisation_id": org_id,
            "viewer_id": viewer.id,
            "viewer_organisation_id": viewer.organisation_id,
            "channel": str(channel),
            "viewed_at": now,
        }
        for org_id in organisations
    ]
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.execute(ContactDetailsView.__table__.insert(), rows)
        session.commit()
    except Exception:  # the page is shown whatever happens to its log entry
        session.rollback()
        log.exception("contact details view not recorded")
    finally:
        session.expire_on_commit = expire


__all__ = ["Channel", "record_shown", "set_protection", "views_of", "withdraw_contact_details"]
