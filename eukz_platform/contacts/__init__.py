"""Contacts: the EESC's people and each organisation's contact people."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)
# A contact's own page, at /contacts/<id>, for whoever may see the contact.
pages_bp = Blueprint("contact_pages", __name__)

from . import pages, routes  # noqa: E402, F401 - the routes on bp and pages_bp
