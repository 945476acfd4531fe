"""Organisations: registration, profile, and their people."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)
