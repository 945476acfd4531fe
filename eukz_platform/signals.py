"""Events one feature sends and others react to, so that the reacting feature is not imported
by the sending one. Blinker calls the receivers at once, in the sender's transaction: they
change rows and do not commit; the sending service commits once, with its audit entry. The one
exception is ``contact_details_shown``, sent by pages that read and write nothing: its receiver
commits its own log entry.
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
# Members-only contact details of organisations were shown to a signed-in person (their page,
# an organisation's page, a vCard, an export, the API). Sent with the viewer, ``contacts`` (the
# contacts or search records shown with their details) and ``channel`` (what showed them); the
# organisations' log of views records it (protection/).
contact_details_shown = _signals.signal("contact-details-shown")
