"""The forms of an organisation's protection page."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField

from ..forms import Form


class ProtectionForm(Form):
    members_only = BooleanField(_l("Visible to platform members only"))
    hide_memberships = BooleanField(_l("Hide our working-group memberships from the public"))
    submit = SubmitField(_l("Save the protection"))


class WithdrawForm(Form):
    """One button: every contact of the organisation made private at once."""

    submit = SubmitField(_l("Withdraw all our contact details now"))
