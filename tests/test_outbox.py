"""The outbox sender against a real SMTP server on loopback (aiosmtpd): each e-mail arrives
once, Japanese intact; failures are retried with backoff and given up after the limit."""

import asyncio
import re
import socket
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.extensions import db
from app.notifications.models import OutboxEmail
from app.notifications.sender import message_id, send_pending

NOW = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Mailbox:
    """An aiosmtpd handler that keeps what it accepted; `refuse` holds addresses it rejects."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.refuse: set[str] = set()
        self.received: list[tuple[list[str], object]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return sorted(address for rcpt_tos, _message in self.received for address in rcpt_tos)


def free_port() -> int:
    """A loopback port nothing listens on (for a moment: good enough for a test)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(delay: float = 0.0):
    """A real SMTP server on 127.0.0.1; yields (port, mailbox)."""
    mailbox = Mailbox(delay)
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailbox(app, monkeypatch):
    with smtp_server() as (port, box):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        yield box


@pytest.fixture
def server_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())


def queue(app, *addresses, subject="Escalation update", body="Hello", due=NOW) -> list[int]:
    with app.app_context():
        emails = [
            OutboxEmail(to_address=a, subject=subject, body=body, next_attempt_at=due)
            for a in addresses
        ]
        db.session.add_all(emails)
        db.session.commit()
        return [e.id for e in emails]


def run(app, now=NOW, **kwargs) -> dict:
    with app.app_context():
        return send_pending(now, **kwargs)


def row(app, email_id) -> OutboxEmail:
    with app.app_context():
        email = db.session.get(OutboxEmail, email_id)
        db.session.expunge(email)
        return email


def test_sends_each_due_email_once_with_japanese_text_intact(app, mailbox):
    subject = (
        "【重要】エスカレーション #1042「決済画面が表示されない」: "
        "初回応答の期限まで残り30分です。担当者の方は至急ご確認ください"
    )
    body = "田中様\n\n株式会社サンプルのエスカレーションの対応をお願いします。\n— CRM"
    (email_id,) = queue(app, "tanaka@example.co.jp", subject=subject, body=body)

    assert run(app) == {"sent": 1, "failed": 0, "retry": 0}

    [(rcpt_tos, message)] = mailbox.received
    assert rcpt_tos == ["tanaka@example.co.jp"]
    assert message["To"] == "tanaka@example.co.jp"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Subject"] == subject
    assert message.get_content().strip() == body
    assert re.fullmatch(rf"<outbox-{email_id}\.[0-9a-f]{{24}}@localhost>", message["Message-ID"])
    sent = row(app, email_id)
    assert sent.sent_at == NOW and sent.attempts == 0

    assert run(app, NOW + timedelta(hours=1)) == {"sent": 0, "failed": 0, "retry": 0}
    assert len(mailbox.received) == 1


def test_an_email_sent_again_after_a_crash_keeps_its_message_id(app, mailbox, monkeypatch):
    first, _other = queue(app, "again@example.test", "other@example.test")

    # The server accepts the first e-mail, then the process dies before sent_at is committed
    # (the real thing, a scheduler killed there, is in tests/test_scheduler_takeover.py).
    def killed():
        raise KeyboardInterrupt("killed")  # not an SMTP error: the sender records nothing

    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", killed)
        with pytest.raises(KeyboardInterrupt):
            send_pending(NOW)
    assert [rcpt for rcpt, _message in mailbox.received] == [["again@example.test"]]
    assert row(app, first).sent_at is None

    assert run(app, NOW + MINUTE) == {"sent": 2, "failed": 0, "retry": 0}
    ids = [(rcpt[0], message["Message-ID"]) for rcpt, message in mailbox.received]
    assert [address for address, _id in ids] == [
        "again@example.test",
        "again@example.test",
        "other@example.test",
    ]
    assert ids[0][1] == ids[1][1], "a resend must carry the same Message-ID"
    assert ids[2][1] != ids[0][1]
    assert row(app, first).sent_at == NOW + MINUTE


def test_the_message_id_takes_the_senders_domain_and_is_fixed_per_row(app):
    (email_id,) = queue(app, "x@example.test")
    email = row(app, email_id)
    plain = message_id(email, "crm@mail.example.com")
    assert re.fullmatch(rf"<outbox-{email_id}\.[0-9a-f]{{24}}@mail\.example\.com>", plain)
    assert message_id(email, "CRM 通知 <crm@mail.example.com>") == plain
    assert message_id(row(app, email_id), "crm@mail.example.com") == plain  # read again
    assert message_id(email, "no-domain").endswith("@localhost>")
    # Another row created at another moment (or in another database with the same id): not equal.
    email.created_at += timedelta(microseconds=1)
    assert message_id(email, "crm@mail.example.com") != plain


def test_leaves_what_is_not_due_yet_and_stops_at_the_batch_size(app, mailbox):
    queue(app, "later@example.test", due=NOW + MINUTE)
    queue(app, "a@example.test", "b@example.test", "c@example.test")

    assert run(app, batch=2) == {"sent": 2, "failed": 0, "retry": 0}
    assert run(app) == {"sent": 1, "failed": 0, "retry": 0}
    assert mailbox.recipients == ["a@example.test", "b@example.test", "c@example.test"]
    assert run(app, NOW + MINUTE)["sent"] == 1
    assert "later@example.test" in mailbox.recipients


def test_unreachable_server_is_retried_later(app, server_down, monkeypatch):
    (email_id,) = queue(app, "sato@example.test")

    assert run(app) == {"sent": 0, "failed": 0, "retry": 1}
    waiting = row(app, email_id)
    assert waiting.attempts == 1 and waiting.sent_at is None and waiting.failed_at is None
    assert waiting.next_attempt_at == NOW + MINUTE
    assert "Connection" in waiting.last_error

    with smtp_server() as (port, box):
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        assert run(app, NOW + timedelta(seconds=30))["sent"] == 0  # not due yet
        assert run(app, NOW + timedelta(seconds=61))["sent"] == 1
    assert box.recipients == ["sato@example.test"]
    assert row(app, email_id).sent_at == NOW + timedelta(seconds=61)


def test_backs_off_and_gives_up_after_the_last_attempt(app, server_down, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    (email_id,) = queue(app, "sato@example.test")
    now = NOW
    for attempt, wait in enumerate((1, 2, 4), start=1):
        assert run(app, now) == {"sent": 0, "failed": 0, "retry": 1}
        assert row(app, email_id).attempts == attempt
        assert row(app, email_id).next_attempt_at == now + wait * MINUTE
        now += wait * MINUTE

    assert run(app, now) == {"sent": 0, "failed": 1, "retry": 0}
    given_up = row(app, email_id)
    assert given_up.attempts == 4 and given_up.failed_at == now and given_up.sent_at is None

    with smtp_server() as (port, box):
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        assert run(app, now + timedelta(days=2)) == {"sent": 0, "failed": 0, "retry": 0}
    assert box.received == []


def test_a_server_that_is_down_costs_one_attempt_not_one_per_email(app, server_down):
    first, *others = queue(app, "a@example.test", "b@example.test", "c@example.test")
    assert run(app) == {"sent": 0, "failed": 0, "retry": 1}
    assert row(app, first).attempts == 1
    assert [row(app, i).attempts for i in others] == [0, 0]


def test_a_refused_recipient_is_given_up_and_the_others_are_sent(app, mailbox):
    mailbox.refuse.add("left@example.test")
    ids = queue(app, "a@example.test", "left@example.test", "b@example.test")

    assert run(app) == {"sent": 2, "failed": 1, "retry": 0}
    assert mailbox.recipients == ["a@example.test", "b@example.test"]
    refused = row(app, ids[1])
    assert refused.failed_at == NOW and "550" in refused.last_error


def test_an_email_that_cannot_be_written_is_given_up_and_does_not_block_the_rest(app, mailbox):
    broken, fine = queue(app, "bad\r\nBcc: everyone@example.test", "fine@example.test")
    assert run(app) == {"sent": 1, "failed": 1, "retry": 0}
    assert mailbox.recipients == ["fine@example.test"]
    assert row(app, broken).failed_at == NOW


def test_two_senders_at_once_send_each_email_once(app, monkeypatch):
    addresses = [f"user{n}@example.test" for n in range(8)]
    queue(app, *addresses)
    results = []

    def sender():
        results.append(run(app))

    with smtp_server(delay=0.05) as (port, box):
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert box.recipients == sorted(addresses)
    assert sum(r["sent"] for r in results) == len(addresses)
    with app.app_context():
        unsent = sa.select(sa.func.count()).where(OutboxEmail.sent_at.is_(None))
        assert db.session.scalar(unsent) == 0
