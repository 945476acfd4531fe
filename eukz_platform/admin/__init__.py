"""The secretariat console: one module per area, all under /admin."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
