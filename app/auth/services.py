"""Sign-in with throttling, and user administration."""

import logging
import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app import request_memo, signals
from app.audit import services as audit
from app.auth.models import LoginAttempt, Role, User, UserRole, UserSession
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import DomainError, utcnow
from app.notifications import services as notifications
from app.notifications.working_hours import Defaults

log = logging.getLogger(__name__)
# Refused and suspicious requests, for a log system to alert on (see app.security).
security_log = logging.getLogger("app.security")

USER_AUDIT_FIELDS = (
    "email",
    "name",
    "active",
    "locale",
    "timezone",
    "work_days",
    "work_start",
    "work_end",
    "leave_starts",
    "leave_ends",
)


@cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so both failures take the same time."""
    return generate_password_hash(secrets.token_hex(16))


class LoginLocked(DomainError):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class EmailTaken(DomainError):
    pass


@cache
def _session_user() -> sa.Select:
    """The statement of load_user, with its values as parameters: every request runs it, so
    it is built once per process rather than once per request."""
    return (
        sa.select(User, notifications.unread_count_of(User.id))
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == sa.bindparam("user_id"),
            User.active.is_(True),
            UserSession.key == sa.bindparam("key"),
            UserSession.expires_at > sa.bindparam("now"),
        )
        .options(joinedload(User.role_rows))
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id names a live server-side session of an active user."""
    ident, _, key = user_id.partition(":")
    if not ident.isdigit() or not key or len(ident) > 18:
        return None
    params = {"user_id": int(ident), "key": key, "now": utcnow()}
    row = db.session.execute(_session_user(), params).unique().one_or_none()
    if row is None:
        return None
    user, unread = row
    user.session_key = key
    notifications.remember_unread_count(unread)  # the header's count, read in the same trip
    return user


def start_session(user: User, *, remember: bool, ip_address: str) -> None:
    """A new server-side session for a sign-in; the login cookies will name its key."""
    config = current_app.config
    lifetime = (
        config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"]
    )
    now = utcnow()
    db.session.execute(
        sa.delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            key=key,
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            ip_address=ip_address,
        )
    )
    user.session_key = key


def end_session(user: User) -> None:
    """Sign-out: the session the cookies name is deleted, so replaying them no longer works."""
    if user.session_key:
        db.session.execute(sa.delete(UserSession).where(UserSession.key == user.session_key))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _recent_failures(since, **match) -> int:
    stmt = sa.select(sa.func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    for column, value in match.items():
        stmt = stmt.where(getattr(LoginAttempt, column) == value)
    return db.session.scalar(stmt)


def authenticate(email: str, password: str, ip_address: str) -> User | None:
    """The active user with these credentials, or None; raises LoginLocked when throttled.

    Failures are counted per (e-mail, address) pair and, with a higher limit, per address: one
    address guessing at random e-mails is stopped without locking everyone else out, and the
    users behind one proxy or office address do not lock each other out.
    """
    email = normalize_email(email)
    config = current_app.config
    since = utcnow() - timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    if (
        _recent_failures(since, email=email, ip_address=ip_address) >= config["LOGIN_MAX_FAILURES"]
        or _recent_failures(since, ip_address=ip_address)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        security_log.warning(
            "sign-in throttled: email=%s ip=%s route=auth.login", email, ip_address
        )
        raise LoginLocked(config["LOGIN_LOCK_MINUTES"])

    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = user.check_password(password) and user.active
    db.session.add(LoginAttempt(email=email, ip_address=ip_address, succeeded=ok))
    if not ok:
        security_log.warning("failed sign-in: email=%s ip=%s route=auth.login", email, ip_address)
        return None
    # Bookkeeping, not an edit: a plain UPDATE leaves the record's version alone, so an admin
    # editing this user meanwhile gets no false conflict.
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(last_login_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    return user


def create_user(actor, *, email: str, name: str, password: str, roles, locale=None) -> User:
    """A new active user with the given roles."""
    email = normalize_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), locale=locale or None)
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    changes = audit.snapshot(user, USER_AUDIT_FIELDS)
    changes["roles"] = [None, sorted(r.value for r in user.roles)]
    audit.record(actor, "user", user.id, "create", changes=changes, summary=user.email)
    return user


def update_user(
    actor,
    user: User,
    *,
    email=None,
    name=None,
    roles=None,
    locale=None,
    password=None,
    timezone=None,
    work_days=None,
    work_start=None,
    work_end=None,
    leave=None,
) -> User:
    """Change a user's details; changing the password or roles ends their sessions. A
    `timezone`, `work_start` or `work_end` of "" is the app's default; `leave` is (from,
    until), (None, None) for none. None leaves a detail as it is."""
    if email is not None:
        email = normalize_email(email)
        clash = db.session.scalar(sa.select(User.id).where(User.email == email, User.id != user.id))
        if clash:
            raise EmailTaken(email)
        user.email = email
    if name is not None:
        user.name = name.strip()
    if locale is not None:
        user.locale = locale or None
    if timezone is not None:
        user.timezone = timezone or None
    _set_working_hours(user, work_days, work_start, work_end)
    if leave is not None:
        user.leave_starts, user.leave_ends = leave
    changes = audit.pending_changes(user, USER_AUDIT_FIELDS)
    if roles is not None:
        old_roles = sorted(r.value for r in user.roles)
        user.set_roles(roles)
        new_roles = sorted(r.value for r in user.roles)
        if old_roles != new_roles:
            changes["roles"] = [old_roles, new_roles]
    if password:
        user.set_password(password)
        changes["password"] = [audit.REDACTED, audit.REDACTED]
    if changes:
        if "password" in changes or "roles" in changes:
            user.end_sessions()
        user.updated_at = utcnow()  # bumps the version even when only roles changed
        audit.record(actor, "user", user.id, "update", changes=changes, summary=user.email)
    db.session.flush()
    return user


def _set_working_hours(user: User, days, start, end) -> None:
    """A user's working days and hours. A value equal to the app's default, where the user
    has none of their own, stays the default (None): saving the profile's form as it was
    shown changes nothing, and a later change of the defaults still reaches them."""
    defaults = Defaults.from_config(current_app.config)
    if days is not None:
        days = sorted(set(days))
        if not (user.work_days is None and days == sorted(set(defaults.days))):
            user.work_days = days
    for field, value, default in (
        ("work_start", start, defaults.start),
        ("work_end", end, defaults.end),
    ):
        if value is not None:
            if not (getattr(user, field) is None and value == default):
                setattr(user, field, value or None)


def set_active(actor, user: User, active: bool) -> list:
    """Deactivate (ending their sessions) or reactivate a user; they keep their history.

    Returns what the actor must do next, as the domains above answer `user_deactivated`
    (a sponsor's accounts to reassign): a list of `signals.FollowUp`.
    """
    if actor.id == user.id and not active:
        raise DomainError(_l("You cannot deactivate yourself."))
    if user.active != active:
        user.active = active
        if not active:
            user.end_sessions()
        audit.record(
            actor,
            "user",
            user.id,
            "update",
            changes={"active": [not active, active]},
            summary=user.email,
        )
        db.session.flush()
    if active:
        return []
    return signals.answers(signals.user_deactivated.send(user, actor=actor))


def active_users(*roles: Role, columns=()) -> list:
    """The active users holding any of the roles, by name: User rows, or only the given
    `columns` (e.g. `User.id, User.name` for a picker) as rows."""
    stmt = (
        sa.select(*(columns or (User,)))
        .where(User.active.is_(True), User.role_rows.any(UserRole.role.in_(roles)))
        .order_by(User.name)
    )
    return list(db.session.execute(stmt) if columns else db.session.scalars(stmt))


def user_choices(*roles: Role) -> list[tuple[str, str]]:
    """(id, name) choices of a user picker: the active users holding any of the roles, by
    name. The active users are read once per request, whatever the pickers of the page."""
    wanted = set(roles)
    return [(str(i), name) for i, name, held in _active_users_with_roles() if held & wanted]


def _active_users_with_roles() -> list[tuple[int, str, set[Role]]]:
    def read():
        rows = db.session.execute(
            sa.select(User.id, User.name, UserRole.role)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True))
            .order_by(User.name, User.id)
        )
        users: dict[int, tuple[int, str, set[Role]]] = {}
        for user_id, name, role in rows:
            users.setdefault(user_id, (user_id, name, set()))[2].add(role)
        return list(users.values())

    return request_memo.kept("active users with roles", read)
