"""The export schedule form (what, when, where) with every kind's list filters, and the
translated names of the exports enumerations."""

import enum
from datetime import time

from babel.dates import get_day_names
from flask_babel import get_locale
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.auth.forms import timezone_names
from app.exports.kinds import KINDS
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    Frequency,
    RunStatus,
    RunTrigger,
)
from app.formatting import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS, LABELS, register_field_enums
from app.forms import MultiCheckboxField, choices, halfwidth
from app.i18n import LazyText
from app.i18n import lazy_gettext as _l
from app.versioning import VersionedForm

FORMAT_LABELS = {
    ExportFormat.CSV: _l("CSV"),
    ExportFormat.XLSX: _l("Excel workbook (XLSX)"),
    ExportFormat.PDF: _l("PDF"),
}
ENCODING_LABELS = {
    CsvEncoding.UTF8_BOM: _l("UTF-8 with BOM (Excel anywhere)"),
    CsvEncoding.CP932: _l("Japanese Excel (cp932)"),
}
FREQUENCY_LABELS = {
    Frequency.DAILY: _l("Every day"),
    Frequency.WEEKLY: _l("Every week on a weekday"),
    Frequency.MONTHLY: _l("Every month on a day"),
    Frequency.CRON: _l("Cron expression"),
}
RUN_STATUS_LABELS = {
    RunStatus.RUNNING: _l("Running"),
    RunStatus.RETRYING: _l("Waiting to retry"),
    RunStatus.SUCCEEDED: _l("Succeeded"),
    RunStatus.FAILED: _l("Failed"),
}
RUN_TRIGGER_LABELS = {
    RunTrigger.SCHEDULED: _l("Scheduled"),
    RunTrigger.MANUAL: _l("Run now"),
    RunTrigger.COMMAND: _l("Command line"),
}
for _mapping in (
    {kind: definition.title for kind, definition in KINDS.items()},
    FORMAT_LABELS,
    ENCODING_LABELS,
    FREQUENCY_LABELS,
    RUN_STATUS_LABELS,
    RUN_TRIGGER_LABELS,
):
    LABELS.update(_mapping)
register_field_enums(
    {
        "kind": ExportKind,
        "file_format": ExportFormat,
        "encoding": CsvEncoding,
        "frequency": Frequency,
        "trigger": RunTrigger,
    }
)
FIELD_LABELS.update(
    {
        "kind": _l("Kind"),
        "file_format": _l("Format"),
        "encoding": _l("CSV encoding"),
        "filters": _l("Filters"),
        "executive": _l("Executive"),
        "frequency": _l("Repeats"),
        "weekday": _l("Weekday"),
        "month_day": _l("Day of the month"),
        "cron": _l("Cron expression"),
        "run_time": _l("Time"),
        "recipients": _l("Recipients"),
        "keep_files": _l("Files kept"),
        "enabled": _l("Enabled"),
        "stopped_reason": _l("Stopped because"),
        "run": _l("Run"),
        "trigger": _l("Started by"),
        "file_name": _l("File"),
    }
)
ENTITY_LABELS.update({"export_schedule": _l("export schedule")})
ACTION_LABELS.update(
    {
        "enable": _l("Enabled"),
        "disable": _l("Disabled"),
        "stop": _l("Stopped"),
        "download": _l("Downloaded"),
        "run": _l("Run by hand"),
    }
)

KIND_CHOICES = [(kind.value, definition.title) for kind, definition in KINDS.items()]


def filter_field_name(kind: ExportKind, name: str) -> str:
    """The form field of one of a kind's list filters: kinds share names ("status")."""
    return f"{kind.value}-{name}"


class Weekday(enum.IntEnum):
    """A schedule's weekday as stored (0 Monday), so the audit history shows its name."""

    MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


def _day_name(day: int) -> str:
    return get_day_names("wide", locale=get_locale())[day]


LABELS.update({day: LazyText(_day_name, int(day)) for day in Weekday})
register_field_enums({"weekday": Weekday})


def weekday_choices() -> list[tuple[str, str]]:
    """Monday (0) to Sunday (6) in the reader's language."""
    names = get_day_names("wide", locale=get_locale())
    return [("", "—")] + [(str(day), names[day]) for day in range(7)]


class HourMinuteField(TimeField):
    """HH:MM, with our own message for what cannot be read (WTForms' says "time value")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter the time as HH:MM, e.g. 07:30."))) from error


class ScheduleForm(VersionedForm):
    """One schedule. Each kind's filters are added by `schedule_form(user)`."""

    name = StringField(
        _l("Name"),
        validators=[InputRequired(message=_l("Give the schedule a name.")), Length(max=120)],
    )
    kind = SelectField(_l("What"), choices=KIND_CHOICES)
    file_format = SelectField(
        _l("Format"),
        choices=choices(FORMAT_LABELS),
        description=_l("CSV or XLSX for lists; PDF for the portfolio brief."),
    )
    encoding = SelectField(
        _l("CSV encoding"),
        choices=choices(ENCODING_LABELS),
        description=_l(
            "Japanese Excel writes cp932; a character it cannot hold is written as ? and "
            "counted in the run's record."
        ),
    )
    executive_id = SelectField(
        _l("Executive"),
        validate_choice=False,
        description=_l("Whose portfolio brief (admins: any active executive)."),
    )
    frequency = SelectField(
        _l("Repeats"), choices=choices(FREQUENCY_LABELS), default=Frequency.WEEKLY.value
    )
    weekday = SelectField(_l("Weekday"), validate_choice=True, default="0")
    month_day = IntegerField(
        _l("Day of the month"),
        filters=[lambda v: v],
        validators=[
            Optional(),
            NumberRange(min=1, max=31, message=_l("Enter a day of the month from 1 to 31.")),
        ],
        description=_l("29, 30 or 31: the month's last day in shorter months."),
    )
    cron = StringField(
        _l("Cron expression"),
        validators=[Optional(), Length(max=120)],
        filters=[lambda v: halfwidth(v) if v else v],
        description=_l(
            "Five fields: minute hour day month weekday, e.g. 0 9 * * 1 for Mondays at 09:00. "
            "Read in the time zone below."
        ),
    )
    run_time = HourMinuteField(
        _l("Time"),
        format="%H:%M",
        default=time(7, 0),
        validators=[Optional()],
        description=_l("For every day, week or month (a cron expression has its own)."),
    )
    timezone = SelectField(_l("Time zone"))
    recipient_ids = MultiCheckboxField(_l("E-mail to"), coerce=str)
    keep_files = IntegerField(
        _l("Keep the last files"),
        default=10,
        validators=[
            InputRequired(message=_l("Keep between 1 and 1000 files.")),
            NumberRange(min=1, max=1000, message=_l("Keep between 1 and 1000 files.")),
        ],
        description=_l(
            "Files are kept in the export folder on the server; older ones are deleted, their "
            "runs stay in the history."
        ),
    )
    enabled = BooleanField(_l("Enabled"), default=True)
    submit = SubmitField(_l("Save schedule"))

    # The kinds' filter fields: (kind, [(field name, FilterField)]), set by schedule_form.
    filter_groups: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = weekday_choices()
        self.timezone.choices = [(zone, zone) for zone in timezone_names()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        needs_time = self.frequency.data != Frequency.CRON.value
        if needs_time and self.run_time.data is None and not self.run_time.errors:
            self.run_time.errors.append(_l("Enter the time as HH:MM, e.g. 07:30."))
            ok = False
        return ok

    def show_limits(self, attach_max_bytes: int) -> None:
        """Say which files are attached to the e-mail and which are linked."""
        megabytes = attach_max_bytes / (1024 * 1024)
        size = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
        self.recipient_ids.description = _l(
            "Files up to %(size)s MB are attached; larger ones are sent as a link to the "
            "download page.",
            size=size,
        )

    def chosen_kind(self) -> ExportKind:
        return (
            ExportKind(self.kind.data)
            if self.kind.data in {k.value for k in ExportKind}
            else (ExportKind.ESCALATIONS)
        )

    def filters_of(self, kind: ExportKind) -> dict:
        """The chosen kind's filters as the form sends them (before the kind cleans them)."""
        for group_kind, fields in self.filter_groups:
            if group_kind is kind:
                return {f.name: self[name].data for name, f in fields if self[name].data}
        return {}

    def fill_filters(self, kind: ExportKind, filters: dict) -> None:
        """A kind's filter fields from saved (or prefilled) filters."""
        for group_kind, fields in self.filter_groups:
            if group_kind is kind:
                for name, f in fields:
                    value = filters.get(f.name)
                    self[name].data = "" if value is None else str(value)


def schedule_form(user, *args, **kwargs) -> ScheduleForm:
    """The schedule form with every kind's list filters as the list pages offer them to
    `user` (a free-text filter as a text box, a hidden one carried as it came)."""
    attributes, groups = {}, []
    for kind, definition in KINDS.items():
        fields = []
        # A select starts on what the list page shows with no filter (the escalation list's
        # "All open"), not on its first option.
        defaults = definition.clean_filters({})
        for f in definition.filter_fields:
            name = filter_field_name(kind, f.name)
            if f.hidden or f.choices is None:
                attributes[name] = StringField(
                    f.label, validators=[Optional(), Length(max=100)], default=""
                )
            else:
                attributes[name] = SelectField(
                    f.label,
                    choices=f.choices(user),
                    validate_choice=False,
                    default=defaults.get(f.name, ""),
                )
            fields.append((name, f))
        groups.append((kind, fields))
    form_class = type("ScheduleFormWithFilters", (ScheduleForm,), attributes)
    form = form_class(*args, **kwargs)
    form.filter_groups = groups
    return form
