"""The one exception every service raises when the user may not do an action."""


class NotAllowed(Exception):
    """The user may not do this; views answer 403 and nothing changes."""
