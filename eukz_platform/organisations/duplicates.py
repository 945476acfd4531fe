"""Duplicates caught at the door: "this organisation may already be registered".

The registration service already refuses the same name (case, accents, spaces, invisible
characters and look-alike letters aside: ``name_keys.py``) and the same registration number.
Beyond that, while registering, a near match is shown before anything is created:

- the same name once folded (case, accents, Cyrillic/Latin transliteration, punctuation),
  compared with the names and other names of every organisation verified or awaiting
  verification (``visibility.DUPLICATE_CHECK``: also those not yet public); or
- the same website domain (``www.``, the scheme, the port and the path do not count).

The person can go on ("Register anyway") or ask to be added to the existing organisation.
An exact duplicate name cannot be registered; the organisation that has it is shown with the
same offer to ask to be added.
The request is kept and the person is mailed a link to confirm their email address; once
they follow it, the request (their name, email and message) is mailed to the organisation's
admins, once, so that nobody can send the admins mail in someone else's name. No account is
created until an admin invites them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    current_app,
    request,
)
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from .. import mailing, search, visibility
from ..auth import tokens
from ..core.models import AskToJoinRequest, Organisation
from ..core.name_keys import name_key, name_skeleton, same_name
from ..database import utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..links import site_url
from ..search.folding import fold

logger = logging.getLogger(__name__)

MAX_MATCHES = 5
# The registration form's checkbox that says "I have seen the near matches: register anyway".
CONFIRM_FIELD = "register_anyway"


def folded_key(name: str) -> str:
    """A name as near matches compare it: folded, letters and digits only."""
    return "".join(c for c in fold(name or "") if c.isalnum())


def website_domain(url: str | None) -> str | None:
    """The host of a web address, in lower case, without ``www.`` or a port."""
    if not url:
        return None
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host or None


def _same_name(name: str) -> list[Organisation]:
    key = folded_key(name)
    if not key:
        return []
    try:
        result = search.search(
            search.SearchQuery(
                q=name, kinds=["organisation"], per_page=20, with_facets=False, sort="relevance"
            ),
            # Every organisation verified or awaiting verification, shown to visitors or not.
            visibility.DUPLICATE_CHECK,
        )
    except search.BadQuery:
        return []
    found = []
    candidates = db.session.scalars(
        select(Organisation)
        .where(Organisation.id.in_([hit.id for hit in result.items]))
        .options(selectinload(Organisation.other_names))
    ).all()
    by_id = {org.id: org for org in candidates}
    for org in (by_id[hit.id] for hit in result.items if hit.id in by_id):
        if same_name(org.name, name):
            continue  # the same name: the registration service refuses it with its own message
        names = [org.name, *(other.name for other in org.other_names)]
        if any(folded_key(n) == key for n in names):
            found.append(org)
    return found


def same_name_listed(name: str) -> list[Organisation]:
    """Organisations verified or awaiting verification with exactly this name (case, accents,
    spaces and look-alike letters aside), which the registration service refuses: the person
    may ask to be added to one of them instead."""
    if not (name or "").strip():
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                or_(
                    Organisation.name_key == name_key(name),
                    Organisation.name_skeleton == name_skeleton(name),
                ),
                visibility.visible_organisations(visibility.DUPLICATE_CHECK),
            )
            .order_by(Organisation.id)
            .limit(MAX_MATCHES)
        )
    )


def _same_domain(website: str | None) -> list[Organisation]:
    domain = website_domain(website)
    if not domain:
        return []
    pattern = "%" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.website.ilike(pattern, escape="\\"),
            visibility.visible_organisations(visibility.DUPLICATE_CHECK),
        )
        .options(selectinload(Organisation.other_names))
        .order_by(Organisation.id)
        .limit(50)
    )
    return [org for org in candidates if website_domain(org.website) == domain]


def near_matches(name: str, website: str | None) -> list[Organisation]:
    """Listed organisations that may be the one being registered, the closest first."""
    found: dict[int, Organisation] = {}
    for org in (*_same_name(name), *_same_domain(website)):
        found.setdefault(org.id, org)
    return list(found.values())[:MAX_MATCHES]


def matches_to_confirm(form) -> list[Organisation]:
    """Near matches of a registration form the person has not yet chosen to go past."""
    if request.form.get(CONFIRM_FIELD):
        return []
    return near_matches(form.name.data, form.website.data)


# Asking to be added to an existing organisation


TOKEN_PURPOSE = "ask-to-join"  # nosec B105 # a token salt's name, not a password


class AlreadyForwarded(Conflict, category="info"):
    """The request reached the organisation's admins before: it is forwarded once."""

    def __init__(self, request: AskToJoinRequest):
        super().__init__(
            _(
                "Your request was already sent to the admins of %(organisation)s.",
                organisation=request.organisation.name,
            )
        )
        self.request = request


class NotListed(NotFound):
    """The organisation is no longer shown on the platform (rejected or suspended since)."""


def _max_age() -> int:
    return current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]


def ask_to_join(
    org: Organisation, full_name: str, email: str, message: str | None
) -> AskToJoinRequest:
    """Keep the request and mail the person a link to confirm their address; the admins hear
    of it only when the link is followed (``forward``)."""
    # Requests whose link has expired can never be forwarded: forget them.
    expired = utcnow() - timedelta(seconds=_max_age())
    db.session.execute(delete(AskToJoinRequest).where(AskToJoinRequest.created_at < expired))
    asked = AskToJoinRequest(
        organisation_id=org.id, full_name=full_name, email=email, message=message
    )
    db.session.add(asked)
    db.session.commit()
    token = tokens.make(TOKEN_PURPOSE, {"rid": asked.id, "email": asked.email})
    mailing.send(
        asked.email,
        lambda: _("Confirm your request to join %(organisation)s", organisation=org.name),
        "ask_to_join_confirm",
        organisation=org,
        full_name=full_name,
        days=max(1, _max_age() // 86400),
        link=site_url("organisations.confirm_ask_to_join", org_id=org.id, token=token),
    )
    logger.info("Request %s to join organisation %s awaits confirmation", asked.id, org.id)
    return asked


def forward(org_id: int, token: str) -> AskToJoinRequest:
    """Mail a confirmed request to the organisation's admins, once.

    InvalidToken for a link that is not a current one of this organisation, NotListed when
    the organisation is no longer shown, AlreadyForwarded when the link was followed before.
    """
    payload = tokens.read(TOKEN_PURPOSE, token, _max_age(), tokens.CONFIRMATION_LINK)
    asked = db.session.get(AskToJoinRequest, payload.get("rid"))
    if asked is None or asked.email != payload.get("email") or asked.organisation_id != org_id:
        raise tokens.InvalidToken(tokens.CONFIRMATION_LINK.invalid)
    org = asked.organisation
    if not visibility.is_listed(org):
        raise NotListed()
    # Claimed by a conditional update: of links followed at the same moment, one forwards.
    claimed = db.session.execute(
        update(AskToJoinRequest)
        .where(AskToJoinRequest.id == asked.id, AskToJoinRequest.forwarded_at.is_(None))
        .values(forwarded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AlreadyForwarded(asked)
    db.session.commit()
    admins = [u for u in org.admins if u.is_active]
    mailing.send(
        admins,
        lambda: _(
            "%(name)s asks to be added to %(organisation)s",
            name=asked.full_name,
            organisation=org.name,
        ),
        "ask_to_join",
        organisation=org,
        full_name=asked.full_name,
        email=asked.email,
        message=asked.message,
        people_link=site_url("organisations.people", org_id=org.id),
    )
    logger.info(
        "Request %s to join organisation %s sent to %d admins", asked.id, org.id, len(admins)
    )
    return asked
