"""The home page, the privacy notice and the language choice."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
