"""The secretariat console: one module per area, all under /admin."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import (  # noqa: E402, F401 - the routes on bp
    audit_log,
    contacts,
    dashboard,
    groups,
    mail,
    organisations,
    routes,
)
