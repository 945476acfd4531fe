"""Accounts: log in and out, email confirmation, password reset, invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
