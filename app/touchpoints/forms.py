"""Touchpoint forms: schedule and edit (the start typed in the user's timezone, stored in
UTC), complete with rows of next steps, cancel; and filling their pick-lists."""

from datetime import UTC, datetime, timedelta

from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.formatting import label
from app.forms import MultiCheckboxField, RowList, choices
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext
from app.models import utcnow
from app.touchpoints.labels import TOUCHPOINT_KIND_LABELS
from app.validators import DateWithin
from app.versioning import VersionedForm

# Row slots of the completion form; a script adds more, up to MAX_STEPS.
STEP_ROWS = 5
MAX_STEPS = 20
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class StartsWithin:
    """A start time no more than `years` years before or after now (a typo like 20260 is not
    a meeting, and times at the ends of the calendar cannot be moved between timezones)."""

    def __init__(self, years: int = 5):
        self.years = years

    def __call__(self, form, field):
        if field.data is None:
            return
        now = to_user_timezone(utcnow()).replace(tzinfo=None)
        span = timedelta(days=366 * self.years)
        if not now - span <= field.data <= now + span:
            raise ValidationError(
                _l("Enter a time within %(years)d years of today.", years=self.years)
            )


class TouchpointForm(VersionedForm):
    kind = SelectField(_l("Kind"), choices=choices(TOUCHPOINT_KIND_LABELS))
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMATS,
        validators=[InputRequired(message=_l("Enter the date and time.")), StartsWithin()],
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        default=60,
        validators=[
            InputRequired(message=_l("Enter the duration in minutes.")),
            NumberRange(min=5, max=1440, message=_l("Between 5 and 1440 minutes.")),
        ],
    )
    title = StringField(
        lazy_pgettext("touchpoint", "Title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional: without one, the kind is shown."),
    )
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=20000)])
    executive_ids = MultiCheckboxField(
        _l("Our attendees"),
        coerce=str,
        description=_l("Active executives and the account's CSM and AE."),
    )
    contact_ids = MultiCheckboxField(
        _l("Customer contacts attending"),
        coerce=str,
        description=_l("Contacts who left or changed role are not offered."),
    )
    sponsorship_id = SelectField(_l("Sponsorship"), coerce=str, validate_choice=True)
    submit = SubmitField(_l("Schedule touchpoint"))

    def show_zone(self, zone: str) -> None:
        """Say which timezone the start is typed in."""
        self.starts_at.description = _l("In your timezone (%(zone)s).", zone=zone)

    def starts_at_utc(self) -> datetime:
        """The start typed in the user's timezone, as aware UTC."""
        return to_utc(self.starts_at.data).replace(tzinfo=UTC)


class EditTouchpointForm(TouchpointForm):
    submit = SubmitField(_l("Save changes"))


class NextStepForm(Form):
    """One row of next steps: what, who, by when (CSRF is the enclosing form's)."""

    text = StringField(_l("Next step"), validators=[Optional(), Length(max=500)])
    owner_id = SelectField(_l("Owner"), coerce=str, validate_choice=True, default="")
    due_on = DateField(_l("Due date"), validators=[Optional(), DateWithin()])

    def is_blank(self) -> bool:
        """A row without text is unused, whatever owner and date it was given beforehand."""
        return not (self.text.data or "").strip()

    def is_complete(self) -> bool:
        return bool((self.text.data or "").strip() and self.owner_id.data and self.due_on.data)


class CompleteForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[InputRequired(message=_l("Write what came out of it.")), Length(max=20000)],
        render_kw={"rows": 6},
    )
    steps = RowList(FormField(NextStepForm), min_entries=STEP_ROWS, max_entries=MAX_STEPS)
    submit = SubmitField(_l("Record outcome"))

    # A problem of the next steps as a whole (none given), shown above the rows.
    steps_error: str | None = None

    def set_owner_choices(self, owner_choices: list[tuple[str, str]]) -> None:
        for row in self.steps:
            row.owner_id.choices = [("", "—")] + owner_choices

    def prefill(self, owner_id: int, due_on) -> None:
        """Every row starts with an owner and a due date: typing the step is enough."""
        for row in self.steps:
            row.owner_id.data = str(owner_id)
            row.due_on.data = due_on

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        complete = 0
        for row in self.steps:
            if row.is_blank():
                continue
            if not row.owner_id.data:
                row.owner_id.errors.append(_l("Choose who owns this next step."))
                ok = False
            if not row.due_on.data and not row.due_on.errors:
                row.due_on.errors.append(_l("Enter the due date."))
                ok = False
            complete += row.is_complete()
        if complete == 0:
            self.steps_error = _l("Add at least one next step with its owner and due date.")
            ok = False
        return ok

    def complete_rows(self) -> list[NextStepForm]:
        return [row for row in self.steps if row.is_complete()]


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[InputRequired(message=_l("Say why it is cancelled.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Cancel touchpoint"))


def fill_choices(form: TouchpointForm, attendees, contacts, sponsorships) -> None:
    """The form's pick-lists: who may attend, the contacts still there, the sponsorships."""
    form.executive_ids.choices = [(str(u.id), u.name) for u in attendees]
    form.contact_ids.choices = [
        (str(c.id), f"{c.name} · {c.title}" if c.title else c.name) for c in contacts
    ]
    form.sponsorship_id.choices = [("", _l("None"))] + [
        (str(s.id), sponsorship_label(s)) for s in sponsorships
    ]


def sponsorship_label(sponsorship) -> str:
    status = label(sponsorship.status)
    if sponsorship.sponsor is not None:
        return str(
            _l("Sponsored by %(name)s (%(status)s)", name=sponsorship.sponsor.name, status=status)
        )
    return str(_l("Sponsorship (%(status)s)", status=status))


def fill_from(form: TouchpointForm, touchpoint) -> None:
    """An edit form's fields from the saved touchpoint, the start in the user's timezone."""
    form.kind.data = touchpoint.kind.value
    form.starts_at.data = to_user_timezone(touchpoint.starts_at).replace(tzinfo=None)
    form.executive_ids.data = [str(u.id) for u in touchpoint.executives]
    form.contact_ids.data = [str(c.id) for c in touchpoint.contacts]
    form.sponsorship_id.data = str(touchpoint.sponsorship_id or "")
