"""Forms for a person's own account."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Optional

from ..auth.forms import consent_field, email_field, full_name_field
from ..forms import Form
from ..languages import site_languages


class DetailsForm(Form):
    full_name = full_name_field()
    email = email_field()
    locale = SelectField(_l("Language"), choices=[])
    password = PasswordField(_l("Current password"), id="current-password", validators=[Optional()])
    submit = SubmitField(_l("Save my details"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = list(site_languages().items())


class DeleteAccountForm(Form):
    # Its own id: the account page shows this form beside the details form.
    password = PasswordField(_l("Password"), id="delete-password", validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))


class CloseOrganisationForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that the organisation and its people's accounts will be closed"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Close the organisation"))


class ConsentForm(Form):
    consent = consent_field()
    submit = SubmitField(_l("Continue"))
