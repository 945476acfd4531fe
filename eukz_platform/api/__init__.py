"""The read API, ``/api/v1/``: JSON for other programs, documented by ``openapi.json``.

Read-only (GET only), so it is exempt from CSRF; it shows only what the caller may see.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import opportunities, routes  # noqa: E402, F401 - the routes on bp
