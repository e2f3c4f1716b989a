"""Sign-in, profile and user administration forms."""

import enum
from functools import cache
from zoneinfo import available_timezones

from babel.dates import get_day_names
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TimeInput

from app.auth.labels import LANGUAGE_LABELS, ROLE_LABELS
from app.formatting import FIELD_LABELS, LABELS, register_field_enums
from app.forms import MultiCheckboxField, choices, halfwidth
from app.i18n import LazyText
from app.i18n import lazy_gettext as _l
from app.notifications.working_hours import Defaults, parse_clock
from app.validators import DateWithin, EmailAddress
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


class WorkDay(enum.Enum):
    """A working day as a user's `work_days` stores it (0 Monday), so the audit history
    shows its name."""

    MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


def day_names(width: str = "wide") -> dict[int, str]:
    """Monday (0) to Sunday (6) in the reader's language."""
    names = get_day_names(width, locale=get_locale())
    return {day: names[day] for day in range(7)}


LABELS.update({day: LazyText(lambda n: day_names()[n], day.value) for day in WorkDay})
register_field_enums({"work_days": WorkDay})
FIELD_LABELS.update(
    {
        "work_days": _l("Working days"),
        "work_start": _l("Working day starts"),
        "work_end": _l("Working day ends"),
        "leave_starts": _l("On leave from"),
        "leave_ends": _l("On leave until"),
    }
)


class ClockField(StringField):
    """A time of day in a time input, kept as the "HH:MM" text a user record holds; left
    empty it is None (the app's default), not sent at all it keeps what the form had."""

    widget = TimeInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = halfwidth(valuelist[0])[:8]
        if not text:
            self.data = None
            return
        if text.count(":") == 2 and text.endswith(":00"):  # a browser's HH:MM:SS
            text = text[:-3]
        try:
            value = parse_clock(text)
        except ValueError:
            value = False
        if value is None or value is False:  # "24:00" is no time input's value either
            self.data = text
            raise ValueError(str(_l("Enter the time as HH:MM, e.g. 07:30.")))
        self.data = value.strftime("%H:%M")


class ProfileForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=_language_choices())
    # "" is the app's default zone; a zone not offered is refused ("Not a valid choice").
    # Not sent at all, it stays as saved.
    timezone = SelectField(
        _l("Time zone"), description=_l("Times are shown and entered in this zone.")
    )
    # Named apart from User.work_days: the form fills it (the defaults when none are saved).
    # The hidden field marks that the boxes were on the form: none ticked is then an error,
    # while a form without them (not sent at all) keeps the days as saved.
    working_days = MultiCheckboxField(_l("Working days"), coerce=int)
    working_days_shown = HiddenField(default="1")
    work_start = ClockField(
        _l("Working day starts"),
        description=_l("E-mail that can wait reaches you on these days between these times."),
    )
    work_end = ClockField(_l("Working day ends"))
    leave_starts = DateField(_l("On leave from"), validators=[Optional(), DateWithin()])
    leave_ends = DateField(
        _l("On leave until"),
        validators=[Optional(), DateWithin()],
        description=_l(
            "The last day of leave. While on leave you get no e-mail, and handoffs to you "
            "suggest a cover. Leave both dates empty when you are not on leave."
        ),
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
        self.defaults = Defaults.from_config(current_app.config)
        self.working_days.choices = list(day_names().items())
        if not self.is_submitted():  # the hours in force: one's own, else the defaults
            user = kwargs.get("obj")
            self.working_days.data = sorted((user and user.work_days) or self.defaults.days)
            if self.work_start.data is None:
                self.work_start.data = self.defaults.start
            if self.work_end.data is None and self.defaults.end != "24:00":  # not a time input's
                self.work_end.data = self.defaults.end
        elif not self.working_days_shown.raw_data:  # the boxes were not on the form
            self.working_days.data = None

    def validate_current_password(self, field):
        if self.new_password.data and not field.data:
            raise ValidationError(_l("Enter your current password to set a new one."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Across fields, so not inline: Optional() on an empty date skips inline checks.
        checks = (
            (self.working_days, self._days_error()),
            (self.work_end, self._hours_error()),
            *self._leave_errors(),
        )
        for field, error in checks:
            if error is not None and not field.errors:
                field.errors.append(error)
                ok = False
        return ok

    def _days_error(self):
        if self.working_days.data is not None and not self.working_days.data:
            return _l("Tick at least one working day.")
        return None

    def _hours_error(self):
        if self.work_start.errors or self.work_end.errors:
            return None
        start = parse_clock(self.work_start.data or self.defaults.start)
        end = parse_clock(self.work_end.data or self.defaults.end)
        if start is not None and end is not None and end <= start:
            return _l(
                "The working day must end after it starts (%(start)s).",
                start=start.strftime("%H:%M"),
            )
        return None

    def _leave_errors(self):
        starts, ends = self.leave_starts, self.leave_ends
        if starts.errors or ends.errors:
            return []
        if starts.data is None and ends.data is not None:
            return [(starts, _l("Enter the first day of leave too."))]
        if starts.data is not None and ends.data is None:
            return [(ends, _l("Enter the last day of leave too."))]
        if starts.data is not None and ends.data < starts.data:
            return [(ends, _l("The leave cannot end before it starts."))]
        return []
