"""The directory of organisations and contacts."""

from flask import Blueprint

bp = Blueprint("directory", __name__)

from . import exports, map, routes  # noqa: E402, F401 - the routes on bp
