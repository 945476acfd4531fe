"""Forms of the working groups: join, decide, announce, schedule, register, notifications."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import Form, empty_to_none, required_line, required_text
from .meetings import DEFAULT_TIMEZONE, MeetingData, timezone_choices
from .models import MeetingMode

MOTIVATION_MAX = 1000
MESSAGE_MAX = 1000
ANNOUNCEMENT_MAX = 10000
AGENDA_MAX = 10000

MODE_LABELS = {
    MeetingMode.IN_PERSON: _l("In person"),
    MeetingMode.ONLINE: _l("Online"),
    MeetingMode.HYBRID: _l("Hybrid (in person and online)"),
}
ATTENDANCE_LABELS = {
    MeetingMode.IN_PERSON: _l("In person"),
    MeetingMode.ONLINE: _l("Online"),
}


VERSION_LOCALES = ("ru", "kk")


def _optional_title(label):
    return StringField(label, filters=[empty_to_none], validators=[Length(max=200)])


def _optional_text(label, max_length: int, rows: int):
    return TextAreaField(
        label,
        filters=[empty_to_none],
        validators=[Length(max=max_length)],
        render_kw={"rows": rows},
    )


class JoinForm(Form):
    """An organisation admin asks to join a group."""

    motivation = _optional_text(_l("Motivation (optional)"), MOTIVATION_MAX, 4)


class DecisionForm(Form):
    """A co-chair approves or declines a request, with an optional message."""

    message = _optional_text(_l("Message to the organisation (optional)"), MESSAGE_MAX, 3)


class AnnouncementForm(Form):
    """An announcement in English, with optional Russian and Kazakh versions."""

    title = required_line(lazy_pgettext("announcement", "Title"), 200)
    body = required_text(_l("Text"), ANNOUNCEMENT_MAX, render_kw={"rows": 8})
    title_ru = _optional_title(_l("Title in Russian"))
    body_ru = _optional_text(_l("Text in Russian"), ANNOUNCEMENT_MAX, 8)
    title_kk = _optional_title(_l("Title in Kazakh"))
    body_kk = _optional_text(_l("Text in Kazakh"), ANNOUNCEMENT_MAX, 8)

    def validate(self, extra_validators=None) -> bool:
        """Besides each field's own checks: a version has both its title and its text."""
        ok = super().validate(extra_validators)
        for locale in VERSION_LOCALES:
            title, body = self[f"title_{locale}"], self[f"body_{locale}"]
            if title.data and not body.data:
                body.errors.append(_l("Give the text of this version too, or no title."))
                ok = False
            elif body.data and not title.data:
                title.errors.append(_l("Give the title of this version too, or no text."))
                ok = False
        return ok

    def versions(self) -> dict[str, str | None]:
        """The Russian and Kazakh texts, by column name."""
        return {
            f"{name}_{locale}": self[f"{name}_{locale}"].data
            for locale in VERSION_LOCALES
            for name in ("title", "body")
        }


# The years a meeting may be scheduled in: beyond them a date is a typo, and the first
# years of the calendar cannot even be converted to UTC from a zone east of it.
MEETING_YEARS = (2000, 2200)
# What a browser's date-and-time field sends (with or without seconds), and a typed space.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class MeetingYears:
    """A meeting's date within MEETING_YEARS."""

    def __call__(self, form, field):
        first, last = MEETING_YEARS
        if field.data and not first <= field.data.year <= last:
            raise ValidationError(
                _l("Enter a date between the years %(first)d and %(last)d.", first=first, last=last)
            )


class MeetingForm(Form):
    """A meeting; start and end are entered in the chosen time zone."""

    title = required_line(lazy_pgettext("meeting", "Title"), 200)
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()], default=DEFAULT_TIMEZONE)
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        validators=[
            InputRequired(message=_l("Enter the date and time it starts.")),
            MeetingYears(),
        ],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(message=_l("Enter the date and time it ends.")), MeetingYears()],
    )
    mode = RadioField(
        _l("Format"),
        choices=[(k.value, v) for k, v in MODE_LABELS.items()],
        default=MeetingMode.IN_PERSON.value,
        validators=[InputRequired()],
    )
    place = StringField(_l("Place"), filters=[empty_to_none], validators=[Length(max=300)])
    online_url = URLField(
        _l("Online meeting link"),
        filters=[empty_to_none],
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Enter a web address such as https://example.org/meeting.")),
        ],
    )
    agenda = TextAreaField(
        _l("Agenda"), filters=[empty_to_none], validators=[Length(max=AGENDA_MAX)]
    )
    title_ru = _optional_title(_l("Title in Russian"))
    agenda_ru = _optional_text(_l("Agenda in Russian"), AGENDA_MAX, 5)
    title_kk = _optional_title(_l("Title in Kazakh"))
    agenda_kk = _optional_text(_l("Agenda in Kazakh"), AGENDA_MAX, 5)
    registration_open = BooleanField(_l("Take registrations"))
    capacity = IntegerField(
        _l("Capacity (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("Enter a number of places from 1.")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate(self, extra_validators=None) -> bool:
        """Besides each field's own checks: a place for meetings in person, a web link for
        meetings online (both for hybrid ones)."""
        ok = super().validate(extra_validators)
        mode = self.mode.data
        if mode in (MeetingMode.IN_PERSON, MeetingMode.HYBRID) and not self.place.data:
            self.place.errors.append(_l("Say where the meeting takes place."))
            ok = False
        if mode in (MeetingMode.ONLINE, MeetingMode.HYBRID) and not self.online_url.data:
            self.online_url.errors.append(_l("Give the link to join online."))
            ok = False
        for locale in VERSION_LOCALES:
            if self[f"agenda_{locale}"].data and not self[f"title_{locale}"].data:
                self[f"title_{locale}"].errors.append(
                    _l("Give the title of this version too, or no agenda.")
                )
                ok = False
        url = self.online_url.data
        if (
            url
            and not url.lower().startswith(("http://", "https://"))
            and not self.online_url.errors
        ):
            self.online_url.errors.append(_l("Enter a web address starting with https://."))
            ok = False
        return ok

    def meeting_data(self) -> MeetingData:
        return MeetingData(
            title=self.title.data,
            starts_local=self.starts_at.data,
            ends_local=self.ends_at.data,
            timezone=self.timezone.data,
            mode=MeetingMode(self.mode.data),
            place=self.place.data,
            online_url=self.online_url.data,
            agenda=self.agenda.data,
            capacity=self.capacity.data,
            registration_open=self.registration_open.data,
            title_ru=self.title_ru.data,
            title_kk=self.title_kk.data,
            agenda_ru=self.agenda_ru.data,
            agenda_kk=self.agenda_kk.data,
        )


class RegistrationForm(Form):
    attendance = RadioField(_l("How will you attend?"), validators=[InputRequired()])

    def __init__(self, *args, modes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attendance.choices = [(m.value, ATTENDANCE_LABELS[m]) for m in modes]
        if len(self.attendance.choices) == 1 and not self.attendance.data:
            self.attendance.data = self.attendance.choices[0][0]


class NotificationSettingsForm(Form):
    notify = BooleanField(
        _l("Email me about new announcements and meetings of my organisation's working groups")
    )


class PrivateFeedForm(Form):
    """Make, or reset, one's private calendar address: a button, with its CSRF token."""
