"""Who covers for a person on leave.

When an escalation's owner, or the receiver of a handoff, is on leave (their profile's dates,
in their zone), the escalation page and the handoff form say until when and suggest a cover:
an active user sharing a role with them who is not on leave, the one owning the fewest open
escalations first. A warning only: a handoff to someone on leave still goes through.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from app.auth.models import User, UserRole
from app.escalations.models import OPEN_STATUSES, Escalation
from app.extensions import db
from app.notifications.working_hours import Defaults, hours_of, on_leave

# Candidates read in the one query; those whose leave covers today in their own zone (which
# SQL cannot tell apart near midnight) are passed over in Python.
CANDIDATES = 5


@dataclass(frozen=True)
class Absence:
    """A person on leave: until when (inclusive, their local date), and who could cover."""

    person: User
    until: date | None
    cover: User | None

    def notice(self) -> str:
        """What the page says, in the reader's language."""
        if self.until is None:
            away = _("%(name)s is on leave.", name=self.person.name)
        else:
            away = _(
                "%(name)s is on leave until %(date)s.",
                name=self.person.name,
                date=format_date(self.until, "medium"),
            )
        if self.cover is None:
            return away
        suggestion = _("Suggested cover: %(name)s.", name=self.cover.name)
        return f"{away} {suggestion}"


def absence(person: User | None, now: datetime) -> Absence | None:
    """The person's absence when they are on leave at `now`, with a suggested cover; None
    when they are at work (no query then)."""
    if person is None:
        return None
    defaults = Defaults.from_config(current_app.config)
    if not on_leave(hours_of(person, defaults), now):
        return None
    return Absence(person, person.leave_ends, suggest_cover(person, now, defaults))


def suggest_cover(person: User, now: datetime, defaults: Defaults) -> User | None:
    """An active user with a role of the person's who is not on leave at `now`, the one
    owning the fewest open escalations first (then by name): one query."""
    roles = sa.select(UserRole.role).where(UserRole.user_id == person.id)
    # Today in any zone falls within a day of today in UTC: leave covering all three days
    # is leave today wherever the candidate is.
    today = now.date()
    earliest, latest = today - timedelta(days=1), today + timedelta(days=1)
    surely_away = sa.and_(
        sa.or_(User.leave_starts.is_not(None), User.leave_ends.is_not(None)),
        sa.or_(User.leave_starts.is_(None), User.leave_starts <= earliest),
        sa.or_(User.leave_ends.is_(None), User.leave_ends >= latest),
    )
    open_owned = (
        sa.select(sa.func.count(Escalation.id))
        .where(Escalation.owner_id == User.id, Escalation.status.in_(OPEN_STATUSES))
        .correlate(User)
        .scalar_subquery()
    )
    stmt = (
        sa.select(User)
        .where(
            User.active.is_(True),
            User.id != person.id,
            User.role_rows.any(UserRole.role.in_(roles)),
            sa.not_(surely_away),
        )
        .order_by(open_owned, User.name, User.id)
        .limit(CANDIDATES)
    )
    for candidate in db.session.scalars(stmt):
        if not on_leave(hours_of(candidate, defaults), now):
            return candidate
    return None
