"""A scheduler process killed (SIGKILL) while it holds a job's lease: a second real process
takes the job over within one lease length (plus a retry), and an e-mail the SMTP server had
accepted from the killed process is sent again with the same Message-ID (at least once).

The processes run `flask scheduler run` with short leases (SCHEDULER_LEASE_SECONDS); the
first test replaces one job's body with one that hangs until killed (this module run as a
script: `python -m tests.test_scheduler_takeover`), the second makes the SMTP server hold
its reply. Waits are bounded polls of the database and the mailbox, never fixed sleeps.
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.extensions import db
from app.notifications.models import OutboxEmail
from app.scheduler.models import JobLease
from tests.test_outbox import Mailbox, free_port, queue
from tests.test_scheduler import stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 3
RENEW_SECONDS = 1
# The takeover window after the kill: the lease runs out (at most LEASE_SECONDS after the
# last renewal), then the survivor's next try (its retry at the expiry, or the job's next
# run: 1 s for the outbox here), plus room for a slow machine. The default lease is 30 s.
TAKEOVER_WINDOW = LEASE_SECONDS + 1 + 10
HANG = "TAKEOVER_TEST_HANG"  # set in the process whose sla_sweep hangs until killed


def scheduler_env(database_url: str, smtp_port: int, **jobs_seconds: int) -> dict:
    seconds = {"SLA_SWEEP": 3600, "OUTBOX": 3600, "HANDOFF": 3600, "ELIGIBILITY": 3600}
    seconds |= {name.upper(): value for name, value in jobs_seconds.items()}
    intervals = {f"SCHEDULER_{name}_SECONDS": str(value) for name, value in seconds.items()}
    return (
        os.environ
        | intervals
        | {
            "FLASK_APP": "wsgi",
            "APP_ENV": "production",
            "SECRET_KEY": "x",
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "MAIL_USE_TLS": "0",
            "SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
            "SCHEDULER_LEASE_RENEW_SECONDS": str(RENEW_SECONDS),
            "PYTHONPATH": str(ROOT),
        }
    )


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def flask_scheduler() -> list[str]:
    return [str(Path(sys.executable).with_name("flask")), "scheduler", "run"]


def scheduler_with_hanging_sweep() -> list[str]:
    """`flask scheduler run`, the same code, with sla_sweep's body replaced (see __main__)."""
    return [sys.executable, "-m", "tests.test_scheduler_takeover"]


def lease(app, name: str) -> JobLease | None:
    with app.app_context():
        row = db.session.get(JobLease, name)
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
        return row


def pid_of(row: JobLease | None) -> int | None:
    """The process in a lease's holder (host:pid:random)."""
    if row is None or not row.holder:
        return None
    host, pid, _random = row.holder.split(":")
    assert host == socket.gethostname()
    return int(pid)


def held_by(app, name: str, process: subprocess.Popen) -> JobLease | None:
    row = lease(app, name)
    return row if pid_of(row) == process.pid and row.expires_at is not None else None


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)


def logs(*paths: Path) -> str:
    return "\n".join(f"--- {path.name}\n{path.read_text()}" for path in paths)


def test_a_killed_scheduler_job_is_taken_over_by_another_process(app, database_url, tmp_path):
    env = scheduler_env(database_url, free_port())
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start(scheduler_with_hanging_sweep(), env | {HANG: "1"}, first_log)
    second = None
    try:
        assert wait_for(lambda: held_by(app, "sla_sweep", first)), logs(first_log)
        taken = lease(app, "sla_sweep")

        # A second scheduler; its sweep runs hourly, so only its retry at the lease's expiry
        # can run it soon. While the first process lives its heartbeat keeps the lease: the
        # second tries at each expiry and is refused, past the first lease's end.
        second = start(flask_scheduler(), env, second_log)
        past_first_lease = taken.expires_at + timedelta(seconds=LEASE_SECONDS)

        def refused_after_renewal():
            row = held_by(app, "sla_sweep", first)
            skipped = second_log.read_text().count("job sla_sweep skipped")
            return row is not None and row.expires_at > past_first_lease and skipped >= 2

        assert wait_for(refused_after_renewal, seconds=30), logs(first_log, second_log)
        assert held_by(app, "sla_sweep", first), "the heartbeat must keep the lease"
        assert "job sla_sweep done" not in second_log.read_text()

        kill(first)

        def second_ran_the_sweep():
            row = lease(app, "sla_sweep")
            return pid_of(row) == second.pid and row.expires_at is None and row.last_run_at

        ran = wait_for(second_ran_the_sweep, seconds=TAKEOVER_WINDOW)
        assert ran, logs(first_log, second_log)
        assert "job sla_sweep done" in second_log.read_text()
        assert lease(app, "sla_sweep").last_run_at > taken.expires_at
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)


class HoldingMailbox(Mailbox):
    """Keeps each message as it arrives; holds its reply to the first until `release`, as a
    server that accepted a message whose sender dies before hearing so."""

    def __init__(self):
        super().__init__()
        self.holding = True

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        while self.holding and len(self.received) == 1:
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


@contextmanager
def holding_smtp_server():
    mailbox = HoldingMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        mailbox.holding = False
        controller.stop()


def test_an_email_sent_when_its_sender_was_killed_is_resent_with_the_same_message_id(
    app, database_url, tmp_path
):
    (email_id,) = queue(app, "kill@example.test", due=datetime.now(UTC) - timedelta(seconds=1))
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = second = None
    with holding_smtp_server() as (port, box):
        env = scheduler_env(database_url, port, outbox=1)
        try:
            first = start(flask_scheduler(), env, first_log)
            # The server has the message; the first process waits for its reply, holding the
            # outbox lease, the row not yet marked sent.
            assert wait_for(lambda: len(box.received) == 1), logs(first_log)
            assert held_by(app, "outbox", first), logs(first_log)
            second = start(flask_scheduler(), env, second_log)

            kill(first)
            box.holding = False

            def resent_and_marked():
                with app.app_context():
                    sent = db.session.get(OutboxEmail, email_id).sent_at
                    db.session.remove()
                return len(box.received) >= 2 and sent is not None

            ran = wait_for(resent_and_marked, seconds=TAKEOVER_WINDOW)
            assert ran, logs(first_log, second_log)
            assert pid_of(lease(app, "outbox")) == second.pid
        finally:
            for process in (first, second):
                if process is not None:
                    stop(process)

    assert box.recipients == ["kill@example.test", "kill@example.test"]  # at least once
    first_copy, second_copy = (message for _rcpt, message in box.received)
    assert first_copy["Message-ID"] == second_copy["Message-ID"]
    assert re.fullmatch(rf"<outbox-{email_id}\.[0-9a-f]{{24}}@localhost>", first_copy["Message-ID"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 1


if __name__ == "__main__":
    # The scheduler process of the first test: `flask scheduler run` with sla_sweep's body
    # replaced, hanging (until the process is killed) where HANG is set, otherwise returning.
    import threading

    from flask.cli import main

    from app.scheduler import jobs

    def sweep(now):
        if os.environ.get(HANG):
            threading.Event().wait()
        return {"took over": now.isoformat()}

    jobs.JOBS["sla_sweep"] = jobs.Job("SCHEDULER_SLA_SWEEP_SECONDS", sweep)
    sys.argv = ["flask", "scheduler", "run"]
    main()
