"""Working groups: the Action Plan's priorities."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
