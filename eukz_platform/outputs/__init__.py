"""Joint outputs of the working groups, their follow-up, and the Action Plan page."""

from flask import Blueprint

bp = Blueprint("outputs", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
