"""Events one feature sends and others react to, so that the reacting feature is not imported
by the sending one. Blinker calls the receivers at once, in the sender's transaction: they
change rows and do not commit; the sending service commits once, with its audit entry.
"""

from blinker import Namespace

_signals = Namespace()

# An organisation awaiting verification was verified. Sent with the organisation and
# ``by`` (the secretariat user); the working groups move its pending requests to open groups on.
organisation_verified = _signals.signal("organisation-verified")

# A closed account (a person removed from their organisation) was opened again, in the
# organisation whose invitation they accepted. Sent with the user; the working groups drop the
# co-chair roles they held for their former organisation.
account_reopened = _signals.signal("account-reopened")
