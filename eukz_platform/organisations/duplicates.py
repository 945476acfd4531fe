"""Duplicates caught at the door: "this organisation may already be registered".

The registration service already refuses the same name (case, accents, spaces, invisible
characters and look-alike letters aside: ``name_keys.py``) and the same registration number.
Beyond that, while registering, a near match is shown before anything is created:

- the same name once folded (case, accents, Cyrillic/Latin transliteration, punctuation),
  compared with the names and other names of listed organisations; or
- the same website domain (``www.``, the scheme, the port and the path do not count).

The person can go on ("Register anyway") or ask to be added to the existing organisation: an
email to its admins with the person's name and email. Nothing is created until an admin
invites them.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from .. import mailing, search, visibility
from ..extensions import db, limiter
from ..forms import Form, empty_to_none, lower, strip
from ..search.folding import fold
from . import bp, services
from .models import Organisation
from .name_keys import same_name

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
            None,
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


def _same_domain(website: str | None) -> list[Organisation]:
    domain = website_domain(website)
    if not domain:
        return []
    pattern = "%" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.website.ilike(pattern, escape="\\"),
            visibility.visible_organisations(None),
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


class AskToJoinForm(Form):
    full_name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    email = EmailField(
        _l("Email"), filters=[lower], validators=[DataRequired(), Email(), Length(max=254)]
    )
    message = TextAreaField(
        _l("Message to the organisation's admins"),
        filters=[empty_to_none],
        validators=[Length(max=1000)],
    )
    submit = SubmitField(_l("Ask to be added"))


def ask_to_join(org: Organisation, full_name: str, email: str, message: str | None) -> int:
    """Email the organisation's admins that this person asks to be invited; nothing is written.

    Returns the number of admins written to.
    """
    admins = [u.email for u in org.admins if u.is_active]
    mailing.send(
        admins,
        _("%(name)s asks to be added to %(organisation)s", name=full_name, organisation=org.name),
        "ask_to_join",
        organisation=org,
        full_name=full_name,
        email=email,
        message=message,
        people_link=url_for("organisations.people", org_id=org.id, _external=True),
    )
    logger.info("Request to join organisation %s sent to %d admins", org.id, len(admins))
    return len(admins)


@bp.route("/<int:org_id>/ask-to-join", methods=["GET", "POST"], endpoint="ask_to_join")
@limiter.limit(
    lambda: current_app.config.get("RATELIMIT_ASK_TO_JOIN", "5 per hour"), methods=["POST"]
)
def ask_to_join_view(org_id: int):
    org = services.get_or_404(org_id)
    if not visibility.is_listed(org):
        abort(404)
    if current_user.is_authenticated:
        flash(_("You already belong to an organisation on the platform."), "info")
        return redirect(url_for("organisations.profile", org_id=org.id))
    form = AskToJoinForm()
    if form.validate_on_submit():
        ask_to_join(org, form.full_name.data, form.email.data, form.message.data)
        flash(
            _(
                "We asked the admins of %(organisation)s to invite you. If they do, you will "
                "get an email with a link to join.",
                organisation=org.name,
            ),
            "success",
        )
        return redirect(url_for("organisations.profile", org_id=org.id))
    return render_template("organisations/ask_to_join.html", org=org, form=form), (
        422 if form.errors else 200
    )
