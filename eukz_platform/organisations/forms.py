"""Forms for registering and editing an organisation, and for its people."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from ..auth.forms import (
    consent_field,
    email_field,
    full_name_field,
    new_password_fields,
)
from ..core.models import NAME_MAX, name_keys_fit
from ..core.vocabulary import (
    EESC_GROUP_LABELS,
    SECTOR_LABELS,
    TYPE_LABELS,
    country_choices,
    language_choices,
    region_choices,
)
from ..forms import Form, MultiCheckboxField, empty_to_none, required_line
from . import registration_numbers

DESCRIPTION_MAX = 2000


def _website(value):
    value = empty_to_none(value)
    if value and "://" not in value:
        value = "https://" + value
    return value


class OrganisationForm(Form):
    """The organisation's profile, as registered and as edited by its admins."""

    name = required_line(_l("Organisation name"), NAME_MAX)
    acronym = StringField(_l("Acronym"), filters=[empty_to_none], validators=[Length(max=30)])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    city = StringField(_l("City"), filters=[empty_to_none], validators=[Length(max=100)])
    region = SelectField(
        _l("Region"), filters=[empty_to_none], validators=[Optional()], validate_choice=True
    )
    type = SelectField(_l("Type of organisation"), validators=[DataRequired()])
    eesc_group = SelectField(_l("EESC group"), validators=[DataRequired()], default="none")
    sectors = MultiCheckboxField(_l("Sectors"))
    website = URLField(
        _l("Website"),
        filters=[_website],
        validators=[
            Optional(),
            Length(max=255),
            URL(message=_l("Enter a web address such as https://example.org.")),
        ],
    )
    description = TextAreaField(
        _l("Description"), filters=[empty_to_none], validators=[Length(max=DESCRIPTION_MAX)]
    )
    working_languages = MultiCheckboxField(_l("Working languages"))
    registration_number = StringField(
        _l("Registration number"), filters=[empty_to_none], validators=[Length(max=40)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("Choose a country"))] + country_choices()
        self.region.choices = [("", _l("Not given"))] + region_choices()
        self.type.choices = [("", _l("Choose a type"))] + [
            (k.value, v) for k, v in TYPE_LABELS.items()
        ]
        self.eesc_group.choices = [(k.value, v) for k, v in EESC_GROUP_LABELS.items()]
        self.sectors.choices = [(k.value, v) for k, v in SECTOR_LABELS.items()]
        self.working_languages.choices = language_choices()

    def validate_name(self, field):
        if field.data and not name_keys_fit(field.data):
            raise ValidationError(
                _l(
                    "This name is too long once its letters are spelled out (such as ß as ss): "
                    "shorten it."
                )
            )

    def validate_region(self, field):
        if field.data and self.country.data != "KZ":
            raise ValidationError(_l("Only organisations in Kazakhstan give a region."))

    def validate_website(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a web address starting with http:// or https://."))

    def validate_registration_number(self, field):
        if not field.data or not self.country.data:
            return
        field.data = registration_numbers.normalise(field.data, self.country.data)
        problem = registration_numbers.problem_with(field.data, self.country.data)
        messages = {
            "bin_format": _l("A Kazakh BIN has exactly 12 digits."),
            "bin_control": _l("This BIN's last digit does not match: please check the number."),
            "format": _l(
                "Enter an EU Transparency Register ID (such as 123456789012-34) "
                "or a national registry number (letters, digits, spaces, . / -)."
            ),
        }
        if problem:
            raise ValidationError(messages[problem])

    def profile_data(self) -> dict:
        """The organisation's fields, as the services take them."""
        names = (
            "name acronym country city region type eesc_group sectors website description "
            "working_languages registration_number"
        ).split()
        return {n: getattr(self, n).data for n in names}


class RegistrationForm(OrganisationForm):
    """The organisation and the first person, who becomes its admin."""

    full_name = full_name_field()
    email = email_field()
    password, confirm_password = new_password_fields()
    consent = consent_field()
    submit = SubmitField(_l("Register"))


class EditOrganisationForm(OrganisationForm):
    submit = SubmitField(_l("Save changes"))


class InviteForm(Form):
    email = email_field()
    submit = SubmitField(_l("Send invitation"))


class RoleForm(Form):
    """Make a colleague an admin, or a member again."""

    role = SelectField(choices=[("admin", _l("Admin")), ("member", _l("Member"))])


class OtherNameForm(Form):
    name = required_line(_l("Name in another language or script"), 200)
    language = SelectField(_l("Language"), validators=[Optional()])
    submit = SubmitField(_l("Add the name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [("", _l("Not said"))] + language_choices()


class AskToJoinForm(Form):
    full_name = full_name_field()
    email = email_field()
    message = TextAreaField(
        _l("Message to the organisation's admins"),
        filters=[empty_to_none],
        validators=[Length(max=1000)],
    )
    submit = SubmitField(_l("Ask to be added"))
