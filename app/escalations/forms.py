"""Escalation forms: intake and details, status, handoff, customer update, resolution, notes,
watchers and owner, SLA policies and reply templates."""

import json
from datetime import UTC, datetime, timedelta

from flask_babel import format_date, to_user_timezone, to_utc
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.accounts.forms import CalendarDateField, WholeNumberField
from app.escalations.labels import (
    ANSWER_LABELS,
    CATEGORY_LABELS,
    ESCALATION_STATUS_LABELS,
    FOLLOW_UP_OUTCOME_LABELS,
    HEALTH_LABELS,
    INTAKE_CHANNEL_LABELS,
    LANGUAGE_NAMES,
    LEVEL_LABELS,
    REASON_LABELS,
    REQUESTER_LABELS,
    RESOLUTION_LABELS,
    ROOT_CAUSE_LABELS,
    SEVERITY_LABELS,
    TEMPLATE_KEYS,
    TREND_LABELS,
)
from app.escalations.models import OPEN_STATUSES, Answer, FollowUpOutcome, RootCause, Status
from app.forms import NumberChoiceField, choices, keep_stored_numbers, parse_amount
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_ngettext, lazy_pgettext
from app.models import utcnow
from app.validators import DateWithin
from app.versioning import VersionedForm

TEXT = [InputRequired(), Length(max=5000)]


def _choice_value(value) -> str:
    """A select's value from an enum of the record, an id or None (none chosen: "")."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))


class RecordChoiceField(SelectField):
    """A select of a record's enum or id that may be unset: none chosen is ""."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=_choice_value, **kwargs)

    def process_data(self, value):
        self.data = _choice_value(value)


class ContactField(RecordChoiceField):
    """One of an account's contacts, or none. The choices are the contacts of the account
    `account_of()` names, read when the field is shown or checked (one query)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=[], **kwargs)
        self.account_of = lambda: None
        self._loaded_for = object()

    def _load(self) -> None:
        from app.escalations.form_values import contact_choices

        account_id = self.account_of()
        if account_id != self._loaded_for:
            self.choices = contact_choices(account_id)
            self._loaded_for = account_id

    def iter_choices(self):
        self._load()
        return super().iter_choices()

    def pre_validate(self, form):
        self._load()
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_l("Choose one of the account's contacts."))


class EscalationForm(VersionedForm):
    confirmed = HiddenField(default="")  # set once the threat suggestion was shown
    account_id = SelectField(
        _l("Account"),
        coerce=str,
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose the account."))],
    )
    title = StringField(
        lazy_pgettext("escalation", "Title"), validators=[InputRequired(), Length(max=200)]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[InputRequired(), Length(max=20000)],
        description=_l("What the customer said, in their words. Threat words are detected."),
    )
    channel = SelectField(_l("Came in by"), choices=choices(INTAKE_CHANNEL_LABELS))
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS))
    severity = SelectField(_l("Severity"), choices=choices(SEVERITY_LABELS), default="medium")
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=400)],
        description=_l("Separate tags with commas."),
        render_kw={"list": "tag-suggestions", "autocomplete": "off"},
    )
    threat_cancellation = BooleanField(_l("Cancellation threat"))
    threat_legal = BooleanField(_l("Legal threat"))
    threat_safety = BooleanField(_l("Safety/security threat"))
    arr_at_risk = StringField(
        _l("ARR at risk"),
        validators=[Optional()],
        description=_l("For executive escalations; defaults to the account's ARR."),
    )
    legal_hold = BooleanField(_l("Legal hold (nothing may be deleted while it holds)"))
    promised_at = DateTimeLocalField(
        _l("Turnaround promised to the customer"),
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        description=_l("Kept apart from the SLA; you are warned one business day before."),
    )
    # The case file (issue 12): why it was escalated and who asked. Required on a new
    # escalation; older ones have none recorded, so their edit form may leave them blank.
    reason = RecordChoiceField(_l("Why escalated"), choices=[("", "—"), *choices(REASON_LABELS)])
    requested_by = RecordChoiceField(
        _l("Requested by"), choices=[("", "—"), *choices(REQUESTER_LABELS)]
    )
    requester_contact_id = ContactField(
        _l("Customer contact who asked"),
        description=_l("One of the account's contacts; only when the customer asked."),
    )
    submit = SubmitField(_l("Raise escalation"))

    case_file_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = kwargs.get("obj")
        self._record = record
        if record is not None:
            self.requester_contact_id.account_of = lambda: record.account_id
        else:  # the account picked on this form (read when the field is shown or checked)
            self.requester_contact_id.account_of = lambda: self.account_id.data

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Across fields and records, so not inline: a recorded value cannot be blanked.
        for field, message in (
            (self.reason, _l("Choose why the escalation is raised.")),
            (self.requested_by, _l("Say whether the customer or someone internal asked.")),
        ):
            recorded = getattr(self._record, field.name, None) is not None
            if not field.data and (self.case_file_required or recorded):
                field.errors.append(message)
                ok = False
        return ok

    def validate_arr_at_risk(self, field):
        if (field.data or "").strip():
            try:
                parse_amount(field.data, self.currency or "JPY")
            except ValueError as error:
                raise ValidationError(str(error.args[0])) from None

    currency: str | None = None

    def tag_list(self) -> list[str]:
        data = self.tags.data or ""
        if not isinstance(data, str):  # the field was not sent: the record's own tags
            data = ",".join(data)
        return [t for t in data.split(",") if t.strip()]


class EditEscalationForm(EscalationForm):
    submit = SubmitField(_l("Save changes"))

    case_file_required = False


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=[(s.value, ESCALATION_STATUS_LABELS[s]) for s in OPEN_STATUSES],
    )
    reason = StringField(
        _l("Reason"),
        validators=[Optional(), Length(max=500)],
        description=_l("Needed when pausing for the customer."),
    )
    submit = SubmitField(_l("Change status"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Across fields, so not inline: Optional() on the reason would skip an inline check.
        waiting = self.status.data == Status.WAITING_ON_CUSTOMER.value
        if waiting and not (self.reason.data or "").strip():
            self.reason.errors.append(_l("Say what you are waiting for from the customer."))
            ok = False
        return ok


class HandoffForm(FlaskForm):
    to_level = SelectField(_l("Raise to"), choices=choices(LEVEL_LABELS))
    new_owner_id = SelectField(
        _l("New owner"),
        coerce=str,
        validate_choice=True,
        # The handoff needs a receiver who acknowledges it: the current owner is not assumed.
        validators=[InputRequired(message=_l("Choose who takes the escalation."))],
    )
    contact_id = SelectField(_l("Customer contact"), coerce=str, validate_choice=True)
    what_happened = TextAreaField(_l("What happened so far"), validators=TEXT)
    what_was_tried = TextAreaField(_l("What was tried"), validators=TEXT)
    why_unresolved = TextAreaField(_l("Why it is not resolved"), validators=TEXT)
    what_is_needed = TextAreaField(
        _l("What is needed (knowledge, authority, resources)"), validators=TEXT
    )
    submit = SubmitField(_l("Raise level and hand off"))


class CustomerUpdateForm(FlaskForm):
    template_key = SelectField(
        _l("Template"), choices=[("", "—")] + list(TEMPLATE_KEYS.items()), default=""
    )
    channel = SelectField(_l("Channel"), choices=choices(INTAKE_CHANNEL_LABELS), default="email")
    summary = TextAreaField(_l("What you told the customer"), validators=TEXT)
    fill = SubmitField(_l("Fill from template"))
    submit = SubmitField(_l("Record customer update"))


class ResolveForm(FlaskForm):
    kind = SelectField(_l("Resolution type"), choices=choices(RESOLUTION_LABELS))
    summary = TextAreaField(_l("Summary"), validators=TEXT)
    concession = StringField(
        _l("Concession value"),
        validators=[Optional()],
        description=_l("Only for concessions, in the account's currency."),
    )
    # Only while exit criteria are unmet (the view removes it otherwise); then required.
    unmet_criteria_reason = TextAreaField(
        _l("Why resolve with criteria unmet?"),
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    # Choices and the help text come from the view (the account's contacts with an e-mail).
    survey_contact_id = SelectField(
        _l("Send the satisfaction survey to"), coerce=str, validate_choice=True, default=""
    )
    # Contacts have no language of their own: the person resolving knows the customer's.
    # Any other value (or none) means the app's default language (surveys.send_survey).
    survey_language = SelectField(
        _l("Language of the e-mail and the survey"),
        choices=list(LANGUAGE_NAMES.items()),
        validate_choice=False,
    )
    submit = SubmitField(_l("Resolve"))

    currency: str = "JPY"

    def offer_survey(self, contacts, survey, default) -> dict:
        """The survey choice: "Do not send" and the contacts with an e-mail, the default one
        chosen while no survey was sent (a reopened escalation resolved again sends another
        only when the owner picks a contact). Returns the contacts by choice value."""
        field = self.survey_contact_id
        if survey is not None and survey.answered_at is not None:
            contacts, default = [], None
            field.description = _l(
                "The customer already answered the survey (score %(score)s/5).",
                score=survey.score,
            )
        elif survey is not None:
            default = None
            field.description = _l(
                "A survey was already sent to %(email)s on %(date)s. Choose a contact only to "
                "send it again (the old link stops working).",
                email=survey.email,
                date=format_date(survey.sent_at),
            )
        elif not contacts:
            field.description = _l("The account has no contact with an e-mail address.")
        else:
            field.description = _l("An e-mail with a one-time link; one survey per escalation.")
        field.choices = [("", _l("Do not send"))] + [
            (str(c.id), f"{c.name} <{c.email}>") for c in contacts
        ]
        if not self.is_submitted():
            field.data = str(default.id) if default is not None else ""
        return {str(c.id): c for c in contacts}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        reason = getattr(self, "unmet_criteria_reason", None)
        if reason is not None and not (reason.data or "").strip():
            reason.errors.append(_l("Say why the escalation is resolved with criteria unmet."))
            ok = False
        field = self.concession
        if self.kind.data == "concession" and not field.data:
            field.errors.append(_l("Enter the value of the concession."))
            return False
        if field.data:
            try:
                self.concession_amount = parse_amount(
                    field.data, self.currency, negative=_l("A concession cannot be negative.")
                )
            except ValueError as error:
                field.errors.append(str(error.args[0]))
                return False
        return ok


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[InputRequired(), Length(max=5000)])
    submit = SubmitField(_l("Add note"))


class WatchersForm(FlaskForm):
    watcher_ids = SelectMultipleField(_l("Watchers"), coerce=str, validate_choice=True)
    submit = SubmitField(_l("Save watchers"))


class OwnerForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), coerce=str, validate_choice=True)
    submit = SubmitField(_l("Assign"))


MAX_TARGET_MINUTES = 60 * 24 * 60  # 60 days of business time


class DurationForm(Form):
    """A target in business time as hours and minutes (two number inputs)."""

    hours = WholeNumberField(
        _l("Hours"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_TARGET_MINUTES // 60, message=_l("0 to 1440 hours.")),
        ],
    )
    minutes = WholeNumberField(
        _l("Minutes"),
        validators=[Optional(), NumberRange(min=0, max=59, message=_l("0 to 59 minutes."))],
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.hours.data is None and self.minutes.data is None:
            self.form_errors.append(_l("Enter the hours and minutes."))
        elif self.total_minutes <= 0:
            self.form_errors.append(_l("The target must be longer than 0 minutes."))
        elif self.total_minutes > MAX_TARGET_MINUTES:
            self.form_errors.append(_l("The target can be at most 60 days (1440 h)."))
        return not self.form_errors

    @property
    def total_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)


def duration_as_shown(minutes: int) -> dict:
    """A stored target in minutes as the hours and minutes inputs show it."""
    hours, rest = divmod(minutes, 60)
    return {"hours": hours, "minutes": rest}


class SlaPolicyForm(VersionedForm):
    """A severity's targets (hours and minutes of business time) and the calendar counted in;
    the view fills `calendar_id.choices` with the business calendars."""

    first_response = FormField(DurationForm, _l("First response"))
    update_interval = FormField(DurationForm, _l("Customer update every"))
    resolution = FormField(DurationForm, _l("Resolution target"))
    calendar_id = SelectField(_l("Business calendar"), coerce=int, choices=[])
    submit = SubmitField(_l("Save policy"))

    TARGETS = ("first_response", "update_interval", "resolution")

    def targets(self):
        """The three target sub-forms, in the order the page shows them."""
        return [getattr(self, name) for name in self.TARGETS]

    def values(self) -> dict:
        """What save_sla_policy takes: targets in minutes and the calendar's id."""
        values = {
            f"{name}_minutes": getattr(self, name).form.total_minutes for name in self.TARGETS
        }
        return values | {"calendar_id": self.calendar_id.data}


class ReplyTemplateForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    body = TextAreaField(
        _l("Text"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l("{title} is replaced by the escalation's title."),
    )
    submit = SubmitField(_l("Save template"))


def templates_json(templates) -> str:
    """Template bodies for the page's script, keyed by template key."""
    return json.dumps({t.key: t.body for t in templates}, ensure_ascii=False)


class WidespreadForm(FlaskForm):
    title = StringField(_l("Issue title"), validators=[InputRequired(), Length(max=200)])
    domains = TextAreaField(
        _l("Other affected accounts"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Their domains, one per line or separated by commas."),
    )
    message = TextAreaField(
        _l("Message for everyone who talks to these customers"),
        validators=[InputRequired(), Length(max=5000)],
    )
    approve = BooleanField(_l("Approve this message (managers)"))
    submit = SubmitField(_l("Save widespread issue"))

    def domain_list(self) -> list[str]:
        import re

        return [d for d in re.split(r"[\s,、]+", self.domains.data or "") if d]


# After the resolution: the check-in, reopening, the post-mortem and its action items.


class FollowUpForm(FlaskForm):
    outcome = SelectField(
        _l("Did the solution hold?"),
        choices=[("", "—"), *choices(FOLLOW_UP_OUTCOME_LABELS)],
        default="",
        validators=[InputRequired(message=_l("Choose whether the solution held."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What the customer said. Required when it failed: it is the reason."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Record the check-in"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Across fields, so not inline: Optional() on the note would skip an inline check.
        failed = self.outcome.data == FollowUpOutcome.FAILED.value
        if failed and not (self.note.data or "").strip():
            self.note.errors.append(_l("Say why the solution did not hold."))
            ok = False
        return ok


class FollowUpDaysForm(FlaskForm):
    follow_up_days = WholeNumberField(
        _l("Follow-up after (days)"),
        validators=[
            InputRequired(message=_l("Enter a number of days from 1 to 365.")),
            NumberRange(min=1, max=365, message=_l("Enter a number of days from 1 to 365.")),
        ],
        description=_l("Days from the resolution to the check-in."),
    )
    submit = SubmitField(_l("Change the check-in date"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is it reopened?"),
        validators=[
            InputRequired(message=_l("Say why the escalation is reopened.")),
            Length(max=500),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Reopen"))

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Say why the escalation is reopened."))


class PostMortemForm(VersionedForm):
    root_cause_category = SelectField(
        _l("Root cause category"), choices=[("", "—"), *choices(ROOT_CAUSE_LABELS)], default=""
    )
    root_cause = TextAreaField(_l("Root cause"), validators=[Length(max=20000)])
    went_well = TextAreaField(_l("What went well"), validators=[Length(max=20000)])
    to_improve = TextAreaField(_l("What to improve"), validators=[Length(max=20000)])
    preventable = SelectField(
        _l("Could it have been prevented?"),
        choices=[("", "—"), *choices(ANSWER_LABELS)],
        default="",
    )
    lower_level = SelectField(
        _l("Could it have been resolved at a lower level?"),
        choices=[("", "—"), *choices(ANSWER_LABELS)],
        default="",
    )
    submit = SubmitField(_l("Save"))
    complete = SubmitField(_l("Save and complete"))

    def values(self) -> dict:
        """The post-mortem's parts as the service takes them."""
        return {
            "root_cause_category": RootCause(self.root_cause_category.data)
            if self.root_cause_category.data
            else None,
            "root_cause": (self.root_cause.data or "").strip(),
            "went_well": (self.went_well.data or "").strip(),
            "to_improve": (self.to_improve.data or "").strip(),
            "preventable": Answer(self.preventable.data) if self.preventable.data else None,
            "lower_level": Answer(self.lower_level.data) if self.lower_level.data else None,
        }


class ActionItemForm(FlaskForm):
    text = StringField(
        _l("Action item"),
        validators=[InputRequired(message=_l("Write what is to be done.")), Length(max=500)],
    )
    owner_id = SelectField(
        _l("Owner"),
        coerce=str,
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose who owns the action item."))],
    )
    due_on = CalendarDateField(
        _l("Due date"),
        validators=[InputRequired(message=_l("Enter the due date.")), DateWithin()],
    )
    submit = SubmitField(_l("Add action item"))

    def validate_text(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Write what is to be done."))


# The case file: exit criteria, the decision log, the roster, the ask of the sponsor.


def _not_blank(message):
    def check(form, field):
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check


class ExitCriterionForm(FlaskForm):
    text = StringField(
        _l("Exit criterion"),
        validators=[
            InputRequired(message=_l("Write what must be true for the customer.")),
            Length(max=500),
            _not_blank(_l("Write what must be true for the customer.")),
        ],
        description=_l("What the customer agreed must be true for this to be over."),
    )
    submit = SubmitField(_l("Add exit criterion"))


class CriterionChangeForm(VersionedForm):
    """Tick, untick or remove a criterion: a button carrying the version it was shown at."""


class DecisionForm(FlaskForm):
    decision = TextAreaField(
        _l("Decision"),
        validators=[
            InputRequired(message=_l("Write the decision.")),
            Length(max=500),
            _not_blank(_l("Write the decision.")),
        ],
        render_kw={"rows": 2},
    )
    decided_by = StringField(
        _l("Who decided"),
        validators=[
            InputRequired(message=_l("Say who decided.")),
            Length(max=200),
            _not_blank(_l("Say who decided.")),
        ],
        description=_l("A person or a role, e.g. “Customer CFO”."),
    )
    decided_at = DateTimeLocalField(
        _l("When"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message=_l("Enter the date and time."))],
    )
    rationale = TextAreaField(
        _l("Why"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    submit = SubmitField(_l("Log decision"))

    def validate_decided_at(self, field):
        if field.data is None:  # not a date and time: the field already says so
            return
        now = to_user_timezone(utcnow()).replace(tzinfo=None)
        if field.data > now + timedelta(minutes=1):
            raise ValidationError(_l("A decision cannot be in the future."))
        if field.data < now - timedelta(days=3660):
            raise ValidationError(_l("Enter a date within the last ten years."))

    def decided_at_utc(self) -> datetime:
        """When it was decided, typed in the user's timezone, as aware UTC."""
        return to_utc(self.decided_at.data).replace(tzinfo=UTC)


class RosterForm(FlaskForm):
    user_id = SelectField(
        _l("Person"),
        coerce=str,
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose who joins."))],
    )
    role = StringField(
        _l("Role"),
        validators=[
            InputRequired(message=_l("Say in what role.")),
            Length(max=80),
            _not_blank(_l("Say in what role.")),
        ],
        render_kw={"list": "roster-roles"},
    )
    submit = SubmitField(_l("Add to the roster"))


class SponsorAskForm(VersionedForm):
    sponsor_ask = TextAreaField(
        _l("What we ask of the sponsor"),
        validators=[Length(max=2000)],
        description=_l("The sponsor is notified when it is set or changed."),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Save the ask"))


class SponsorCommentForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment"),
        validators=[
            InputRequired(message=_l("Write your comment.")),
            Length(max=5000),
            _not_blank(_l("Write your comment.")),
        ],
        description=_l("Added to the escalation's notes."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Comment"))


# Health and trend (issue 12).


class HealthForm(VersionedForm):
    """A health check of the escalation; carries the escalation's version."""

    health = SelectField(
        lazy_pgettext("escalation health", "Health"),
        choices=[("", "—"), *choices(HEALTH_LABELS)],
        validators=[InputRequired(message=_l("Choose red, amber or green."))],
    )
    trend = SelectField(
        _l("Trend"),
        choices=[("", "—"), *choices(TREND_LABELS)],
        validators=[InputRequired(message=_l("Choose how it is going."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What you saw; optional."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Record health"))


# A health's update cadence is chosen from these hours of wall-clock time (none: the empty
# choice); stored hours the list lacks (36) stay on offer as "Every 36 hours".
CADENCE_HOURS = (4, 8, 12, 24, 48, 72, 168)


def hours_name(hours: int):
    """An update cadence as the list says it: "Every 4 hours", "Every day (24 hours)"..."""
    named = {
        24: _l("Every day (24 hours)"),
        48: _l("Every 2 days (48 hours)"),
        72: _l("Every 3 days (72 hours)"),
        168: _l("Every week (168 hours)"),
    }
    return named.get(hours) or lazy_ngettext("Every hour", "Every %(num)d hours", hours)


def _cadence_field(label):
    return NumberChoiceField(
        label,
        numbers=CADENCE_HOURS,
        name_of=hours_name,
        message=_l("Pick a cadence from the list."),
        description=_l("Wall-clock time; None: no extra cadence."),
    )


class HealthCadenceForm(VersionedForm):
    """The update cadence per health; `version` carries the three rows' versions."""

    red_hours = _cadence_field(_l("Red: update the customer"))
    amber_hours = _cadence_field(_l("Amber: update the customer"))
    green_hours = _cadence_field(_l("Green: update the customer"))
    submit = SubmitField(_l("Save cadence"))

    def __init__(self, *args, stored=None, **kwargs):
        """`stored`: the saved cadence as the form shows it, whose hours stay on offer."""
        super().__init__(*args, **kwargs)
        keep_stored_numbers(self, stored if stored is not None else kwargs.get("obj"))
