"""The home page, the privacy notice and the language choice."""

from flask import Blueprint

bp = Blueprint("main", __name__)
