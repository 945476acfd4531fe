"""Form pieces shared by several features."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .auth.passwords import MIN_LENGTH, is_common


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a group of checkboxes, which works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value):
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value):
    value = strip(value)
    return value or None


def lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class StrongPassword:
    """At least MIN_LENGTH characters and not in the list of common passwords."""

    def __call__(self, form, field):
        password = field.data or ""
        if len(password) < MIN_LENGTH:
            raise ValidationError(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
        if is_common(password):
            raise ValidationError(
                _l("This password is too common; choose one that is harder to guess.")
            )
