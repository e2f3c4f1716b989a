"""Account, contact, note, filter and import forms."""

import re
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.accounts.labels import CHANNEL_LABELS, CONTACT_ROLE_LABELS, STATUS_LABELS, TIER_LABELS
from app.formatting import CURRENCIES, local_today
from app.forms import choices, halfwidth, parse_amount
from app.i18n import lazy_gettext as _l
from app.validators import EmailAddress
from app.versioning import VersionedForm

DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_domain(value: str) -> str:
    """'https://www.Example.co.jp/about' -> 'example.co.jp'."""
    value = (value or "").strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/")[0].split(":")[0]
    return value.removeprefix("www.")


class WholeNumberField(IntegerField):
    """An integer that may be typed with full-width digits ('８０', '－２０')."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata([halfwidth(value) for value in valuelist])
        except ValueError:
            raise ValueError(_l("Enter a whole number such as 80.")) from None


class CalendarDateField(DateField):
    """A date as 2026-04-01 or as Excel Japan writes it, 2026/04/01 (also 2026/4/1, full-width)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%Y/%m/%d"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata([halfwidth(value) for value in valuelist])
        except ValueError:
            raise ValueError(_l("Use a date like 2026-04-01 or 2026/04/01.")) from None


class AccountForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    domain = StringField(
        _l("Domain"),
        validators=[InputRequired(), Length(max=253)],
        filters=[clean_domain],
        description=_l("The company's web domain, e.g. example.co.jp. Must be unique."),
    )
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=100)])
    tier = SelectField(
        _l("Tier"), choices=choices(TIER_LABELS), default="growth", validators=[InputRequired()]
    )
    arr = StringField(_l("ARR"), validators=[InputRequired()], default="0")
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="JPY")
    renewal_date = CalendarDateField(_l("Renewal date"), validators=[Optional()])
    status = SelectField(_l("Lifecycle status"), choices=choices(STATUS_LABELS), default="active")
    health_score = WholeNumberField(
        _l("Health score"),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Between 0 and 100."))],
    )
    nps = WholeNumberField(
        _l("Latest NPS"),
        validators=[
            Optional(),
            NumberRange(min=-100, max=100, message=_l("Between -100 and 100.")),
        ],
    )
    csm_owner_id = SelectField(_l("CSM owner"), coerce=str, validate_choice=True)
    ae_owner_id = SelectField(_l("AE owner"), coerce=str, validate_choice=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])
    submit = SubmitField(_l("Save account"))

    def validate_domain(self, field):
        if not DOMAIN_RE.match(field.data or ""):
            raise ValidationError(_l("Enter a domain such as example.co.jp."))

    def validate_arr(self, field):
        try:
            self.arr_amount = parse_amount(field.data, self.currency.data or "JPY")
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from None


class ContactForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), EmailAddress(), Length(max=254)])
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+()\-. ]{4,40}$", message=_l("Digits, spaces and + ( ) - . only.")),
        ],
    )
    role = SelectField(_l("Role"), choices=choices(CONTACT_ROLE_LABELS))
    preferred_channel = SelectField(_l("Preferred channel"), choices=choices(CHANNEL_LABELS))
    submit = SubmitField(_l("Save contact"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Across fields, so not an inline validator: Optional() would skip it on empty input.
        if self.preferred_channel.data == "phone" and not self.phone.data:
            self.phone.errors.append(
                _l("A phone number is needed when the preferred channel is phone.")
            )
            ok = False
        if self.preferred_channel.data == "email" and not self.email.data:
            self.email.errors.append(
                _l("An e-mail address is needed when the preferred channel is e-mail.")
            )
            ok = False
        return ok


DEPARTURE_CHOICES = [
    ("left", _l("Left the company")),
    ("role_changed", _l("Changed role")),
]
EARLIEST_DEPARTURE = date(2000, 1, 1)


class DepartureForm(FlaskForm):
    """A contact left the company or changed role, on a date no later than today."""

    departure = RadioField(
        _l("What happened"), choices=DEPARTURE_CHOICES, default="left", validators=[InputRequired()]
    )
    departed_on = CalendarDateField(
        _l("Left or changed role on"),
        validators=[InputRequired(message=_l("Enter the date, e.g. 2026-04-01."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Optional: who takes over, where they went."),
    )
    submit = SubmitField(_l("Save"))

    def validate_departed_on(self, field):
        if field.data is None:  # not a date: the field already says so
            return
        if field.data > local_today():
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data < EARLIEST_DEPARTURE:
            raise ValidationError(_l("Enter a date in 2000 or later."))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[InputRequired(), Length(max=5000)])
    submit = SubmitField(_l("Add note"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Choose a .csv file."))],
        description=_l(
            "UTF-8, Shift_JIS (cp932) or UTF-16 (Excel's Unicode text), comma- or tab-separated;"
            " the first row names the columns."
        ),
    )
    submit = SubmitField(_l("Check file"))
