"""Organisations: registration, profile, and their people."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
