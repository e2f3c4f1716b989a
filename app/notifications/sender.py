"""Send the outbox: due e-mails go out over SMTP, each once, failures retried.

Each message is claimed, sent and marked sent in its own transaction, committed before the
next one is claimed. On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED`: two
senders (two scheduler processes) never pick the same row, and neither waits for the other.
SQLite has no row locks; there the claim's UPDATE takes the database's write lock, so a
second sender waits and then finds the row already sent.

An e-mail with an attachment (an export) names a file on disk, read when the e-mail is sent.
A file deleted meanwhile (retention kept only the newest) leaves the attachment out, and the
e-mail says so in its reader's language; the message is sent regardless.

The one window for a duplicate is a crash (or a lost database connection) after the SMTP
server accepted a message and before its `sent_at` was committed: the message is sent again
on the next run. Delivery is therefore at least once; the Message-ID is the same every time
(`message_id`), so mail systems and readers can tell a resend from a new message.
"""

import hashlib
import logging
import smtplib
import ssl
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from app.auth.models import User
from app.extensions import db
from app.notifications.models import OutboxEmail

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30
MAX_BACKOFF = timedelta(days=1)


def send_pending(now: datetime, *, batch: int = 50) -> dict:
    """Send up to `batch` due outbox e-mails over one SMTP connection; return the counts."""
    config = current_app.config
    counts = {"sent": 0, "failed": 0, "retry": 0}
    smtp: smtplib.SMTP | None = None
    try:
        for _ in range(batch):
            email = _claim_next(now)
            if email is None:
                break
            try:
                if smtp is None:
                    smtp = _connect(config)
                smtp.send_message(_message(email, config, now))
            except (smtplib.SMTPException, OSError, ValueError) as error:
                outcome = _record_failure(email, error, now, config["OUTBOX_MAX_ATTEMPTS"])
                db.session.commit()
                counts[outcome] += 1
                if _connection_lost(error):
                    break  # the rest wait for the next run rather than each failing now
                continue
            email.sent_at = now
            db.session.commit()
            counts["sent"] += 1
    finally:
        db.session.rollback()
        if smtp is not None:
            _close(smtp)
    return counts


def _claim_next(now: datetime) -> OutboxEmail | None:
    """The oldest due e-mail, locked for this sender; None when nothing is due."""
    due = sa.and_(
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.failed_at.is_(None),
        OutboxEmail.next_attempt_at <= now,
    )
    while True:
        stmt = (
            sa.select(OutboxEmail)
            .where(due)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        email = db.session.scalars(stmt).first()
        if email is None:
            return None
        # A no-op write that only succeeds while the row is still due (see the module notes).
        claim = (
            sa.update(OutboxEmail)
            .where(OutboxEmail.id == email.id, due)
            .values(attempts=OutboxEmail.attempts)
            .execution_options(synchronize_session=False)
        )
        if db.session.execute(claim).rowcount == 1:
            return email
        db.session.rollback()  # another sender got there first


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _message(email: OutboxEmail, config, now: datetime) -> EmailMessage:
    sender = config["MAIL_DEFAULT_SENDER"]
    message = EmailMessage()  # UTF-8 headers and body, encoded for SMTP when sent
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(email, sender)
    if not email.attachment_path:
        message.set_content(email.body)
        return message
    try:
        with open(email.attachment_path, "rb") as file:
            data = file.read()
    except OSError:
        message.set_content(f"{email.body.rstrip()}\n\n{_missing_attachment(email)}\n")
        return message
    message.set_content(email.body)
    maintype, _slash, subtype = (email.attachment_type or "").partition("/")
    if not (maintype and subtype):
        maintype, subtype = "application", "octet-stream"
    # A name outside ASCII (Japanese) is written as RFC 2231 parameters by the email package.
    message.add_attachment(
        data, maintype=maintype, subtype=subtype, filename=email.attachment_name or "attachment"
    )
    return message


def _missing_attachment(email: OutboxEmail) -> str:
    """The line that replaces an attachment whose file is gone, in the reader's language."""
    locale = db.session.scalar(sa.select(User.locale).where(User.email == email.to_address))
    language = force_locale(locale) if locale else nullcontext()
    with language:
        return gettext(
            "The attached file %(name)s is no longer available: it was deleted before this "
            "e-mail could be sent.",
            name=email.attachment_name or "",
        )


def message_id(email: OutboxEmail, sender: str) -> str:
    """The e-mail's Message-ID: the same on every attempt, so a resend after a crash (the
    server accepted it, the process died before `sent_at` was committed) is recognisably the
    same message; unique across databases, since it hashes the row's creation time to the
    microsecond, which it does not reveal. Derived from the row: nothing more to store."""
    _name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] if "@" in address else "localhost"
    created = email.created_at.astimezone(UTC).isoformat()
    token = hashlib.sha256(f"outbox:{email.id}:{created}".encode()).hexdigest()[:24]
    return f"<outbox-{email.id}.{token}@{domain}>"


def _record_failure(email: OutboxEmail, error: Exception, now: datetime, max_attempts: int) -> str:
    """Count the attempt; schedule the next one or give up. Returns "retry" or "failed"."""
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:500]
    if email.attempts >= max_attempts or _refused_for_good(error):
        email.failed_at = now
        log.warning("outbox: gave up on e-mail %s: %s", email.id, email.last_error)
        return "failed"
    email.next_attempt_at = now + min(timedelta(minutes=2 ** (email.attempts - 1)), MAX_BACKOFF)
    log.warning(
        "outbox: e-mail %s not sent (attempt %s), retry at %s: %s",
        email.id,
        email.attempts,
        email.next_attempt_at.isoformat(),
        email.last_error,
    )
    return "retry"


def _refused_for_good(error: Exception) -> bool:
    """Retrying cannot help: the server refused the recipient permanently (5xx), or the
    message cannot be written at all (a line break in an address, say)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, ValueError)


def _connection_lost(error: Exception) -> bool:
    """True unless the error concerns this one message and the SMTP session goes on."""
    per_message = smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError | ValueError
    return not isinstance(error, per_message)
