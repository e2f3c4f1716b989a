"""Export runs: the file written whole or not at all, retries with backoff, a run killed
mid-way (a real process, SIGKILL) marked failed on the next scheduler start, two real
scheduler processes producing one file per due time, e-mail through the outbox to a real
SMTP server (aiosmtpd) with the file attached or linked, retention, and schedules stopped when
their owner may no longer run them.

Processes are real `flask` commands against the test database; this module run as a script
(`python -m tests.test_exports_runs`) is `flask exports run` whose rows stop after the first
batch until the process is killed. Waits are bounded polls of the database, never sleeps.
"""

import csv
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations.models import Category, Escalation, IntakeChannel, Severity
from app.exports import runner, writers
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    ExportRun,
    ExportSchedule,
    Frequency,
    RunStatus,
    RunTrigger,
)
from app.extensions import db
from app.models import utcnow
from app.notifications.models import Notification, OutboxEmail
from app.notifications.sender import send_pending
from app.touchpoints.models import Brief
from tests.test_outbox import free_port, smtp_server
from tests.test_scheduler import stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
HANG_AFTER = 1000  # rows the script's export writes before it stops for good
STOPPED_MIDWAY = runner.STOPPED_MIDWAY._args[0]


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """The export folder, the test's own."""
    path = tmp_path / "exports"
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(path))
    return path


def make_schedule(app, owner_id, recipients=(), **values) -> int:
    """An enabled daily escalation register (CSV) of every escalation, due a minute ago. Its
    daily time is twelve hours away, so a test that moves the clock by minutes or hours (the
    retries) never reaches the next day's run, whatever the time of day it runs at."""
    opposite = (datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(hours=12)).time()
    defaults = dict(
        name="Daily register",
        kind=ExportKind.ESCALATIONS,
        file_format=ExportFormat.CSV,
        encoding=CsvEncoding.UTF8_BOM,
        filters={"view": "all"},
        frequency=Frequency.DAILY,
        run_time=time(opposite.hour, 0),
        timezone="Asia/Tokyo",
        keep_files=10,
        enabled=True,
        next_run_at=utcnow() - timedelta(minutes=1),
    )
    with app.app_context():
        schedule = ExportSchedule(owner_id=owner_id, **(defaults | values))
        schedule.recipients = [db.session.get(User, r) for r in recipients]
        db.session.add(schedule)
        db.session.commit()
        return schedule.id


def add_escalations(app, account_id, count, **values) -> None:
    with app.app_context():
        db.session.add_all(
            Escalation(
                account_id=account_id,
                title=f"Escalation {n}",
                channel=IntakeChannel.EMAIL,
                category=Category.TECHNICAL,
                severity=Severity.HIGH,
                **values,
            )
            for n in range(count)
        )
        db.session.commit()


def runs_of(app, schedule_id) -> list[ExportRun]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(ExportRun)
                .where(ExportRun.schedule_id == schedule_id)
                .order_by(ExportRun.id)
            )
        )
        db.session.expunge_all()
        db.session.remove()
        return found


def schedule_of(app, schedule_id) -> ExportSchedule:
    with app.app_context():
        schedule = db.session.get(ExportSchedule, schedule_id)
        db.session.expunge(schedule)
        db.session.remove()
        return schedule


def run_due(app, now=None) -> dict:
    with app.app_context():
        outcome = runner.run_due(now or utcnow())
        db.session.remove()
        return outcome


def files_in(folder: Path) -> list[str]:
    """Every file under the export folder, hidden (temporary) ones included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def notifications(app, user_id) -> list[Notification]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        )
        db.session.expunge_all()
        return found


@pytest.fixture
def book(make_user, make_account, app):
    """An admin who owns schedules, and an account with three escalations."""
    admin = make_user("admin", name="Ada Admin")
    account = make_account(name="Acme")
    add_escalations(app, account, 3)
    return admin, account


# A run, by hand and from the command line ---------------------------------------------------


def test_the_command_writes_the_file_whole_and_records_the_run(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)

    result = app.test_cli_runner().invoke(args=["exports", "run", str(schedule_id)])

    assert result.exit_code == 0, result.output
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED and run.trigger is RunTrigger.COMMAND
    assert run.rows == 3 and run.attempts == 1 and run.error == ""
    assert re.fullmatch(rf"escalations-\d{{8}}-\d{{4}}-{run.id}\.csv", run.file_name)
    path = folder / f"schedule-{schedule_id}" / run.file_name
    data = path.read_bytes()
    assert run.file_size == len(data)
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert files_in(folder) == [f"schedule-{schedule_id}/{run.file_name}"]  # no .part left
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[0][0] == "ID"
    for expected in (str(path), "rows: 3", f"size: {len(data)} bytes", f"sha256: {run.sha256}"):
        assert expected in result.output
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "run"))
        assert (event.entity_type, event.entity_id, event.actor_id) == (
            "export_schedule",
            schedule_id,
            None,
        )
        # A run by hand leaves the schedule's next run where it was.
        assert db.session.get(ExportSchedule, schedule_id).next_run_at < utcnow()


def test_the_command_reports_an_unknown_schedule_and_a_failure(app, folder, book):
    admin, _account = book
    result = app.test_cli_runner().invoke(args=["exports", "run", "999"])
    assert result.exit_code == 1
    assert "there is no export schedule 999" in result.output
    assert "Traceback" not in result.output

    schedule_id = make_schedule(app, admin)
    folder.mkdir()
    (folder / f"schedule-{schedule_id}").write_text("a file where the folder goes")
    result = app.test_cli_runner().invoke(args=["exports", "run", str(schedule_id)])
    assert result.exit_code == 1
    assert "failed: The export folder could not be written to" in result.output
    assert "the scheduler tries again at" in result.output


def test_run_now_runs_in_the_background_as_the_manual_trigger(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    with app.app_context():
        schedule = db.session.get(ExportSchedule, schedule_id)
        actor = db.session.get(User, admin)
        run_id = runner.start(schedule, trigger=RunTrigger.MANUAL, actor=actor).id
        db.session.commit()
        runner.run_in_background(run_id).join(timeout=60)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "run"))
        assert event.actor_id == admin and event.changes["run"] == [None, run_id]
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED and run.triggered_by_id == admin
    assert (folder / f"schedule-{schedule_id}" / run.file_name).is_file()


def test_the_export_holds_only_what_its_owner_sees(app, folder, make_user, make_account):
    manager = make_user("manager")
    account = make_account()
    add_escalations(app, account, 2, owner_id=manager)
    add_escalations(app, account, 5)  # nobody's: the manager does not see them
    schedule_id = make_schedule(app, manager)
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED and run.rows == 2


def test_the_export_is_written_in_its_owners_language_and_zone(
    app, folder, make_user, make_account
):
    owner = make_user("admin")
    with app.app_context():
        user = db.session.get(User, owner)
        user.locale, user.timezone = "ja", "America/New_York"
        db.session.commit()
    raised = datetime(2026, 6, 8, 13, 0, tzinfo=UTC)
    add_escalations(app, make_account(name="Acme"), 1, created_at=raised)
    schedule_id = make_schedule(app, owner, timezone="Asia/Tokyo")
    due_at = schedule_of(app, schedule_id).next_run_at

    with app.app_context():
        runner.run_due(utcnow())
        # The owner was signed in for the run only: not in what the context does next.
        with app.test_request_context():
            assert not current_user.is_authenticated
        db.session.remove()

    (run,) = runs_of(app, schedule_id)
    # The file's name: the due time in the schedule's zone.
    stamp = due_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y%m%d-%H%M")
    assert run.file_name == f"escalations-{stamp}-{run.id}.csv"
    text = (folder / f"schedule-{schedule_id}" / run.file_name).read_text("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "アカウント" in header and "起票日時" in header
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["起票日時"] == "2026-06-08 09:00"  # New York summer time


def test_an_xlsx_export_is_renamed_complete_and_opens(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin, file_format=ExportFormat.XLSX)
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED and run.file_name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(folder / f"schedule-{schedule_id}" / run.file_name).active
    assert sheet.max_row == 4 and run.rows == 3


def test_a_portfolio_brief_is_rendered_as_its_owner_into_a_pdf(app, folder, make_user):
    executive = make_user("executive", name="Erin Exec")
    schedule_id = make_schedule(
        app,
        executive,
        kind=ExportKind.PORTFOLIO,
        file_format=ExportFormat.PDF,
        filters={},
        executive_id=executive,
    )
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.pages >= 1 and run.rows == 0
    data = (folder / f"schedule-{schedule_id}" / run.file_name).read_bytes()
    assert data.startswith(b"%PDF") and run.file_name.endswith(".pdf")
    with app.app_context():  # recorded as generated by the schedule's owner
        brief = db.session.scalar(sa.select(Brief))
        assert brief.generated_by_id == executive and brief.executive_id == executive


# The scheduler's job: due times, retries ----------------------------------------------------


def test_a_due_schedule_runs_once_and_moves_to_its_next_time(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    due_at = schedule_of(app, schedule_id).next_run_at
    now = utcnow()

    assert run_due(app, now)["succeeded"] == 1
    assert run_due(app, now)["started"] == 0  # the same time again: nothing more

    (run,) = runs_of(app, schedule_id)
    assert run.trigger is RunTrigger.SCHEDULED and run.due_at == due_at
    schedule = schedule_of(app, schedule_id)
    assert schedule.next_run_at > now and schedule.last_run_at == due_at
    assert schedule.version == 1  # someone editing it meanwhile keeps their form


def test_a_failed_run_is_tried_again_later_and_succeeds(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    # A file where the schedule's folder goes: the first attempt cannot write.
    folder.mkdir()
    blocker = folder / f"schedule-{schedule_id}"
    blocker.write_text("in the way")
    now = utcnow()

    assert run_due(app, now)["failed"] == 1
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.RETRYING and run.attempts == 1
    # 300 s from the failure, which came after the job began.
    assert now + timedelta(seconds=300) <= run.next_attempt_at < now + timedelta(seconds=600)
    # Said plainly: no exception, no path of the server (those are in the log).
    assert run.error.startswith("The export folder could not be written to")
    assert str(folder) not in run.error and "Error" not in run.error
    assert run.file_name is None

    blocker.unlink()
    retry_at = run.next_attempt_at
    assert run_due(app, retry_at - timedelta(seconds=1))["retried"] == 0  # not yet
    assert run_due(app, retry_at)["succeeded"] == 1

    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED and run.attempts == 2 and run.error == ""
    assert (folder / f"schedule-{schedule_id}" / run.file_name).is_file()
    assert notifications(app, admin) == []  # it worked in the end: nobody bothered


def test_a_run_failing_every_time_fails_after_the_last_attempt_and_tells_its_owner(
    app, folder, book
):
    admin, _account = book
    schedule_id = make_schedule(app, admin, name="Board pack")
    folder.mkdir()
    (folder / f"schedule-{schedule_id}").write_text("in the way")
    now = utcnow()

    run_due(app, now)
    first_retry = runs_of(app, schedule_id)[0].next_attempt_at
    assert now + timedelta(seconds=300) <= first_retry < now + timedelta(seconds=600)
    run_due(app, first_retry)
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.RETRYING and run.attempts == 2
    # Twice the wait, from the second failure.
    assert first_retry + timedelta(seconds=600) <= run.next_attempt_at
    assert run.next_attempt_at < first_retry + timedelta(seconds=900)
    run_due(app, run.next_attempt_at)

    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.FAILED and run.attempts == 3 and run.finished_at
    (notice,) = notifications(app, admin)
    assert notice.kind == "export_failed" and notice.link == f"/exports/{schedule_id}"
    assert notice.subject == "Export failed: Board pack"
    with app.app_context():
        email = db.session.scalar(sa.select(OutboxEmail))
        assert "failed after 3 attempts" in email.body
        assert "The export folder could not be written to" in email.body
        assert str(folder) not in email.body
    assert run_due(app, now + timedelta(days=1))["retried"] == 0


# A run killed mid-way -------------------------------------------------------------------------


def process_env(database_url: str, folder: Path, **extra) -> dict:
    return (
        os.environ
        | {
            "FLASK_APP": "wsgi",
            "APP_ENV": "production",
            "SECRET_KEY": "x",
            "DATABASE_URL": database_url,
            "EXPORT_FOLDER": str(folder),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(free_port()),
            "MAIL_USE_TLS": "0",
            "PYTHONPATH": str(ROOT),
        }
        | extra
    )


def start_process(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def flask(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), *args]


def test_a_run_killed_mid_way_is_marked_failed_when_the_scheduler_starts(
    app, database_url, folder, tmp_path, make_user, make_account
):
    owner = make_user("admin")
    # Rows past the first two batches: the database is still being read when the run stops.
    add_escalations(app, make_account(), 2 * HANG_AFTER + 500)
    later = utcnow() + timedelta(days=1)  # not due: the scheduler only finds the dead run
    schedule_id = make_schedule(app, owner, name="Big register", next_run_at=later)
    env = process_env(database_url, folder)
    export_log, scheduler_log = tmp_path / "export.log", tmp_path / "scheduler.log"
    export = start_process(
        [sys.executable, "-m", "tests.test_exports_runs", str(schedule_id)], env, export_log
    )
    scheduler = None
    try:

        def writing():
            found = runs_of(app, schedule_id)
            return found and found[0].status is RunStatus.RUNNING and found[0].rows > 0

        assert wait_for(writing, seconds=60), export_log.read_text()
        (run,) = runs_of(app, schedule_id)
        assert run.rows == HANG_AFTER
        host, pid, _token = run.holder.split(":")
        assert (host, int(pid)) == (socket.gethostname(), export.pid)
        # Half a file, under its temporary name only.
        (part,) = files_in(folder)
        assert re.fullmatch(rf"schedule-{schedule_id}/\.escalations-.*-{run.id}\.csv\.part", part)

        export.kill()
        export.wait(timeout=20)

        # The next scheduler start finds it (its process is gone from this host).
        hourly = {f"SCHEDULER_{job}_SECONDS": "3600" for job in ("SLA_SWEEP", "OUTBOX", "EXPORTS")}
        scheduler = start_process(flask("scheduler", "run"), env | hourly, scheduler_log)

        def marked_failed():
            return runs_of(app, schedule_id)[0].status is RunStatus.FAILED

        assert wait_for(marked_failed, seconds=60), scheduler_log.read_text()
    finally:
        for process in (export, scheduler):
            if process is not None:
                stop(process)

    (run,) = runs_of(app, schedule_id)
    assert run.error == STOPPED_MIDWAY and run.finished_at is not None
    assert run.file_name is None and run.sha256 is None  # nothing offered
    assert files_in(folder) == []  # the half-written file is gone
    assert "left running by a stopped process marked failed" in scheduler_log.read_text()
    (notice,) = notifications(app, owner)
    assert notice.kind == "export_failed"


def test_a_run_silent_too_long_is_marked_failed_and_a_live_one_is_not(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    now = utcnow()
    with app.app_context():
        for holder, beat in (
            ("other-host:41:abc", now - timedelta(seconds=121)),  # silent: its host is gone
            ("other-host:42:def", now - timedelta(seconds=30)),  # a long run, still beating
            (runner.holder_id(), now - timedelta(seconds=30)),  # this process's own
        ):
            db.session.add(
                ExportRun(
                    schedule_id=schedule_id,
                    trigger=RunTrigger.SCHEDULED,
                    due_at=beat - timedelta(microseconds=len(holder)),  # one run per due time
                    holder=holder,
                    heartbeat_at=beat,
                    started_at=beat,
                )
            )
        db.session.commit()
        assert runner.recover_dead_runs(now) == 1
    statuses = [(r.holder, r.status) for r in runs_of(app, schedule_id)]
    assert statuses[0] == ("other-host:41:abc", RunStatus.FAILED)
    assert [s for _h, s in statuses[1:]] == [RunStatus.RUNNING, RunStatus.RUNNING]


# Two scheduler processes ----------------------------------------------------------------------


def test_two_scheduler_processes_produce_one_file(app, database_url, folder, tmp_path, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    env = process_env(database_url, folder)
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    processes = [start_process(flask("scheduler", "run-once", "exports"), env, log) for log in logs]
    codes = [process.wait(timeout=120) for process in processes]
    output = "\n".join(log.read_text() for log in logs)

    assert codes == [0, 0], output
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED, output
    assert files_in(folder) == [f"schedule-{schedule_id}/{run.file_name}"]


def test_two_processes_claiming_the_same_due_time_at_once_run_it_once(
    app, database_url, folder, tmp_path, book
):
    """Without the job's lease (each calls the job's body): the claim alone lets one through."""
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    go = tmp_path / "go"
    script = (
        "import os, time\n"
        "from app import create_app\n"
        "from app.exports.runner import run_due\n"
        "from app.models import utcnow\n"
        "from config import ProductionConfig\n"
        "app = create_app(ProductionConfig)\n"
        "with app.app_context():\n"
        f"    while not os.path.exists({str(go)!r}):\n"
        "        time.sleep(0.01)\n"
        "    print(run_due(utcnow()))\n"
    )
    env = process_env(database_url, folder)
    logs = [tmp_path / f"process-{n}.log" for n in range(2)]
    processes = [start_process([sys.executable, "-c", script], env, log) for log in logs]
    go.touch()
    codes = [process.wait(timeout=120) for process in processes]
    output = "\n".join(log.read_text() for log in logs)

    assert codes == [0, 0], output
    assert sorted(re.findall(r"'started': (\d)", output)) == ["0", "1"], output
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.SUCCEEDED
    assert files_in(folder) == [f"schedule-{schedule_id}/{run.file_name}"]


# E-mail -------------------------------------------------------------------------------------


def send_outbox(app, monkeypatch, box_port) -> dict:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", box_port)
    with app.app_context():
        return send_pending(utcnow() + timedelta(seconds=1))


def test_recipients_receive_the_file_attached_under_the_schedules_name(
    app, folder, book, make_user, monkeypatch
):
    admin, _account = book
    hanako = make_user("csm", email="hanako@example.test", locale="ja")
    bob = make_user("ae", email="bob@example.test")
    gone = make_user("csm", email="gone@example.test", active=False)
    schedule_id = make_schedule(app, admin, recipients=[hanako, bob, gone], name="週次 レポート")
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    data = (folder / f"schedule-{schedule_id}" / run.file_name).read_bytes()

    with smtp_server() as (port, box):
        assert send_outbox(app, monkeypatch, port)["sent"] == 2
    assert box.recipients == ["bob@example.test", "hanako@example.test"]
    for _rcpt, message in box.received:
        (attachment,) = list(message.iter_attachments())
        assert re.fullmatch(r"週次 レポート \d{8}-\d{4}\.csv", attachment.get_filename())
        assert attachment.get_content_type() == "text/csv"
        assert attachment.get_payload(decode=True) == data
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert run.file_name in body
        assert f"/exports/runs/{run.id}/download" in body
    (notice,) = notifications(app, bob)
    assert notice.kind == "export_ready" and notice.link == f"/exports/runs/{run.id}/download"


def test_a_file_too_big_to_attach_arrives_as_a_link(app, folder, book, make_user, monkeypatch):
    admin, _account = book
    bob = make_user("ae", email="bob@example.test")
    monkeypatch.setitem(app.config, "EXPORT_ATTACH_MAX_BYTES", 100)
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://crm.example.test")
    schedule_id = make_schedule(app, admin, recipients=[bob])
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    assert run.file_size > 100

    with smtp_server() as (port, box):
        send_outbox(app, monkeypatch, port)
    ((_rcpt, message),) = box.received
    assert list(message.iter_attachments()) == []
    body = message.get_content()
    assert "too large to attach" in body
    assert f"https://crm.example.test/exports/runs/{run.id}/download" in body


def test_an_attachment_deleted_before_sending_is_left_out_and_said_so(
    app, folder, book, make_user, monkeypatch
):
    admin, _account = book
    bob = make_user("ae", email="bob@example.test")
    schedule_id = make_schedule(app, admin, recipients=[bob])
    run_due(app)
    (run,) = runs_of(app, schedule_id)
    (folder / f"schedule-{schedule_id}" / run.file_name).unlink()

    with smtp_server() as (port, box):
        assert send_outbox(app, monkeypatch, port)["sent"] == 1
    ((_rcpt, message),) = box.received
    assert list(message.iter_attachments()) == []
    assert "is no longer available" in message.get_content()


# Retention ----------------------------------------------------------------------------------


def test_only_the_newest_files_are_kept_and_older_runs_marked_expired(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin, keep_files=2)
    runner_cli = app.test_cli_runner()
    for _ in range(3):
        assert runner_cli.invoke(args=["exports", "run", str(schedule_id)]).exit_code == 0

    first, second, third = runs_of(app, schedule_id)
    assert first.expired_at is not None
    assert second.expired_at is None and third.expired_at is None
    kept = [f"schedule-{schedule_id}/{r.file_name}" for r in (second, third)]
    assert files_in(folder) == sorted(kept)


# Owners who may no longer run their schedules -------------------------------------------------


def test_a_deactivated_owners_schedule_stops_and_the_admins_are_told_once(
    app, folder, book, make_user
):
    admin, _account = book
    manager = make_user("manager", name="Mia Manager")
    schedule_id = make_schedule(app, manager, name="My register")
    with app.app_context():
        db.session.get(User, manager).active = False
        db.session.commit()

    assert run_due(app)["stopped"] == 1
    assert run_due(app)["stopped"] == 0

    schedule = schedule_of(app, schedule_id)
    assert not schedule.enabled and schedule.next_run_at is None
    assert schedule.stopped_reason == "owner_deactivated"
    assert runs_of(app, schedule_id) == [] and not folder.exists()
    (notice,) = notifications(app, admin)
    assert notice.kind == "export_stopped" and notice.link == f"/exports/{schedule_id}"
    with app.app_context():
        email = db.session.scalar(sa.select(OutboxEmail))
        assert "its owner Mia Manager was deactivated" in email.body
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stop"))
        assert event.changes["stopped_reason"] == [None, "owner_deactivated"]


def test_an_owner_without_the_role_any_more_cannot_run_it_by_hand_either(
    app, folder, book, make_user
):
    admin, _account = book
    manager = make_user("manager")
    schedule_id = make_schedule(app, manager)
    with app.app_context():
        db.session.get(User, manager).set_roles(["csm"])
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["exports", "run", str(schedule_id)])

    assert result.exit_code == 1
    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.FAILED and not folder.exists()
    schedule = schedule_of(app, schedule_id)
    assert not schedule.enabled and schedule.stopped_reason == "owner_not_allowed"
    assert [n.kind for n in notifications(app, admin)] == ["export_stopped"]


if __name__ == "__main__":
    # `flask exports run SCHEDULE_ID` whose rows stop after HANG_AFTER, until killed.
    import threading

    from flask.cli import main

    from app.exports import kinds

    streamed = kinds.Kind.rows

    def rows(self, schedule, owner, now):
        for count, row in enumerate(streamed(self, schedule, owner, now)):
            if count == HANG_AFTER:
                threading.Event().wait()
            yield row

    kinds.Kind.rows = rows
    sys.argv = ["flask", "exports", "run", sys.argv[1]]
    main()


def test_an_export_the_format_cannot_hold_fails_at_once_without_retrying(
    app, folder, book, monkeypatch
):
    admin, account = book
    add_escalations(app, account, 3)
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 2)  # a sheet "full" after 2 rows
    schedule_id = make_schedule(app, admin, name="Too big", file_format=ExportFormat.XLSX)

    assert run_due(app, utcnow())["failed"] == 1

    (run,) = runs_of(app, schedule_id)
    assert run.status is RunStatus.FAILED and run.attempts == 1 and run.next_attempt_at is None
    assert "choose CSV or narrow the filters" in run.error
    assert list((folder / f"schedule-{schedule_id}").iterdir()) == []  # no part left behind


def test_a_second_run_by_hand_is_refused_while_one_runs(app, folder, book):
    admin, _account = book
    schedule_id = make_schedule(app, admin)
    runner_cli = app.test_cli_runner()
    with app.app_context():
        schedule = db.session.get(ExportSchedule, schedule_id)
        runner.start(schedule, trigger=RunTrigger.MANUAL, actor=schedule.owner)
        db.session.commit()
        with pytest.raises(IntegrityError):  # two clicks at once: the database lets one in
            runner.start(schedule, trigger=RunTrigger.MANUAL, actor=schedule.owner)
        db.session.rollback()
    result = runner_cli.invoke(args=["exports", "run", str(schedule_id)])
    assert result.exit_code == 1 and "already running" in result.output
    assert len(runs_of(app, schedule_id)) == 1


def test_keep_files_changed_while_a_run_runs_counts_at_its_end(app, folder, book, monkeypatch):
    admin, _account = book
    schedule_id = make_schedule(app, admin, keep_files=10)
    runner_cli = app.test_cli_runner()
    for _ in range(3):
        assert runner_cli.invoke(args=["exports", "run", str(schedule_id)]).exit_code == 0
    write_csv = writers.write_csv

    def lowered_meanwhile(*args, **kwargs):
        # Someone lowers "keep the last files" while the export is being written.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(ExportSchedule)
                .where(ExportSchedule.id == schedule_id)
                .values(keep_files=2)
            )
        return write_csv(*args, **kwargs)

    monkeypatch.setattr(writers, "write_csv", lowered_meanwhile)
    assert runner_cli.invoke(args=["exports", "run", str(schedule_id)]).exit_code == 0
    runs = runs_of(app, schedule_id)
    assert [r.expired_at is not None for r in runs] == [True, True, False, False]
    assert len(files_in(folder)) == 2
