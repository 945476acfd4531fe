"""Protection for organisations at risk: visible to platform members only, memberships hidden
from the public, the log of who viewed its members-only contact details, and withdrawing them
at once. What is hidden from whom is decided in visibility.py; this package keeps the choices
and the log."""

from flask import Blueprint

bp = Blueprint("protection", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
