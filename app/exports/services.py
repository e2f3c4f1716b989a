"""Export schedules: create and change them (checked, audited, their next run computed),
enable and disable them; the schedules and runs a user may see; downloads recorded; the
schedules of a deactivated owner stopped. Services change the session and flush; they never
commit."""

from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.audit import services as audit
from app.auth.forms import timezone_names
from app.auth.models import Role, User
from app.auth.services import active_users
from app.exports import kinds, rights, runner, timing
from app.exports.models import (
    ExportFormat,
    ExportKind,
    ExportRun,
    ExportSchedule,
    Frequency,
    RunStatus,
)
from app.exports.timing import ScheduleError
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.inputs import CleanMultiDict
from app.models import DomainError, contains, utcnow
from app.pagination import paginate_by_ids
from app.signals import FollowUp

ENTITY = "export_schedule"
PER_PAGE = 25
SCHEDULE_FIELDS = (
    "name",
    "kind",
    "file_format",
    "encoding",
    "filters",
    "executive_id",
    "frequency",
    "weekday",
    "month_day",
    "cron",
    "run_time",
    "timezone",
    "keep_files",
    "enabled",
)
# Changing one of these moves the next run.
TIMING_FIELDS = ("frequency", "weekday", "month_day", "cron", "run_time", "timezone", "enabled")
KEEP_FILES = (1, 1000)
INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
DEFAULT_RUN_TIME = time(7, 0)
MIN_GAP = timedelta(minutes=15)  # between two runs of a cron expression

# Why a schedule was stopped (ExportSchedule.stopped_reason, runner.STOP_REASONS' keys).
STOPPED_REASONS = {
    "owner_deactivated": _l("Its owner was deactivated."),
    "owner_not_allowed": _l("Its owner may no longer own export schedules."),
    "executive_deactivated": _l("The executive of the brief was deactivated."),
    "executive_not_allowed": _l("Its owner may no longer export this executive's portfolio brief."),
}

SCHEDULE_LIST_OPTIONS = (joinedload(ExportSchedule.owner),)
RUN_LIST_OPTIONS = (joinedload(ExportRun.schedule).joinedload(ExportSchedule.owner),)


class NotAllowed(DomainError):
    """The actor may not do this with export schedules."""


# Checking what a schedule says ----------------------------------------------------------------


def _check(owner: User, values: dict) -> dict:
    """The values as stored (the kind's own filters, unused timing fields cleared); raises
    ScheduleError naming the form field whose value is wrong."""
    values = dict(values)
    # Direction overrides and other invisible format characters could make a name read as
    # something else ("Report exe.jpg"); they go.
    name = "".join(c for c in values.get("name") or "" if c not in INVISIBLE).strip()
    if not name:
        raise ScheduleError(_l("Give the schedule a name."), field="name")
    if len(name) > 120:
        raise ScheduleError(_l("At most 120 characters."), field="name")
    values["name"] = name
    kind = values["kind"]
    definition = kinds.KINDS[kind]
    if values["file_format"] not in definition.formats:
        raise ScheduleError(
            _l(
                "%(kind)s exports are written as %(formats)s.",
                kind=definition.title,
                formats=", ".join(f.value.upper() for f in definition.formats),
            ),
            field="file_format",
        )
    # Read as the page reads its query: numbers beyond an id column read as absent.
    filters = {k: v for k, v in (values.get("filters") or {}).items() if v not in (None, "")}
    values["filters"] = definition.clean_filters(CleanMultiDict(filters))
    values["executive"] = _check_executive(owner, kind, values.get("executive"))
    values.update(_check_timing(values))
    keep = values.get("keep_files")
    if keep is None or not KEEP_FILES[0] <= keep <= KEEP_FILES[1]:
        raise ScheduleError(_l("Keep between 1 and 1000 files."), field="keep_files")
    recipients = list(values.get("recipients") or [])
    inactive = [user.name for user in recipients if not user.active]
    if inactive:
        raise ScheduleError(
            _l("Deactivated users receive nothing: %(names)s.", names=", ".join(inactive)),
            field="recipient_ids",
        )
    values["recipients"] = recipients
    return values


def _check_executive(owner: User, kind: ExportKind, executive: User | None) -> User | None:
    """A portfolio brief's executive: any active executive for an admin owner, themself for
    an executive owner; other kinds have none."""
    if kind is not ExportKind.PORTFOLIO:
        return None
    if not owner.has_role(Role.ADMIN, Role.EXECUTIVE):
        raise ScheduleError(
            _l("Only admins and executives schedule portfolio briefs."), field="kind"
        )
    if executive is None:
        raise ScheduleError(_l("Choose the executive whose portfolio it is."), field="executive_id")
    if not (executive.active and executive.has_role(Role.EXECUTIVE)):
        raise ScheduleError(_l("Choose an active executive."), field="executive_id")
    if not owner.is_admin and executive.id != owner.id:
        raise ScheduleError(
            _l("Executives schedule their own portfolio brief only."), field="executive_id"
        )
    return executive


def _check_timing(values: dict) -> dict:
    """When it runs: the preset's weekday or day, or a valid cron expression; a known zone."""
    frequency = values["frequency"]
    checked = {"weekday": None, "month_day": None, "cron": None}
    if frequency is Frequency.WEEKLY:
        weekday = values.get("weekday")
        if weekday is None or not 0 <= weekday <= 6:
            raise ScheduleError(_l("Choose the day of the week."), field="weekday")
        checked["weekday"] = weekday
    elif frequency is Frequency.MONTHLY:
        day = values.get("month_day")
        if day is None or not 1 <= day <= 31:
            raise ScheduleError(_l("Enter a day of the month from 1 to 31."), field="month_day")
        checked["month_day"] = day
    elif frequency is Frequency.CRON:
        checked["cron"] = timing.check_cron((values.get("cron") or "").strip())
    run_time = values.get("run_time")
    if not isinstance(run_time, time):
        if frequency is not Frequency.CRON:
            raise ScheduleError(_l("Enter the time as HH:MM, e.g. 07:30."), field="run_time")
        run_time = DEFAULT_RUN_TIME  # unused by a cron expression
    checked["run_time"] = run_time.replace(second=0, microsecond=0, tzinfo=None)
    zone = values.get("timezone") or ""
    if zone not in timezone_names():
        raise ScheduleError(_l("Choose a time zone from the list."), field="timezone")
    ZoneInfo(zone)  # in the list: this system knows it
    checked["timezone"] = zone
    if frequency is Frequency.CRON:
        _check_spacing(SimpleNamespace(frequency=frequency, **checked))
    return checked


def _check_spacing(schedule) -> None:
    """A cron expression's runs at least MIN_GAP apart: an export every minute would fill the
    folder and the recipients' mailboxes."""
    runs = timing.next_runs(schedule, utcnow(), 50)
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:], strict=False)]
    if gaps and min(gaps) < MIN_GAP:
        raise ScheduleError(
            _l(
                "Runs must be at least %(minutes)d minutes apart; this expression runs more often.",
                minutes=int(MIN_GAP.total_seconds() // 60),
            ),
            field="cron",
        )


def preview(values: dict, now: datetime, count: int = 5) -> tuple[str, list[datetime]]:
    """The plain-language reading and the next `count` runs of timing values (frequency,
    weekday, month_day, cron, run_time, timezone), as the form shows them before saving;
    raises ScheduleError for a value that cannot be used."""
    schedule = SimpleNamespace(frequency=values["frequency"], enabled=True, **_check_timing(values))
    return timing.describe(schedule), timing.next_runs(schedule, now, count)


# Changes --------------------------------------------------------------------------------------


def _apply(schedule: ExportSchedule, values: dict) -> None:
    for field in SCHEDULE_FIELDS:
        if field == "executive_id" or field not in values:
            continue
        setattr(schedule, field, values[field])
    executive = values.get("executive")
    schedule.executive = executive
    schedule.executive_id = executive.id if executive else None
    schedule.recipients = list(values["recipients"])


def _readable(changes: dict) -> dict:
    """Audit changes as JSON a person reads: times as HH:MM, filters as name=value."""
    for key, pair in list(changes.items()):
        if key == "run_time":
            changes[key] = [t.strftime("%H:%M") if isinstance(t, time) else t for t in pair]
        elif key == "filters":
            changes[key] = [describe_filters(f) if f is not None else None for f in pair]
    return audit.name_users(changes, ("executive_id",))


def describe_filters(filters: dict | None) -> str:
    """A schedule's filters as the audit history and the pages show them: name=value, …"""
    return ", ".join(f"{key}={value}" for key, value in sorted((filters or {}).items()))


def _next_run(schedule: ExportSchedule, now: datetime) -> datetime | None:
    return timing.next_run(schedule, now) if schedule.enabled else None


def create_schedule(actor: User, values: dict, now: datetime | None = None) -> ExportSchedule:
    """A schedule owned by the actor (an admin, executive or manager), audited."""
    if not rights.can_own_schedules(actor):
        raise NotAllowed(_l("Only admins, executives and managers schedule exports."))
    values = _check(actor, values)
    schedule = ExportSchedule(owner=actor, owner_id=actor.id)
    _apply(schedule, values)
    schedule.stopped_reason = None
    schedule.next_run_at = _next_run(schedule, now or utcnow())
    db.session.add(schedule)
    db.session.flush()
    changes = audit.snapshot(schedule, SCHEDULE_FIELDS)
    changes["recipients"] = [None, sorted(u.email for u in schedule.recipients)]
    audit.record(
        actor, ENTITY, schedule.id, "create", changes=_readable(changes), summary=schedule.name
    )
    return schedule


def update_schedule(
    actor: User, schedule: ExportSchedule, values: dict, now: datetime | None = None
) -> dict:
    """Change a schedule (its owner stays); returns the changes, empty when none."""
    if not rights.can_manage(actor, schedule):
        raise NotAllowed(_l("Only the schedule's owner or an admin changes it."))
    values = _check(schedule.owner, values)
    if values.get("enabled") and not rights.can_own_schedules(schedule.owner):
        raise ScheduleError(
            _l(
                "%(name)s may no longer own export schedules: it stays disabled.",
                name=schedule.owner.name,
            ),
            field="enabled",
        )
    old_recipients = sorted(u.email for u in schedule.recipients)
    _apply(schedule, values)
    changes = audit.pending_changes(schedule, SCHEDULE_FIELDS)
    new_recipients = sorted(u.email for u in schedule.recipients)
    if old_recipients != new_recipients:
        changes["recipients"] = [old_recipients, new_recipients]
    if not changes:
        return {}
    if schedule.enabled and schedule.stopped_reason:
        changes["stopped_reason"] = [schedule.stopped_reason, None]
        schedule.stopped_reason = None
    schedule.updated_at = utcnow()  # bumps the version when only the recipients changed
    if any(field in changes for field in TIMING_FIELDS) or schedule.next_run_at is None:
        schedule.next_run_at = _next_run(schedule, now or utcnow())
    changes = _readable(changes)
    audit.record(actor, ENTITY, schedule.id, "update", changes=changes, summary=schedule.name)
    db.session.flush()
    return changes


def set_enabled(actor: User, schedule: ExportSchedule, enabled: bool, now: datetime) -> bool:
    """Enable (its next run computed) or disable a schedule; False when it already was."""
    if not rights.can_manage(actor, schedule):
        raise NotAllowed(_l("Only the schedule's owner or an admin changes it."))
    if schedule.enabled == enabled:
        return False
    reason = runner.stop_reason(schedule) if enabled else None
    if reason is not None:
        raise NotAllowed(_l("It stays disabled: %(reason)s", reason=STOPPED_REASONS[reason]))
    schedule.enabled = enabled
    changes = {"enabled": [not enabled, enabled]}
    if enabled and schedule.stopped_reason:
        changes["stopped_reason"] = [schedule.stopped_reason, None]
        schedule.stopped_reason = None
    schedule.next_run_at = _next_run(schedule, now)
    action = "enable" if enabled else "disable"
    audit.record(actor, ENTITY, schedule.id, action, changes=changes, summary=schedule.name)
    db.session.flush()
    return True


def record_download(actor: User, run: ExportRun) -> None:
    """A download of a run's file, in the schedule's audit history."""
    audit.record(
        actor,
        ENTITY,
        run.schedule_id,
        "download",
        changes={"run": [None, run.id], "file_name": [None, run.file_name]},
        summary=run.schedule.name,
    )
    db.session.flush()


def after_user_deactivated(user: User, *, actor, **_) -> FollowUp | None:
    """A deactivated user's schedules stop (those they own, and portfolio briefs of them),
    each audited and told to the admins; the actor is sent to the list of them."""
    stmt = (
        sa.select(ExportSchedule)
        .where(
            ExportSchedule.enabled.is_(True),
            sa.or_(ExportSchedule.owner_id == user.id, ExportSchedule.executive_id == user.id),
        )
        .order_by(ExportSchedule.name, ExportSchedule.id)
    )
    stopped = 0
    for schedule in db.session.scalars(stmt).all():
        reason = runner.stop_reason(schedule)
        if reason is not None:
            runner.stop_schedule(schedule, reason, actor)
            stopped += 1
    if not stopped:
        return None
    return FollowUp(
        _l("Export schedules of %(name)s were stopped (%(n)d).", name=user.name, n=stopped),
        "exports.index",
        {"owner": user.id},
    )


# Reading --------------------------------------------------------------------------------------


def schedule_list(user: User, page: int, q: str = "", owner_id: int | None = None):
    """A page of the schedules the user may see (by name), with each one's latest run:
    (page, {schedule id: ExportRun})."""
    stmt = rights.visible_schedules(user)
    if q:
        stmt = stmt.where(contains(ExportSchedule.name, q))
    if owner_id is not None:
        stmt = stmt.where(ExportSchedule.owner_id == owner_id)
    stmt = stmt.order_by(ExportSchedule.name, ExportSchedule.id)
    found = paginate_by_ids(stmt, ExportSchedule, page, *SCHEDULE_LIST_OPTIONS, per_page=PER_PAGE)
    return found, latest_runs([s.id for s in found.items])


def latest_runs(schedule_ids: list[int]) -> dict[int, ExportRun]:
    """Each schedule's latest run, in one query."""
    if not schedule_ids:
        return {}
    latest = (
        sa.select(sa.func.max(ExportRun.id))
        .where(ExportRun.schedule_id.in_(schedule_ids))
        .group_by(ExportRun.schedule_id)
    )
    runs = db.session.scalars(sa.select(ExportRun).where(ExportRun.id.in_(latest)))
    return {run.schedule_id: run for run in runs}


def run_list(user: User, page: int, *, schedule: ExportSchedule | None = None, status=None):
    """A page of runs, newest first: of one schedule, or of every schedule the user sees."""
    stmt = sa.select(ExportRun)
    if schedule is not None:
        stmt = stmt.where(ExportRun.schedule_id == schedule.id)
    elif not user.is_admin:
        visible = rights.visible_schedules(user).with_only_columns(ExportSchedule.id)
        stmt = stmt.where(ExportRun.schedule_id.in_(visible))
    if status is not None:
        stmt = stmt.where(ExportRun.status == status)
    stmt = stmt.order_by(ExportRun.id.desc())
    return paginate_by_ids(stmt, ExportRun, page, *RUN_LIST_OPTIONS, per_page=PER_PAGE)


def load_schedule(schedule_id: int) -> ExportSchedule | None:
    """A schedule with its owner, executive and recipients."""
    stmt = (
        sa.select(ExportSchedule)
        .where(ExportSchedule.id == schedule_id)
        .options(
            joinedload(ExportSchedule.owner),
            joinedload(ExportSchedule.executive),
            selectinload(ExportSchedule.recipients),
        )
    )
    return db.session.scalar(stmt)


def load_run(run_id: int) -> ExportRun | None:
    stmt = (
        sa.select(ExportRun)
        .where(ExportRun.id == run_id)
        .options(joinedload(ExportRun.schedule).selectinload(ExportSchedule.recipients))
    )
    return db.session.scalar(stmt)


def running_run(schedule: ExportSchedule) -> ExportRun | None:
    """The schedule's run in progress, if any (one at a time from the page)."""
    stmt = sa.select(ExportRun).where(
        ExportRun.schedule_id == schedule.id,
        ExportRun.status.in_((RunStatus.RUNNING, RunStatus.RETRYING)),
    )
    return db.session.scalars(stmt.order_by(ExportRun.id.desc())).first()


def run_file(run: ExportRun) -> Path | None:
    """Where a succeeded, unexpired run's file is on the server; None when it has none."""
    if run.status is not RunStatus.SUCCEEDED or run.expired_at is not None:
        return None
    path = runner.file_path(run)
    if path is None or path.name != run.file_name:  # a name is a file name, never a path
        return None
    return path


def downloadable(run: ExportRun) -> bool:
    """Offered for download: succeeded, not expired, and its file still there."""
    path = run_file(run)
    return path is not None and path.is_file()


def executive_choices(owner: User) -> list[tuple[str, str]]:
    """Whose portfolio brief the owner may schedule: any active executive for an admin,
    themself for an executive, nobody else."""
    if owner.is_admin:
        return [(str(u.id), u.name) for u in active_users(Role.EXECUTIVE)]
    if owner.has_role(Role.EXECUTIVE) and owner.active:
        return [(str(owner.id), owner.name)]
    return []


def recipient_choices(keep: list[User] = ()) -> list[tuple[str, str]]:
    """Every active user (and those already chosen, so an edit shows them)."""
    users = {
        u.id: u
        for u in db.session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.name)
        )
    }
    for user in keep:
        users.setdefault(user.id, user)
    return [(str(u.id), u.name) for u in users.values()]


def users_by_ids(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name)))


def formats_of(kind: ExportKind) -> tuple[ExportFormat, ...]:
    return tuple(kinds.KINDS[kind].formats)
