"""Running exports: one run writes one file, delivers it, keeps the newest files, records all.

A run happens in its owner's shoes: a request context on APP_BASE_URL (the PDF's links), the
owner as the current user (so Flask-Babel's selectors read their zone), their language forced;
`kinds` narrows the rows to what the owner may see, and an owner who may no longer own
schedules (deactivated, roles taken away) has the schedule stopped and the admins told.

The file is written to a temporary name (".<name>.part") in the schedule's folder, flushed and
synced, then renamed: a file under its real name is always complete, and only succeeded runs
name one. While the rows stream, a thread writes the rows so far and a heartbeat on a
connection of its own every PROGRESS_SECONDS: the history page shows progress while the run's
own transaction is open, and `recover_dead_runs` tells a run whose process died (its pid gone
on this host, or its heartbeat silent for EXPORT_STALE_SECONDS) from a long one, and marks it
failed. A failed run is tried again after EXPORT_RETRY_SECONDS, then twice that, and so on,
EXPORT_MAX_ATTEMPTS times in all; then it fails for good and its owner is told.

Each due time runs once whatever number of scheduler processes are up: the scheduler's job
lease lets one process in at a time, a conditional UPDATE moves the schedule's `next_run_at`
on (only one process sees it still due), and the unique (schedule, due time) key of the run
refuses a second run of the same time.

Jobs and commands call `run_due`, `execute` and `recover_dead_runs`, which commit; `start`
and `stop_schedule` are services (they flush; the caller commits).
"""

import hashlib
import logging
import os
import re
import socket
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import force_locale, ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.services import active_users
from app.exports import kinds, rights, timing, writers
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    ExportRun,
    ExportSchedule,
    RunStatus,
    RunTrigger,
)
from app.extensions import db
from app.formatting import zone_or_default
from app.i18n import LazyText, lazy_ngettext, with_params
from app.i18n import lazy_gettext as _l
from app.models import DomainError, clock_from, utcnow
from app.notifications import messages as notification_messages
from app.notifications.services import notify

log = logging.getLogger(__name__)

ENTITY = "export_schedule"  # audit rows are the schedule's
PROGRESS_SECONDS = 1.0
ERROR_MAX = 2000  # the column's length
MIME_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PDF: "application/pdf",
}


def content_type(schedule: ExportSchedule) -> str:
    """The file's media type, with the character set a CSV is written in."""
    if schedule.file_format is ExportFormat.CSV:
        charset = "windows-31j" if schedule.encoding is CsvEncoding.CP932 else "utf-8"
        return f"text/csv; charset={charset}"
    return MIME_TYPES[schedule.file_format]


# Why the scheduler stopped a schedule (ExportSchedule.stopped_reason).
OWNER_DEACTIVATED = "owner_deactivated"
OWNER_NOT_ALLOWED = "owner_not_allowed"  # no longer admin, executive or manager
EXECUTIVE_DEACTIVATED = "executive_deactivated"  # the portfolio brief's executive
EXECUTIVE_NOT_ALLOWED = "executive_not_allowed"  # no longer an executive, or not the owner's

STOP_REASONS = {
    OWNER_DEACTIVATED: _l(
        "The export schedule %(name)s was stopped: its owner %(owner)s was deactivated."
    ),
    OWNER_NOT_ALLOWED: _l(
        "The export schedule %(name)s was stopped: its owner %(owner)s may no longer own "
        "export schedules."
    ),
    EXECUTIVE_DEACTIVATED: _l(
        "The export schedule %(name)s was stopped: %(executive)s, whose portfolio brief it "
        "exports, was deactivated."
    ),
    EXECUTIVE_NOT_ALLOWED: _l(
        "The export schedule %(name)s was stopped: its owner %(owner)s may no longer export "
        "the portfolio brief of %(executive)s."
    ),
}

# Errors a run records in plain words (stored in English, shown translated: `error_text`).
STOPPED_MIDWAY = _l(
    "Stopped mid-way: the process running the export ended before it finished (it was "
    "stopped or crashed)."
)
OWNER_STOPPED = _l("Not run: the schedule's owner may no longer run it.")
DISABLED_BEFORE_RETRY = _l("Not tried again: the schedule was disabled.")
# Other errors are shown as one of these (their details, paths included, go to the log only).
FOLDER_ERROR = _l(
    "The export folder could not be written to: an admin should check it (the details are in "
    "the server's log)."
)
SERVER_ERROR = _l(
    "The export could not be written because of an error on the server (the details are in its "
    "log)."
)
KNOWN_ERRORS = (
    STOPPED_MIDWAY,
    OWNER_STOPPED,
    DISABLED_BEFORE_RETRY,
    FOLDER_ERROR,
    SERVER_ERROR,
)

NOTICES = {
    "export_ready": _l("Export ready: %(name)s"),
    "export_failed": _l("Export failed: %(name)s"),
    "export_stopped": _l("Export schedule stopped: %(name)s"),
}
for _kind, _notice in NOTICES.items():
    notification_messages.register(_kind, _notice)

ATTACHED = _l("The export %(name)s is attached: %(file)s, %(size)s.")
LINKED = _l(
    "The export %(name)s is ready: %(file)s, %(size)s. It is too large to attach; download it "
    "from the address below (signed in) while it is kept."
)
FAILED = lazy_ngettext(
    "The export %(name)s failed after %(num)d attempt. The last error: %(error)s",
    "The export %(name)s failed after %(num)d attempts. The last error: %(error)s",
    1,
)


# Who runs it -------------------------------------------------------------------------------

_holder: tuple[int, str] | None = None


def holder_id() -> str:
    """This process, as a run's `holder`: host, pid and a random part fixed for the process
    (a pid is reused across hosts, and by a restarted container's process 1)."""
    global _holder
    if _holder is None or _holder[0] != os.getpid():
        name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:16]}"[:120]
        _holder = (os.getpid(), name)
    return _holder[1]


def _process_gone(holder: str) -> bool:
    """True when `holder` is a process of this host that no longer runs."""
    host, _sep, rest = holder.partition(":")
    pid_text, _sep, _token = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's process: its heartbeat tells
    if holder == holder_id():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # an earlier process with our pid (a restarted container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


# Starting, stopping --------------------------------------------------------------------------


def start(
    schedule: ExportSchedule,
    *,
    trigger: RunTrigger,
    actor: User | None = None,
    due_at: datetime | None = None,
) -> ExportRun:
    """Add a running run of the schedule, held by this process; a run by hand is audited.
    Flushes (a second run of the same due time fails here with IntegrityError)."""
    now = utcnow()
    run = ExportRun(
        schedule_id=schedule.id,
        trigger=trigger,
        triggered_by_id=actor.id if actor is not None else None,
        due_at=due_at,
        status=RunStatus.RUNNING,
        attempts=1,
        started_at=now,
        holder=holder_id(),
        heartbeat_at=now,
        rows=0,
        error="",
    )
    db.session.add(run)
    db.session.flush()
    if trigger is not RunTrigger.SCHEDULED:
        audit.record(
            actor,
            ENTITY,
            schedule.id,
            "run",
            changes={"run": [None, run.id], "trigger": [None, trigger.value]},
            summary=schedule.name,
        )
    return run


def stop_reason(schedule: ExportSchedule) -> str | None:
    """Why the schedule may not run any more (its owner's or executive's state); None: it may."""
    owner = schedule.owner
    if not owner.active:
        return OWNER_DEACTIVATED
    if not rights.can_own_schedules(owner):
        return OWNER_NOT_ALLOWED
    if schedule.kind is ExportKind.PORTFOLIO:
        executive = schedule.executive
        if executive is not None and not executive.active:
            return EXECUTIVE_DEACTIVATED
        if not kinds.scope(owner).may_brief(executive):
            return EXECUTIVE_NOT_ALLOWED
    return None


def stop_schedule(schedule: ExportSchedule, reason: str, actor: User | None = None) -> None:
    """Disable the schedule for `reason`, audited, and tell the admins (once: it is disabled
    now, so it is not found again). Flushes."""
    was_enabled = schedule.enabled
    schedule.enabled = False
    schedule.stopped_reason = reason
    schedule.next_run_at = None
    audit.record(
        actor,
        ENTITY,
        schedule.id,
        "stop",
        changes={"enabled": [was_enabled, False], "stopped_reason": [None, reason]},
        summary=schedule.name,
    )
    executive = schedule.executive.name if schedule.executive is not None else ""
    notify(
        active_users(Role.ADMIN),
        kind="export_stopped",
        subject=with_params(NOTICES["export_stopped"], name=schedule.name),
        body=with_params(
            STOP_REASONS[reason],
            name=schedule.name,
            owner=schedule.owner.name,
            executive=executive,
        ),
        link=f"/exports/{schedule.id}",
    )
    db.session.flush()


def stop_unallowed() -> int:
    """Stop the enabled schedules whose owner (or portfolio executive) may no longer run them;
    how many. The caller commits."""
    stmt = (
        sa.select(ExportSchedule)
        .where(ExportSchedule.enabled.is_(True))
        .options(
            joinedload(ExportSchedule.owner).selectinload(User.role_rows),
            joinedload(ExportSchedule.executive).selectinload(User.role_rows),
        )
        .order_by(ExportSchedule.id)
    )
    stopped = 0
    for schedule in db.session.scalars(stmt).unique().all():
        reason = stop_reason(schedule)
        if reason is not None:
            stop_schedule(schedule, reason)
            stopped += 1
    return stopped


# The scheduler's job ------------------------------------------------------------------------


def run_due(now: datetime) -> dict:
    """The scheduler's "exports" job: mark dead runs failed, stop schedules nobody may run,
    run each due schedule once (its next run moved past `now`: missed times are not caught up
    one by one), then retry the failed runs whose time came. Commits."""
    counts = {"recovered": recover_dead_runs(now), "stopped": stop_unallowed()}
    db.session.commit()
    counts |= {"started": 0, "retried": 0, "succeeded": 0, "failed": 0, "errors": 0}
    due = sa.select(ExportSchedule.id).where(
        ExportSchedule.enabled.is_(True), ExportSchedule.next_run_at <= now
    )
    clock = clock_from(now)  # each export starts later than the job: its own time counts
    for schedule_id in db.session.scalars(due.order_by(ExportSchedule.next_run_at)).all():
        try:
            run_id = _claim_due(schedule_id, now)
        except Exception:
            db.session.rollback()
            log.exception("export schedule %s: could not start its due run", schedule_id)
            counts["errors"] += 1
            continue
        if run_id is not None:
            counts["started"] += 1
            _count(counts, execute(run_id, clock()))
    retrying = sa.select(ExportRun.id).where(
        ExportRun.status == RunStatus.RETRYING, ExportRun.next_attempt_at <= now
    )
    for run_id in db.session.scalars(retrying.order_by(ExportRun.next_attempt_at)).all():
        if _claim_retry(run_id, now):
            counts["retried"] += 1
            _count(counts, execute(run_id, clock()))
    db.session.commit()
    return counts


def _count(counts: dict, run: ExportRun | None) -> None:
    if run is not None and run.status is RunStatus.SUCCEEDED:
        counts["succeeded"] += 1
    elif run is not None:
        counts["failed"] += 1


def _claim_due(schedule_id: int, now: datetime) -> int | None:
    """Start the due run of the schedule, committed; None when another process took it (or it
    is no longer due)."""
    schedule = db.session.get(ExportSchedule, schedule_id, populate_existing=True)
    if schedule is None or not schedule.enabled or schedule.next_run_at is None:
        return None
    due_at = schedule.next_run_at
    if due_at > now:
        return None
    following = timing.next_run(schedule, now)
    # The claim: only one process moves next_run_at on from this due time. A core UPDATE
    # leaves the schedule's version alone: someone editing it meanwhile keeps their form.
    moved = db.session.execute(
        sa.update(ExportSchedule)
        .where(
            ExportSchedule.id == schedule_id,
            ExportSchedule.enabled.is_(True),
            ExportSchedule.next_run_at == due_at,
        )
        .values(next_run_at=following)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        return None
    try:
        run = start(schedule, trigger=RunTrigger.SCHEDULED, due_at=due_at)
        db.session.commit()
    except IntegrityError:  # this due time has its run already
        db.session.rollback()
        log.info("export schedule %s: the run due %s exists already", schedule_id, due_at)
        return None
    return run.id


def _claim_retry(run_id: int, now: datetime) -> bool:
    """Take a failed run whose next attempt is due (one process only); committed."""
    claimed = db.session.execute(
        sa.update(ExportRun)
        .where(
            ExportRun.id == run_id,
            ExportRun.status == RunStatus.RETRYING,
            ExportRun.next_attempt_at <= now,
        )
        .values(
            status=RunStatus.RUNNING,
            attempts=ExportRun.attempts + 1,
            holder=holder_id(),
            heartbeat_at=utcnow(),
            next_attempt_at=None,
            rows=0,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


# Dead runs --------------------------------------------------------------------------------


def recover_dead_runs(now: datetime | None = None) -> int:
    """Mark failed the running runs whose process is gone (this host, pid not alive) or silent
    for EXPORT_STALE_SECONDS; remove their temporary files; tell their owners. Commits;
    returns how many."""
    now = now or utcnow()
    silent_since = now - timedelta(seconds=current_app.config["EXPORT_STALE_SECONDS"])
    running = sa.select(ExportRun).where(ExportRun.status == RunStatus.RUNNING)
    recovered = 0
    for run in db.session.scalars(running.options(joinedload(ExportRun.schedule))).all():
        last_sign = run.heartbeat_at or run.started_at
        if not (_process_gone(run.holder) or last_sign < silent_since):
            continue
        # Conditional: the run may have finished, or another scheduler marked it, meanwhile.
        marked = db.session.execute(
            sa.update(ExportRun)
            .where(
                ExportRun.id == run.id,
                ExportRun.status == RunStatus.RUNNING,
                ExportRun.holder == run.holder,
            )
            .values(
                status=RunStatus.FAILED,
                finished_at=now,
                next_attempt_at=None,
                error=_source(STOPPED_MIDWAY),
            )
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:
            continue
        recovered += 1
        db.session.refresh(run)
        log.warning(
            "export run %s (schedule %s) marked failed: its process %s stopped mid-way",
            run.id,
            run.schedule_id,
            run.holder,
        )
        _remove_partial_files(run)
        _tell_owner_failed(run)
    db.session.commit()
    return recovered


def _remove_partial_files(run: ExportRun) -> None:
    """The run's temporary file, and its complete one if the process died between the rename
    and the commit (a failed run names no file: nobody would ever see or delete it)."""
    folder = _folder(run.schedule_id)
    ext = run.schedule.file_format.value
    for path in [*folder.glob(f".*-{run.id}.*.part"), *folder.glob(f"*-{run.id}.{ext}")]:
        path.unlink(missing_ok=True)


# One run ----------------------------------------------------------------------------------


@dataclass
class Output:
    """The file a run wrote."""

    path: Path
    size: int
    sha256: str
    rows: int
    pages: int | None
    replaced: dict


def execute(run_id: int, now: datetime | None = None) -> ExportRun | None:
    """Do the running run `run_id`: write its file, deliver it, apply retention; on failure
    schedule a retry or fail for good. Never raises for a failed export; commits."""
    run = db.session.get(ExportRun, run_id, populate_existing=True)
    if run is None or run.status is not RunStatus.RUNNING:
        return run
    now = now or utcnow()
    clock = clock_from(now)
    schedule = run.schedule
    if not schedule.enabled and run.attempts > 1:
        _finish_failed(run, _source(DISABLED_BEFORE_RETRY), now, tell=False)
        db.session.commit()
        return run
    reason = stop_reason(schedule)
    if reason is not None:
        if schedule.enabled:
            stop_schedule(schedule, reason)
        _finish_failed(run, _source(OWNER_STOPPED), now, tell=False)
        db.session.commit()
        return run
    me = holder_id()
    run.holder, run.heartbeat_at, run.rows = me, utcnow(), 0
    # The run's transaction ends here: while the rows stream, nothing of ours holds a lock
    # (SQLite's write lock included) and the progress thread commits beside it.
    db.session.commit()
    progress = Progress(db.engine, run.id, me)
    progress.start()
    try:
        with _as_owner(schedule.owner):
            output = _write(run, schedule, now, progress)
    except Exception as error:
        progress.stop()
        db.session.rollback()
        log.exception("export run %s (schedule %s) failed", run_id, schedule.id)
        # A refusal of the domain (too many rows for a sheet) fails the same way next time.
        _record_failure(
            run,
            _error_text(error, schedule.owner),
            clock(),
            retry=not isinstance(error, DomainError),
        )
        return run
    progress.stop()
    try:
        if not _finish(run, schedule, output, me, now):
            output.path.unlink(missing_ok=True)
            db.session.rollback()
            return db.session.get(ExportRun, run_id, populate_existing=True)
        expired = _apply_retention(schedule, now)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        output.path.unlink(missing_ok=True)
        log.exception("export run %s (schedule %s): delivery failed", run_id, schedule.id)
        _record_failure(run, _error_text(error, schedule.owner), clock())
        return run
    for path in expired:
        path.unlink(missing_ok=True)
    log.info(
        "export run %s (schedule %s): %s, %s rows, %s bytes",
        run.id,
        schedule.id,
        output.path.name,
        output.rows,
        output.size,
    )
    return run


def _finish(run: ExportRun, schedule: ExportSchedule, output: Output, me: str, now) -> bool:
    """Record the success and send the file to the recipients; False when the run is no longer
    ours (marked dead meanwhile: the file is not offered)."""
    done = db.session.execute(
        sa.update(ExportRun)
        .where(
            ExportRun.id == run.id, ExportRun.status == RunStatus.RUNNING, ExportRun.holder == me
        )
        .values(
            status=RunStatus.SUCCEEDED,
            finished_at=utcnow(),
            next_attempt_at=None,
            rows=output.rows,
            pages=output.pages,
            file_name=output.path.name,
            file_size=output.size,
            sha256=output.sha256,
            replaced=output.replaced or None,
            error="",
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        log.warning("export run %s was marked failed while it ran: its file is dropped", run.id)
        return False
    db.session.execute(
        sa.update(ExportSchedule)
        .where(ExportSchedule.id == schedule.id)
        .values(last_run_at=run.due_at or run.started_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(run)
    _deliver(run, schedule, output)
    return True


def _deliver(run: ExportRun, schedule: ExportSchedule, output: Output) -> None:
    """E-mail each active recipient: the file attached when small enough, else a link to the
    run's download page."""
    recipients = [user for user in schedule.recipients if user.active]
    if not recipients:
        return
    params = dict(name=schedule.name, file=output.path.name, size=_size(output.size))
    subject = with_params(NOTICES["export_ready"], name=schedule.name)
    link = f"/exports/runs/{run.id}/download"
    if output.size <= current_app.config["EXPORT_ATTACH_MAX_BYTES"]:
        attachment = (
            str(output.path),
            attachment_name(schedule, run),
            MIME_TYPES[schedule.file_format],
        )
        body = with_params(ATTACHED, **params)
    else:
        attachment, body = None, with_params(LINKED, **params)
    notify(
        recipients,
        kind="export_ready",
        subject=subject,
        body=body,
        link=link,
        attachment=attachment,
    )


def _record_failure(run: ExportRun, error: str, now: datetime, *, retry: bool = True) -> None:
    """A failed attempt at `now` (when it failed, not when the job began: a job runs several
    exports): tried again later, or failed for good (owner told). Commits."""
    run = db.session.get(ExportRun, run.id, populate_existing=True)
    if run is None or run.status is not RunStatus.RUNNING or run.holder != holder_id():
        db.session.rollback()
        return  # marked dead meanwhile: that is its outcome
    if retry and run.attempts < current_app.config["EXPORT_MAX_ATTEMPTS"]:
        wait = current_app.config["EXPORT_RETRY_SECONDS"] * 2 ** (run.attempts - 1)
        run.status = RunStatus.RETRYING
        run.next_attempt_at = now + timedelta(seconds=wait)
        run.error = error
        log.warning(
            "export run %s: attempt %s failed, next at %s",
            run.id,
            run.attempts,
            run.next_attempt_at,
        )
    else:
        _finish_failed(run, error, now)
    db.session.commit()


def _finish_failed(run: ExportRun, error: str, now: datetime, *, tell: bool = True) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = now
    run.next_attempt_at = None
    run.error = error[:ERROR_MAX]
    db.session.flush()
    if tell:
        _tell_owner_failed(run)


def _tell_owner_failed(run: ExportRun) -> None:
    schedule = run.schedule
    notify(
        [schedule.owner],
        kind="export_failed",
        subject=with_params(NOTICES["export_failed"], name=schedule.name),
        body=LazyText(
            ngettext,
            *FAILED._args[:2],
            run.attempts,
            name=schedule.name,
            error=_error_message(run),
        ),
        link=f"/exports/{schedule.id}",
    )


def _error_text(error: Exception, owner: User) -> str:
    """What the run record says: a refusal of the domain in the owner's language, else a plain
    message; never a traceback, a path or an exception's text (those are logged)."""
    if isinstance(error, OSError):
        return _source(FOLDER_ERROR)
    if not isinstance(error, DomainError):
        return _source(SERVER_ERROR)
    with force_locale(owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(error).strip() or type(error).__name__
    return " ".join(text.split())[:ERROR_MAX]


def _source(message) -> str:
    """A lazy message's English text (its msgid), as stored."""
    return message._args[0]


def _error_message(run: ExportRun):
    """The run's error: the runner's own messages as lazy texts (shown in each reader's
    language), any other error as recorded."""
    for message in KNOWN_ERRORS:
        if run.error == _source(message):
            return message
    return run.error


def error_text(run: ExportRun) -> str:
    """The run's error as the pages show it, in the reader's language where it is ours."""
    return str(_error_message(run))


# Writing the file --------------------------------------------------------------------------


@contextmanager
def _as_owner(owner: User) -> Iterator[None]:
    """A request on APP_BASE_URL signed in as the owner, in their language and zone."""
    app = current_app._get_current_object()
    # The app context's g carries the signed-in user and Flask-Babel's cached locale and zone:
    # the owner's must neither mix with nor outlive the caller's.
    saved = {key: g.pop(key) for key in ("_login_user", "_flask_babel") if key in g}
    try:
        with app.test_request_context(base_url=app.config["APP_BASE_URL"]):
            g._login_user = owner
            with force_locale(owner.locale or app.config["BABEL_DEFAULT_LOCALE"]):
                yield
    finally:
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        for key, value in saved.items():
            setattr(g, key, value)


def _folder(schedule_id: int) -> Path:
    return Path(current_app.config["EXPORT_FOLDER"]) / f"schedule-{schedule_id}"


def file_path(run: ExportRun) -> Path | None:
    """Where a succeeded run's file is (whether or not retention deleted it since)."""
    return _folder(run.schedule_id) / run.file_name if run.file_name else None


def _stamp(schedule: ExportSchedule, run: ExportRun) -> str:
    """The run's time in the schedule's zone, as the file names show it: 20260608-0900."""
    zone = ZoneInfo(schedule.timezone) if schedule.timezone else zone_or_default(None)
    return (run.due_at or run.started_at).astimezone(zone).strftime("%Y%m%d-%H%M")


def file_name(schedule: ExportSchedule, run: ExportRun) -> str:
    """The file's name in the export folder (ASCII): <kind>-<local time>-<run id>.<ext>."""
    return f"{schedule.kind.value}-{_stamp(schedule, run)}-{run.id}.{schedule.file_format.value}"


def attachment_name(schedule: ExportSchedule, run: ExportRun) -> str:
    """The name an e-mailed file carries: the schedule's name (any language) and the time."""
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", schedule.name)
    # Invisible format characters (a right-to-left override) could disguise the file's type.
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    name = " ".join(name.split()).strip(" .") or schedule.kind.value
    return f"{name} {_stamp(schedule, run)}.{schedule.file_format.value}"


def _write(run: ExportRun, schedule: ExportSchedule, now: datetime, progress) -> Output:
    """Write the file under a temporary name, sync it, rename it; the temporary file is
    removed when anything fails."""
    folder = _folder(schedule.id)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / file_name(schedule, run)
    part = folder / f".{final.name}.part"
    try:
        written = _write_contents(run, part, schedule, now, progress)
        with open(part, "rb") as file:
            os.fsync(file.fileno())
            digest = hashlib.file_digest(file, "sha256").hexdigest()
        size = part.stat().st_size
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    return Output(final, size, digest, written.rows, written.pages, written.replaced or {})


def _write_contents(run: ExportRun, part: Path, schedule: ExportSchedule, now: datetime, progress):
    owner = schedule.owner
    if schedule.kind is ExportKind.PORTFOLIO:
        # Generated by whoever pressed Run now (an admin's run is not the executive's reading,
        # which the next brief's "changed since" counts from); scheduled runs by the owner.
        actor = run.triggered_by or owner
        data, pages = kinds.render_portfolio(schedule.executive, owner, now, actor=actor)
        with open(part, "wb") as file:
            file.write(data)
        return writers.Written(rows=0, pages=pages)
    kind = kinds.KINDS[schedule.kind]
    rows = kind.rows(schedule, owner, now)
    if schedule.file_format is ExportFormat.XLSX:
        return writers.write_xlsx(part, kind.columns, rows, progress)
    with open(part, "wb") as file:
        written = writers.write_csv(file, kind.columns, rows, schedule.encoding, progress)
        file.flush()
    return written


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (the folder's entry), where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _size(size: int):
    """The file's size for the e-mail (rendered in each recipient's language)."""
    if size < 1024:
        return _l("%(n)s bytes", n=size)
    for unit in ("KB", "MB"):
        size /= 1024
        if size < 1024 or unit == "MB":
            break
    return f"{size:.1f} {unit}"


# Retention --------------------------------------------------------------------------------


def _apply_retention(schedule: ExportSchedule, now: datetime) -> list[Path]:
    """Mark expired the files beyond the schedule's newest `keep_files`; their paths, to delete
    once that is committed."""
    # As saved now: "keep the last files" may have been changed while the export ran.
    keep = db.session.scalar(
        sa.select(ExportSchedule.keep_files).where(ExportSchedule.id == schedule.id)
    )
    older = (
        sa.select(ExportRun)
        .where(
            ExportRun.schedule_id == schedule.id,
            ExportRun.status == RunStatus.SUCCEEDED,
            ExportRun.expired_at.is_(None),
            ExportRun.file_name.is_not(None),
        )
        .order_by(ExportRun.id.desc())
        .offset(keep)
    )
    folder = _folder(schedule.id)
    paths = []
    for run in db.session.scalars(older).all():
        run.expired_at = now
        path = folder / run.file_name
        if path.parent == folder:
            paths.append(path)
    db.session.flush()
    return paths


# Elsewhere than the scheduler ------------------------------------------------------------


class Progress(threading.Thread):
    """The writers' progress callback; a thread writes the rows so far and the heartbeat every
    PROGRESS_SECONDS, each time in a short transaction of its own."""

    def __init__(self, engine: sa.Engine, run_id: int, holder: str):
        super().__init__(name=f"export-progress-{run_id}", daemon=True)
        self.engine, self.run_id, self.holder = engine, run_id, holder
        self.rows = 0
        self._stopped = threading.Event()

    def __call__(self, rows: int) -> None:
        self.rows = rows

    def run(self) -> None:
        while not self._stopped.wait(PROGRESS_SECONDS):
            self.write()

    def write(self) -> None:
        runs = ExportRun.__table__
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.update(runs)
                    .where(
                        runs.c.id == self.run_id,
                        runs.c.status == RunStatus.RUNNING,
                        runs.c.holder == self.holder,
                    )
                    .values(rows=self.rows, heartbeat_at=utcnow())
                )
        except sa.exc.SQLAlchemyError as error:  # busy: the next beat tries again
            log.warning("export run %s: progress not written this time: %s", self.run_id, error)

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=30)


def run_in_background(run_id: int) -> threading.Thread:
    """Execute a started (and committed) run in a daemon thread of this process ("Run now")."""
    app = current_app._get_current_object()

    def work() -> None:
        with app.app_context():
            try:
                execute(run_id)
            except Exception:
                log.exception("export run %s failed in the background", run_id)

    thread = threading.Thread(target=work, name=f"export-run-{run_id}", daemon=True)
    thread.start()
    return thread
