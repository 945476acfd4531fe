"""Contacts: the EESC's people and each organisation's contact people."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
