"""Partner search: organisations post what they look for or offer, others find and answer."""

from flask import Blueprint

bp = Blueprint("opportunities", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
