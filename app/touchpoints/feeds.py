"""Each user's private calendar feed: a random token in the feed's address, of which only the
SHA-256 is stored. Issuing again replaces the token (the old address stops working); revoking
deletes it. Services flush, never commit."""

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa

from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.formatting import ACTION_LABELS
from app.i18n import lazy_gettext as _l
from app.models import utcnow
from app.touchpoints.models import CalendarFeed

# Audit actions (on the user; at most 20 characters, the column's width).
ACTION_LABELS.update(
    {
        "feed_issued": _l("Calendar feed address issued"),
        "feed_revoked": _l("Calendar feed revoked"),
    }
)
# What secrets.token_urlsafe(32) makes: 43 characters of the URL-safe base64 alphabet.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# The last use is written at most this often: calendar applications poll every few minutes.
USE_RECORDED_EVERY = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user) -> CalendarFeed | None:
    """The user's feed, if they have one."""
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue(user) -> str:
    """A new feed token for the user, replacing any earlier one; returned once, never stored."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    feed.last_used_at = None
    audit.record(user, "user", user.id, "feed_issued", summary=user.email)
    db.session.flush()
    return token


def revoke(user) -> bool:
    """Delete the user's feed: its address answers 404 from now on. False if there was none."""
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    audit.record(user, "user", user.id, "feed_revoked", summary=user.email)
    db.session.flush()
    return True


def user_for(token: str) -> User | None:
    """The active user whose feed the token opens, or None (unknown, revoked, deactivated).

    The token is looked up by its hash through the unique index, so the comparison never
    touches the token itself; the last use is recorded at most once an hour."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    row = db.session.execute(
        sa.select(User, CalendarFeed.id, CalendarFeed.last_used_at)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == token_hash(token), User.active.is_(True))
    ).one_or_none()
    if row is None:
        return None
    user, feed_id, last_used_at = row
    now = utcnow()
    if last_used_at is None or now - last_used_at > USE_RECORDED_EVERY:
        db.session.execute(
            sa.update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_used_at=now)
        )
    return user
