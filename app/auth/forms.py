"""Sign-in, profile and user administration forms."""

from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from app.auth.labels import LANGUAGE_LABELS, ROLE_LABELS
from app.forms import MultiCheckboxField, choices
from app.i18n import lazy_gettext as _l
from app.validators import EmailAddress
from app.versioning import VersionedForm

MIN_PASSWORD = 8


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"), default=False)
    submit = SubmitField(_l("Sign in"))


def _language_choices():
    return [(code, label) for code, label in LANGUAGE_LABELS.items()]


# Offered first in the time zone picker: where this book's people mostly are.
COMMON_TIMEZONES = (
    "Asia/Tokyo",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Australia/Sydney",
)


@cache
def timezone_names() -> tuple[str, ...]:
    """The IANA zones a person may pick: the common ones, then every other one by name.
    Read from the tz database once per process (it scans the files)."""
    known = available_timezones() - {"Factory", "localtime"}  # not places anyone lives in
    common = tuple(zone for zone in COMMON_TIMEZONES if zone in known)
    return common + tuple(sorted(known - set(common)))


def _timezone_choices() -> list[tuple[str, object]]:
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return [("", _l("Default (%(zone)s)", zone=default))] + [
        (zone, zone) for zone in timezone_names()
    ]


class UserForm(VersionedForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=choices(ROLE_LABELS),
        validators=[InputRequired(message=_l("Pick at least one role."))],
    )
    locale = SelectField(_l("Language"), choices=_language_choices())
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least 8 characters. Leave empty to keep the current password."),
    )
    submit = SubmitField(_l("Save"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least 8 characters."),
    )


class ProfileForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=_language_choices())
    # "" is the app's default zone; a zone not offered is refused ("Not a valid choice").
    # Not sent at all, it stays as saved.
    timezone = SelectField(
        _l("Time zone"), description=_l("Times are shown and entered in this zone.")
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[Optional()],
        description=_l("Needed only to change your password."),
    )
    new_password = PasswordField(
        _l("New password"), validators=[Optional(), Length(min=MIN_PASSWORD, max=200)]
    )
    confirm_password = PasswordField(
        _l("Repeat new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()
        if self.timezone.data is None:  # no zone of one's own (and none sent): the default
            self.timezone.data = ""

    def validate_current_password(self, field):
        if self.new_password.data and not field.data:
            raise ValidationError(_l("Enter your current password to set a new one."))
