"""Organisations: registration, profile, and their people."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)

from . import confirmation, contacts, duplicates, views  # noqa: E402,F401
