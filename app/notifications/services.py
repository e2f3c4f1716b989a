"""Notify users in the app and by e-mail; count, list and mark their notifications read.

`notify` writes the in-app rows and the outbox e-mails in the caller's transaction: they
exist exactly when the change that caused them is committed. The scheduler sends the
e-mails afterwards (app/notifications/sender.py), each once its `next_attempt_at` has come:
an e-mail that can wait is due at the recipient's next working moment
(app/notifications/working_hours.py), an urgent one at once; someone on leave gets none.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_babel import force_locale, get_translations

from app.extensions import db
from app.models import insert_rows, utcnow
from app.notifications import clock, messages, working_hours
from app.notifications.models import Notification, OutboxEmail

PER_PAGE = 25
SUBJECT_MAX = 300  # the column's length


def notify(
    recipients: Iterable,
    *,
    kind: str,
    subject,
    body=None,
    escalation_id: int | None = None,
    link: str | None = None,
    attachment: tuple[str, str, str] | None = None,
    urgent: bool = False,
    now: datetime | None = None,
) -> int:
    """Queue a notification and an e-mail for each active recipient; return how many.

    `subject` and `body` are best lazy texts (`_l(...)`, parameters may be lazy too): the
    e-mail is written in each recipient's language, and the in-app notification keeps the
    message as data, shown in whatever language its reader uses then. `attachment` is a file
    sent along with each e-mail, (path, file name, MIME type): read from disk when the
    e-mail is sent, so a file deleted by then is left out (the e-mail says so).

    The in-app notification is there at once. The e-mail is not written for a recipient on
    leave today (in their zone); an `urgent` one (an executive escalation raised, a critical
    SLA breached) is due at once, any other at the recipient's next working moment.
    """
    path, name, mimetype = attachment or (None, None, None)
    message = messages.as_data(subject)
    body_data = messages.as_data(body) if body is not None else message
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    defaults = working_hours.Defaults.from_config(current_app.config)
    batch = _BATCH.get()
    now = now or (batch.now if batch is not None else clock.now())
    due_at = batch.due_at if batch is not None else {}  # (user id, urgent, now) -> due
    notified: set[int] = set()
    texts: dict[str, tuple[str, str]] = {}  # language -> (subject, body): written once each
    in_app, emails = [], []
    for user in recipients:
        if user is None or not user.active or user.id in notified:
            continue
        notified.add(user.id)
        language = user.locale or default_locale
        if language not in texts:
            with force_locale(language):
                catalog = get_translations()
                # A line break in a subject would end the e-mail header early.
                subject_text = " ".join(messages.render(message, catalog).split())[:SUBJECT_MAX]
                text = messages.render(body_data, catalog)
            if link:
                text = f"{text.rstrip()}\n\n{_absolute(link)}\n"
            texts[language] = (subject_text, text)
        subject_text, text = texts[language]
        in_app.append(
            {
                "user_id": user.id,
                "kind": kind,
                "escalation_id": escalation_id,
                "subject": subject_text,
                "message": message,
                "link": link if link and link.startswith("/") else None,
            }
        )
        key = (user.id, urgent, now)
        if key not in due_at:
            due_at[key] = email_due_at(user, defaults, now, urgent=urgent)
        due = due_at[key]
        if due is None:
            continue
        emails.append(
            {
                "to_address": user.email,
                "subject": subject_text,
                "body": text,
                "next_attempt_at": due,
                "attachment_path": path,
                "attachment_name": name,
                "attachment_type": mimetype,
            }
        )
    if batch is not None:
        batch.in_app.extend(in_app)
        batch.emails.extend(emails)
    else:
        _write(in_app, emails)
    return len(notified)


@dataclass
class _Batch:
    """What notify() keeps inside batched(): its rows, written when the batch ends, and one
    moment for all of it, so each recipient's e-mail time is worked out once (an executive
    is a stakeholder of every executive escalation in a sweep's burst)."""

    now: datetime
    in_app: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)
    due_at: dict = field(default_factory=dict)


_BATCH: ContextVar[_Batch | None] = ContextVar("notification_batch", default=None)


def _write(in_app: list[dict], emails: list[dict]) -> None:
    """Notifications and e-mails in sets (`insert_rows`): an executive escalation notifies
    every executive, a burst of SLA breaches thousands."""
    if in_app:
        insert_rows(db.session, Notification.__table__, in_app)
        forget_unread_count()
    insert_rows(db.session, OutboxEmail.__table__, emails)


@contextmanager
def batched():
    """Inside, notify() keeps its rows and they are all written at the end, in one set each:
    for jobs that notify about many records at once (the SLA sweep). What is notified inside
    is not in the database until the block ends; a nested batch joins the outer one."""
    if _BATCH.get() is not None:
        yield
        return
    batch = _Batch(now=clock.now())
    token = _BATCH.set(batch)
    try:
        yield
        _write(batch.in_app, batch.emails)
    finally:
        _BATCH.reset(token)


def email_due_at(
    user, defaults: working_hours.Defaults, now: datetime, *, urgent: bool = False
) -> datetime | None:
    """When an e-mail to the user should go: None (not at all) while they are on leave;
    `now` when urgent or within their working hours; else the start of their next working
    day (`now` too if none comes soon: better out of hours than never)."""
    hours = working_hours.hours_of(user, defaults)
    if working_hours.on_leave(hours, now):
        return None
    if urgent:
        return now
    return working_hours.next_opening(hours, now) or now


def _absolute(link: str) -> str:
    """E-mails are read outside the app: a path becomes a full address."""
    if link.startswith("/"):
        return current_app.config["APP_BASE_URL"].rstrip("/") + link
    return link


def _unread(user_id) -> sa.ColumnElement[bool]:
    """A user's unread notifications: `user_id` a value or a bound parameter."""
    return sa.and_(Notification.user_id == user_id, Notification.read_at.is_(None))


def _count_unread(user_id) -> sa.Select:
    """The select counting a user's unread notifications (`user_id` as for _unread)."""
    return sa.select(sa.func.count()).select_from(Notification).where(_unread(user_id))


@cache
def _unread_count() -> sa.Select:
    """The top bar's count on every page: built once per process, the user as a parameter."""
    return _count_unread(sa.bindparam("user_id"))


def unread_count(user) -> int:
    """How many of the user's notifications are unread (one COUNT query)."""
    return db.session.scalar(_unread_count(), {"user_id": user.id}) or 0


def unread_count_of(user_id: sa.ColumnElement) -> sa.ScalarSelect:
    """The unread count as a column of a statement that reads the user (`user_id` its id
    column): the request's user and the header's count come in one round trip."""
    return _count_unread(user_id).scalar_subquery()


# The signed-in user's unread count, for the header of the page being answered: read with the
# user (unread_count_of) and kept on `g` for this request only; any notification written or
# marked read in the request drops it, so the page never shows a count older than its data.
_REQUEST_COUNT = "unread_notifications"


def remember_unread_count(count: int) -> None:
    setattr(g, _REQUEST_COUNT, count)


def forget_unread_count() -> None:
    if has_app_context():
        g.pop(_REQUEST_COUNT, None)


def request_unread_count(user) -> int:
    """The user's unread count for this request: the one read with the user, else counted."""
    if _REQUEST_COUNT not in g:
        remember_unread_count(unread_count(user))
    return getattr(g, _REQUEST_COUNT)


def recent(user, page: int = 1):
    """The user's notifications, newest first, one page of them."""
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark all of the user's unread notifications read, or only one of theirs; return how
    many changed. Someone else's notification is never touched."""
    stmt = sa.update(Notification).where(_unread(user.id)).values(read_at=utcnow())
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    forget_unread_count()
    return db.session.execute(stmt).rowcount
