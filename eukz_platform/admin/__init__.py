"""The secretariat console: one module per area, all under /admin."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import audit_log, contacts, dashboard, groups, organisations, views  # noqa: E402,F401
