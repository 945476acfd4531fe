"""Working groups: the Action Plan's priorities."""

from flask import Blueprint

bp = Blueprint("groups", __name__)
