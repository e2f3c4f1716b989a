"""Sponsorship forms: nomination, decision, exit, objectives, training, program settings,
criteria."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.accounts.labels import TIER_LABELS
from app.formatting import CURRENCIES, to_minor_units
from app.forms import NumberChoiceField, choices, keep_stored_numbers, parse_amount
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_ngettext
from app.sponsorship.labels import (
    CRITERION_KIND_LABELS,
    ENTRY_KINDS,
    EXIT_KINDS,
    EXIT_REASON_LABELS,
    OBJECTIVE_STATUS_LABELS,
)
from app.sponsorship.models import CriterionKind
from app.sponsorship.services import CADENCE_KEYS
from app.validators import DateWithin
from app.versioning import VersionedForm


class NominationForm(FlaskForm):
    reason = TextAreaField(
        _l("Why should this account be sponsored?"), validators=[InputRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Nominate"))


class ApproveForm(FlaskForm):
    sponsor_id = SelectField(
        _l("Executive sponsor"),
        coerce=str,
        validate_choice=True,
        validators=[InputRequired(message=_l("Pick the sponsor."))],
    )
    start_on = DateField(_l("Start date"), validators=[InputRequired(), DateWithin()])
    submit = SubmitField(_l("Approve"))


class DeclineForm(FlaskForm):
    decline_reason = TextAreaField(
        _l("Reason for declining"), validators=[InputRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Decline"))


class ExitForm(FlaskForm):
    exit_reason = SelectField(
        _l("Exit reason"),
        choices=[("", "—")] + choices(EXIT_REASON_LABELS),
        validators=[InputRequired(message=_l("Pick the reason."))],
    )
    exit_note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when the reason is “Other”."),
    )
    exit_on = DateField(_l("Exit date"), validators=[InputRequired()])
    submit = SubmitField(_l("End sponsorship"))


class ReassignForm(FlaskForm):
    sponsor_id = SelectField(
        _l("New sponsor"),
        coerce=str,
        validate_choice=True,
        validators=[InputRequired(message=_l("Pick the sponsor."))],
    )
    submit = SubmitField(_l("Change sponsor"))


class ObjectiveForm(FlaskForm):
    text = StringField(_l("Objective"), validators=[InputRequired(), Length(max=300)])
    metric = StringField(_l("Metric"), validators=[Optional(), Length(max=120)])
    target = StringField(_l("Target"), validators=[Optional(), Length(max=120)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Add objective"))


class ObjectiveStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(OBJECTIVE_STATUS_LABELS))
    submit = SubmitField(_l("Update"))


class TrainingForm(FlaskForm):
    module = SelectField(_l("Module"), coerce=str, validate_choice=True)
    completed_on = DateField(_l("Completed on"), validators=[InputRequired()])
    submit = SubmitField(_l("Record training"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# A cadence is chosen from these months between touchpoints (none: the empty choice); a
# stored number the list lacks (5) stays on offer as "Every 5 months".
CADENCE_MONTHS = (1, 2, 3, 4, 6, 12)


def months_name(months: int):
    """A cadence in months as the list says it: "Every month", "Every quarter"..."""
    if months == 3:
        return _l("Every quarter")
    if months == 12:
        return _l("Every year")
    return lazy_ngettext("Every month", "Every %(num)d months", months)


def _months_field(label):
    return NumberChoiceField(
        label,
        numbers=CADENCE_MONTHS,
        name_of=months_name,
        message=_l("Pick a cadence from the list."),
    )


def _call_months():
    return _months_field(_l("Executive calls"))


def _review_months():
    return _months_field(_l("Business reviews"))


def describe_cadence(cadence: dict | None) -> list:
    """A cadence as the pages say it: "Executive call every month", ... (empty: none)."""
    texts = {
        "executive_call": lambda n: lazy_ngettext(
            "Executive call every month", "Executive call every %(num)d months", n
        ),
        "business_review": lambda n: lazy_ngettext(
            "Business review every month", "Business review every %(num)d months", n
        ),
    }
    return [
        texts[key](int(cadence[key]))
        for key in CADENCE_KEYS
        if isinstance((cadence or {}).get(key), int) and cadence[key] > 0
    ]


class CadenceForm(VersionedForm):
    """A sponsorship's own touchpoint cadence, or the program's default for its tier."""

    follow = RadioField(
        _l("Which cadence"),
        choices=[("program", _l("Follow the program")), ("own", _l("Its own cadence"))],
        default="program",
        validators=[InputRequired(message=_l("Pick one."))],
    )
    executive_call = _call_months()
    business_review = _review_months()
    submit = SubmitField(_l("Save cadence"))

    def __init__(self, *args, stored=None, **kwargs):
        """`stored`: the saved cadence as the form shows it (default `obj`), whose numbers
        stay on offer though the list lacks them."""
        super().__init__(*args, **kwargs)
        keep_stored_numbers(self, stored if stored is not None else kwargs.get("obj"))

    def cadence(self) -> dict | None:
        """The cadence to store: None follows the program."""
        if self.follow.data == "program":
            return None
        return {key: getattr(self, key).data or 0 for key in CADENCE_KEYS}


COMBINATIONS = [("any", _l("Any rule is enough")), ("all", _l("Every rule must be met"))]


class ProgramForm(VersionedForm):
    purpose = TextAreaField(_l("Why the program exists"), validators=[InputRequired()])
    responsibilities = TextAreaField(
        _l("Sponsor responsibilities"),
        validators=[InputRequired()],
        description=_l("One per line, in order."),
    )
    success_metrics = TextAreaField(
        _l("Success metrics tracked"), validators=[Optional()], description=_l("One per line.")
    )
    default_term_months = IntegerField(
        _l("Default term (months)"), validators=[InputRequired(), NumberRange(min=1, max=60)]
    )
    # The touchpoint cadence of each tier (the page shows them as a grid, a row per tier).
    cadence_strategic_executive_call = _call_months()
    cadence_strategic_business_review = _review_months()
    cadence_enterprise_executive_call = _call_months()
    cadence_enterprise_business_review = _review_months()
    cadence_growth_executive_call = _call_months()
    cadence_growth_business_review = _review_months()
    coverage_strong_days = IntegerField(
        _l("Relationship strong when met within (days)"),
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
    )
    coverage_fading_days = IntegerField(
        _l("Relationship fading when met within (days)"),
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
        description=_l("More days than “strong”; met longer ago than this, it is cold."),
    )
    required_modules = TextAreaField(
        _l("Required training modules"), validators=[Optional()], description=_l("One per line.")
    )
    max_active_per_executive = IntegerField(
        _l("Maximum active sponsorships per executive"),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    auto_nominate = BooleanField(
        _l("Nominate the account automatically when an executive escalation is raised")
    )
    entry_combination = SelectField(_l("How entry rules combine"), choices=COMBINATIONS)
    exit_combination = SelectField(_l("How exit rules combine"), choices=COMBINATIONS)
    submit = SubmitField(_l("Save program"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep_stored_numbers(self, kwargs.get("obj"))  # the saved cadences stay on offer

    def lines(self, name: str) -> list[str]:
        return _lines(getattr(self, name).data)

    def cadence_fields(self, tier: str) -> list:
        return [getattr(self, f"cadence_{tier}_{key}") for key in CADENCE_KEYS]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        strong, fading = self.coverage_strong_days.data, self.coverage_fading_days.data
        if ok and strong >= fading:
            self.coverage_fading_days.errors.append(
                _l("Must be more days than “strong” (%(days)d).", days=strong)
            )
            return False
        return ok


class CriterionForm(FlaskForm):
    """One rule; which parameters are needed depends on the kind."""

    kind = SelectField(
        _l("Rule"), choices=[(k.value, CRITERION_KIND_LABELS[k]) for k in ENTRY_KINDS + EXIT_KINDS]
    )
    days = IntegerField(_l("Days (N)"), validators=[Optional(), NumberRange(min=1, max=3650)])
    score = IntegerField(
        _l("Health score (X)"), validators=[Optional(), NumberRange(min=0, max=100)]
    )
    tiers = SelectMultipleField(_l("Tiers"), choices=choices(TIER_LABELS))
    amounts = TextAreaField(
        _l("ARR amounts"),
        validators=[Optional()],
        description=_l("One per line, e.g. JPY 300000000 or USD 2000000."),
    )
    submit = SubmitField(_l("Add rule"))

    NEEDS = {
        CriterionKind.ARR_AT_LEAST: ("amounts",),
        CriterionKind.ARR_BELOW: ("amounts",),
        CriterionKind.TIER_IN: ("tiers",),
        CriterionKind.EXECUTIVE_ESCALATION_WITHIN: ("days",),
        CriterionKind.RENEWAL_WITHIN: ("days",),
        CriterionKind.NO_OPEN_EXECUTIVE_ESCALATION_FOR: ("days",),
        CriterionKind.HEALTH_AT_MOST: ("score",),
        CriterionKind.HEALTH_AT_LEAST_FOR: ("score", "days"),
    }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        kind = CriterionKind(self.kind.data)
        self.params = {}
        for name in self.NEEDS.get(kind, ()):
            field = getattr(self, name)
            if not field.data:
                field.errors.append(_l("Needed for this rule."))
                ok = False
            elif name == "amounts":
                try:
                    self.params["amounts"] = parse_amounts(field.data)
                except ValidationError as error:
                    field.errors.append(str(error))
                    ok = False
            else:
                self.params[name] = field.data
        return ok


def parse_amounts(text: str) -> dict[str, int]:
    """'JPY 300000000' lines as {currency: minor units}."""
    amounts = {}
    for line in _lines(text):
        parts = line.replace(",", "").split()
        if len(parts) != 2 or parts[0].upper() not in CURRENCIES:
            raise ValidationError(_l("“%(line)s” is not like JPY 300000000.", line=line))
        currency = parts[0].upper()
        try:
            amounts[currency] = to_minor_units(parse_amount(parts[1], currency), currency)
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from None
    return amounts
