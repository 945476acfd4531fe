"""Forms for a person's own account."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import Form, lower, strip
from ..languages import site_languages


class DetailsForm(Form):
    full_name = StringField(
        _l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    email = EmailField(
        _l("Email"), filters=[lower], validators=[DataRequired(), Email(), Length(max=254)]
    )
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
    consent = BooleanField(
        _l("I agree to the privacy notice"),
        validators=[DataRequired(message=_l("You need to agree to the privacy notice."))],
    )
    submit = SubmitField(_l("Continue"))
