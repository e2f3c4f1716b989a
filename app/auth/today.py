"""The admin's sign-in block of the Today page (signals.today_page_sections): users whose
sign-in is locked now, after too many failed attempts from one address within the lock
window (app/auth/services.authenticate). One query for the count and one for the rows."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from app.auth.models import LoginAttempt, Role, User
from app.extensions import db
from app.main.today import ADMIN, ROWS, Block, Link, capped_count, section

TEMPLATE = "today/auth.html"


def _locked_out(now: datetime) -> Block:
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    locks = (
        sa.select(LoginAttempt.email, sa.func.max(LoginAttempt.attempted_at).label("last"))
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= now - window)
        .group_by(LoginAttempt.email, LoginAttempt.ip_address)
        .having(sa.func.count(LoginAttempt.id) >= config["LOGIN_MAX_FAILURES"])
        .subquery()
    )
    stmt = (
        sa.select(User, sa.func.max(locks.c.last))
        .join(locks, locks.c.email == User.email)
        .group_by(User.id)
    )
    rows = db.session.execute(stmt.order_by(sa.func.max(locks.c.last).desc()).limit(ROWS))
    return Block(
        "locked-out",
        _("Users locked out of signing in"),
        capped_count(stmt),
        [(user, last + window) for user, last in rows],
        [Link(_("See users"), url_for("auth.list_users"))],
        _("Nobody is locked out: no repeated failed sign-ins."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """Admins, who can help a locked-out colleague, see who is locked out."""
    if not viewer.has_role(Role.ADMIN):
        return []
    return [section(TEMPLATE, _locked_out(now), ADMIN + 1, now=now)]
