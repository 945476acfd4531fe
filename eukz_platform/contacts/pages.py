"""A contact's own page: who they are, how to reach them, and their vCard."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from .. import visibility
from ..extensions import db
from . import pages_bp
from .models import Contact


@pages_bp.get("/<int:contact_id>")
def detail(contact_id: int):
    """The contact's page; a contact the viewer may not see is not found (404), as if it did
    not exist."""
    contact = db.session.get(Contact, contact_id)
    if contact is None or not visibility.can_see_contact_with_organisation(current_user, contact):
        abort(404)
    return render_template("contacts/detail.html", contact=contact)
