"""What the pages call the scheduler's jobs and their runs, in the reader's language: a job is
shown by its label, never by its name in the code (app/scheduler/jobs.py: JOBS)."""

from datetime import timedelta

from flask_babel import format_decimal, gettext, ngettext

from app.formatting import LABELS
from app.i18n import lazy_gettext as _l
from app.scheduler.models import JobRunStatus

# name in JOBS -> (label, what it does)
JOB_LABELS = {
    "sla_sweep": (
        _l("SLA sweep"),
        _l("Records SLA warnings and breaches as they fall due, and tells the owners."),
    ),
    "outbox": (_l("E-mail outbox"), _l("Sends the e-mails that are due, retrying failures.")),
    "handoff_check": (
        _l("Handoff check"),
        _l("Flags handoffs nobody acknowledged in time."),
    ),
    "eligibility_review": (
        _l("Eligibility review"),
        _l("Moves sponsorships that meet the exit rules to exit review and tells the admins."),
    ),
    "touchpoint_cadence": (
        _l("Touchpoint planning"),
        _l("Plans the next 90 days of touchpoints from each sponsorship's cadence."),
    ),
    "touchpoint_reminders": (
        _l("Touchpoint reminders"),
        _l("Reminds attendees of touchpoints ahead, and owners of overdue next steps."),
    ),
    "exports": (
        _l("Scheduled exports"),
        _l("Runs the export schedules that are due and retries failed runs."),
    ),
    "aftercare": (
        _l("Aftercare reminders"),
        _l("Reminds owners of follow-up check-ins and overdue post-mortem actions."),
    ),
    "reports_rollup": (
        _l("Report figures"),
        _l("Brings the report figures up to date with the escalations that changed."),
    ),
    "planner_statistics": (
        _l("Planner statistics"),
        _l("Refreshes the database's query planner statistics (SQLite; daily)."),
    ),
    "program_results": (
        _l("Program results"),
        _l("Recomputes the sponsorship program results its page shows."),
    ),
}

RUN_STATUS_LABELS = {
    JobRunStatus.RUNNING: _l("Running"),
    JobRunStatus.SUCCEEDED: _l("Succeeded"),
    JobRunStatus.FAILED: _l("Failed"),
}
LABELS.update(RUN_STATUS_LABELS)


def job_label(name: str) -> str:
    """A job's label; a job the code no longer has (its old runs) by its name."""
    known = JOB_LABELS.get(name)
    return str(known[0]) if known else name


def job_description(name: str) -> str:
    known = JOB_LABELS.get(name)
    return str(known[1]) if known else ""


def every_text(every: timedelta) -> str:
    """How often a job runs, as people say it: "Every 15 seconds", "Every day"."""
    seconds = max(int(every.total_seconds()), 1)
    if seconds == 86400:
        return gettext("Every day")
    if seconds % 86400 == 0:
        return ngettext("Every %(num)d day", "Every %(num)d days", seconds // 86400)
    if seconds % 3600 == 0:
        return ngettext("Every hour", "Every %(num)d hours", seconds // 3600)
    if seconds == 60:
        return gettext("Every minute")
    if seconds % 60 == 0:
        return ngettext("Every %(num)d minute", "Every %(num)d minutes", seconds // 60)
    return ngettext("Every %(num)d second", "Every %(num)d seconds", seconds)


def duration_text(seconds: float) -> str:
    """How long a run took: "<0.1 s", "0.4 s", "12 s", "3 min 5 s"."""
    if seconds < 0.05:
        return gettext("%(seconds)s s", seconds="<" + format_decimal(0.1))
    if seconds < 60:
        return gettext("%(seconds)s s", seconds=format_decimal(round(seconds, 1)))
    minutes, rest = divmod(int(seconds), 60)
    return gettext("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=rest)
