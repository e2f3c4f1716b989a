"""Forms of the business calendar pages: the calendar itself (name, timezone, a weekday grid
of opening intervals, the country whose public holidays apply), a company closure, and the
"worked" mark on a public holiday. Also how a calendar's week reads on a page."""

from datetime import date, time, timedelta
from functools import lru_cache

import holidays as holiday_library
from flask_babel import format_date, get_locale
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from app.accounts.forms import CalendarDateField
from app.auth.forms import timezone_names
from app.escalations import calendars
from app.forms import halfwidth
from app.i18n import lazy_gettext as _l
from app.validators import DateWithin
from app.versioning import VersionedForm

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INTERVALS = 3  # opening intervals a weekday may have on the form
WHOLE_DAY = ["00:00", "00:00"]
MIDNIGHT = time(0, 0)


def weekday_name(weekday: int) -> str:
    """Monday=0 ... as the reader's language names it ("Monday", "月曜日")."""
    return format_date(date(2024, 1, 1) + timedelta(days=weekday), "EEEE")


def interval_text(start: str, end: str) -> str:
    """One opening interval as pages and the audit show it: 09:00–12:00, 13:00–24:00."""
    return f"{start}–{'24:00' if end == '00:00' else end}"


def day_text(intervals: list) -> str:
    """A weekday's opening, language-neutral (for the audit): "09:00–12:00, 13:00–18:00",
    "00:00–24:00" for the whole day, "—" when closed."""
    if not intervals:
        return "—"
    return ", ".join(interval_text(start, end) for start, end in intervals)


def week_rows(week: list) -> list[tuple[str, list]]:
    """(weekday name in the reader's language, its intervals), Monday first."""
    return [(weekday_name(n), intervals or []) for n, intervals in enumerate(week)]


class TimeOfDayField(TimeField):
    """An <input type="time">: 09:00 (seconds, as some browsers send them, are dropped)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%H:%M", "%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata([halfwidth(value) for value in valuelist])
        except ValueError:
            raise ValueError(_l("Use a time like 09:00.")) from None
        if self.data is not None:  # 09:00:30 is 09:00: what is stored is what was checked
            self.data = self.data.replace(second=0, microsecond=0)


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


class WeekdayForm(Form):
    """One row of the weekday grid: open all day, or up to three intervals (an empty pair is
    unused; a row with none is closed). An end of 00:00 is midnight, the end of the day."""

    all_day = BooleanField(_l("Open all day"))
    start_1 = TimeOfDayField(_l("From"), validators=[Optional()])
    end_1 = TimeOfDayField(_l("To"), validators=[Optional()])
    start_2 = TimeOfDayField(_l("From"), validators=[Optional()])
    end_2 = TimeOfDayField(_l("To"), validators=[Optional()])
    start_3 = TimeOfDayField(_l("From"), validators=[Optional()])
    end_3 = TimeOfDayField(_l("To"), validators=[Optional()])

    def pairs(self):
        """(start field, end field) of each interval on the row."""
        return [(self[f"start_{n}"], self[f"end_{n}"]) for n in range(1, INTERVALS + 1)]

    def validate(self, extra_validators=None) -> bool:
        self.intervals = []
        if not super().validate(extra_validators):
            return False
        if self.all_day.data:
            self.intervals = [list(WHOLE_DAY)]
            return True
        found = []
        for start, end in self.pairs():
            if start.data is None and end.data is None:
                continue
            if start.data is None or end.data is None:
                self.form_errors.append(_l("Give both the start and the end of each interval."))
                return False
            if end.data != MIDNIGHT and end.data <= start.data:
                self.form_errors.append(
                    _l(
                        "%(interval)s: the end must be after the start.",
                        interval=interval_text(_clock(start.data), _clock(end.data)),
                    )
                )
                return False
            found.append((start.data, end.data))
        found.sort()
        for (start, end), (next_start, next_end) in zip(found, found[1:], strict=False):
            if end == MIDNIGHT or next_start < end:
                self.form_errors.append(
                    _l(
                        "%(first)s and %(second)s overlap.",
                        first=interval_text(_clock(start), _clock(end)),
                        second=interval_text(_clock(next_start), _clock(next_end)),
                    )
                )
                return False
        self.intervals = [[_clock(start), _clock(end)] for start, end in found]
        return True


def weekday_as_shown(intervals: list) -> dict:
    """A stored weekday (list of ["HH:MM", "HH:MM"]) as its grid row shows it."""
    if intervals == [WHOLE_DAY]:
        return {"all_day": True}
    shown = {}
    for n, (start, end) in enumerate(intervals[:INTERVALS], start=1):
        shown[f"start_{n}"] = time.fromisoformat(start)
        shown[f"end_{n}"] = time.fromisoformat(end)
    return shown


@lru_cache(maxsize=64)
def subdivision_names(country: str) -> tuple[tuple[str, str], ...]:
    """(code, "CA — California") of a country's subdivisions the holidays library knows."""
    codes = calendars.subdivisions(country)
    if not codes:
        return ()
    aliases = holiday_library.country_holidays(country).get_subdivision_aliases()
    return tuple(
        (code, f"{code} — {aliases[code][0]}" if aliases.get(code) else code) for code in codes
    )


def _locale() -> str:
    return str(get_locale() or "en")


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class CalendarForm(VersionedForm):
    """A business calendar; the weekday grid is seven rows of WeekdayForm."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=120)], filters=[_stripped]
    )
    timezone = SelectField(_l("Time zone"), choices=[], validators=[InputRequired()])
    monday = FormField(WeekdayForm)
    tuesday = FormField(WeekdayForm)
    wednesday = FormField(WeekdayForm)
    thursday = FormField(WeekdayForm)
    friday = FormField(WeekdayForm)
    saturday = FormField(WeekdayForm)
    sunday = FormField(WeekdayForm)
    country = SelectField(
        _l("Public holidays of"),
        choices=[],
        description=_l("Its public holidays are closed days, substitute holidays included."),
    )
    subdivision = SelectField(
        _l("Region"),
        choices=[],
        validate_choice=False,  # validate_subdivision says what is wrong
        description=_l("Where holidays differ by state or region; save the country first."),
    )
    submit = SubmitField(_l("Save calendar"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(zone, zone) for zone in timezone_names()]
        self.country.choices = [("", _l("No public holidays")), *calendars.countries(_locale())]
        country = self.country.data if self.country.data in self._country_codes() else ""
        self.subdivision.choices = [("", _l("The whole country"))]
        if country:
            self.subdivision.choices += list(subdivision_names(country))

    def _country_codes(self) -> set[str]:
        return {code for code, _name in self.country.choices if code}

    def weekdays(self):
        """(weekday name, its row of the grid), Monday first."""
        return [(weekday_name(n), self[name]) for n, name in enumerate(WEEKDAYS)]

    def validate_subdivision(self, field):
        if not field.data:
            return
        if self.country.data not in self._country_codes():
            raise ValidationError(_l("Choose a country first."))
        if field.data not in calendars.subdivisions(self.country.data):
            raise ValidationError(
                _l(
                    "“%(code)s” is not a region of %(country)s.",
                    code=field.data,
                    country=dict(self.country.choices)[self.country.data],
                )
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(self[name].form.intervals for name in WEEKDAYS):
            self.form_errors.append(_l("At least one weekday must be open."))
            return False
        return valid

    def values(self) -> dict:
        """The calendar's columns as the service saves them."""
        return {
            "name": self.name.data,
            "timezone": self.timezone.data,
            "week": [self[name].form.intervals for name in WEEKDAYS],
            "country": self.country.data or None,
            "subdivision": (self.subdivision.data or None) if self.country.data else None,
        }


def calendar_as_shown(record) -> dict:
    """A saved calendar as its form shows it: filled in on GET, compared in a conflict."""
    return {
        "version": record.version,
        "name": record.name,
        "timezone": record.timezone,
        **{name: weekday_as_shown(record.week[n]) for n, name in enumerate(WEEKDAYS)},
        "country": record.country or "",
        "subdivision": record.subdivision or "",
    }


def new_calendar_defaults() -> dict:
    """A new calendar starts as a Japanese office: weekdays 9:00-12:00 and 13:00-18:00."""
    office = weekday_as_shown([["09:00", "12:00"], ["13:00", "18:00"]])
    return {
        "timezone": "Asia/Tokyo",
        **{name: office if n < 5 else {} for n, name in enumerate(WEEKDAYS)},
        "country": "JP",
        "subdivision": "",
    }


class ClosureForm(FlaskForm):
    """A company closure: one day, or a range of at most a year."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        filters=[_stripped],
        description=_l("e.g. Year-end holidays, Obon week, Founding day."),
    )
    starts_on = CalendarDateField(
        _l("From"), validators=[InputRequired(), DateWithin(years_before=5, years_after=10)]
    )
    ends_on = CalendarDateField(
        _l("To"),
        validators=[Optional(), DateWithin(years_before=5, years_after=10)],
        description=_l("Leave empty for a single day."),
    )
    submit = SubmitField(_l("Add closure"))

    def validate_ends_on(self, field):
        if field.data is None or self.starts_on.data is None:
            return
        if field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first."))
        if (field.data - self.starts_on.data).days + 1 > calendars.MAX_CLOSURE_DAYS:
            raise ValidationError(
                _l("A closure can be at most %(days)d days long.", days=calendars.MAX_CLOSURE_DAYS)
            )

    @property
    def last_day(self) -> date:
        return self.ends_on.data or self.starts_on.data


class WorkedDayForm(FlaskForm):
    """Mark a public holiday as worked (open as a normal weekday) or not."""

    day = CalendarDateField(validators=[InputRequired()])
    worked = HiddenField(validators=[AnyOf(["1", "0"])])
