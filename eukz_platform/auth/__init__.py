"""Accounts: log in and out, email confirmation, password reset, invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
