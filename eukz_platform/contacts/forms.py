"""The form an organisation's admins fill in for a contact person."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import Form, empty_to_none, required_line
from .models import Visibility


class ContactForm(Form):
    name = required_line(_l("Name"), 200)
    role = StringField(_l("Role"), filters=[empty_to_none], validators=[Length(max=200)])
    email = EmailField(
        _l("Email"), filters=[empty_to_none], validators=[Optional(), Email(), Length(max=254)]
    )
    phone = TelField(_l("Phone"), filters=[empty_to_none], validators=[Length(max=50)])
    visibility = RadioField(
        _l("Who may see this contact"),
        choices=[
            (Visibility.PUBLIC.value, _l("Public: anyone, also without signing in")),
            (
                Visibility.MEMBERS.value,
                _l("Platform members: signed-in users of verified organisations"),
            ),
            (Visibility.PRIVATE.value, _l("Private: only your organisation and the secretariat")),
        ],
        default=Visibility.MEMBERS.value,
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save the contact"))

    def values(self) -> dict:
        return {n: getattr(self, n).data for n in ("name", "role", "email", "phone", "visibility")}
