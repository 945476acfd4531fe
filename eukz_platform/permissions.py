"""The one exception every service raises when the user may not do an action."""

from .errors import NotAllowed

__all__ = ["NotAllowed"]
