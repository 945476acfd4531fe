"""The directory of organisations and contacts."""

from flask import Blueprint

bp = Blueprint("directory", __name__)
