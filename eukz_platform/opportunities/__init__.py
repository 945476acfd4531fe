"""Partner search: organisations post what they look for or offer, others find and answer."""

from flask import Blueprint

bp = Blueprint("opportunities", __name__)

# The routes on bp; open posts in the directory's search (indexing.py).
from . import indexing, routes  # noqa: E402, F401
