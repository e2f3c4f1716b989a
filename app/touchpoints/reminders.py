"""Reminders the scheduler sends: a planned touchpoint 3 days and 1 day before it begins, to
our attendees and the account's CSM; a next step past its due date, once, to its owner.

Each reminder is claimed first with one conditional UPDATE (`reminded_... IS NULL`, RETURNING
the ids), then sent to those ids only, in the same transaction: a second run, or a second
process racing this one, finds nothing left to claim. The UPDATE goes around the ORM so the
touchpoint's version does not change: someone editing it meanwhile is not told it changed.

Notifications store their parameters as text; the time of a touchpoint is written for each
recipient in their own time zone (User.timezone, else the app's), as "YYYY-MM-DD HH:MM Zone",
which reads the same in every language.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Account
from app.extensions import db
from app.formatting import local_today, zone_or_default
from app.i18n import with_params
from app.notifications.services import notify
from app.touchpoints.cadence import BATCH
from app.touchpoints.labels import TOUCHPOINT_KIND_LABELS
from app.touchpoints.models import ActionItem, Touchpoint, TouchpointStatus
from app.touchpoints.services import NOTICES

touchpoints = Touchpoint.__table__
action_items = ActionItem.__table__


def _claim(table, column, condition, now: datetime) -> list[int]:
    """Mark the rows reminded now and return their ids (only rows not reminded yet)."""
    stmt = (
        sa.update(table)
        .where(condition, table.c[column].is_(None))
        .values({column: now})
        .returning(table.c.id)
    )
    return sorted(db.session.scalars(stmt))


def _claim_touchpoints(column: str, start: datetime, end: datetime, now: datetime) -> list[int]:
    condition = sa.and_(
        touchpoints.c.status == TouchpointStatus.PLANNED,
        touchpoints.c.starts_at > start,
        touchpoints.c.starts_at <= end,
    )
    return _claim(touchpoints, column, condition, now)


def when_for(user, moment: datetime) -> str:
    """The moment in the user's time zone: '2025-03-14 10:00 Asia/Tokyo'."""
    zone = zone_or_default(user.timezone)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def _remind(touchpoint_ids: list[int]) -> int:
    """Tell our attendees and the account's CSM, each with the time in their own zone."""
    sent = 0
    for batch in [touchpoint_ids[i : i + BATCH] for i in range(0, len(touchpoint_ids), BATCH)]:
        stmt = (
            sa.select(Touchpoint)
            .where(Touchpoint.id.in_(batch))
            .options(
                selectinload(Touchpoint.executives),
                joinedload(Touchpoint.account).joinedload(Account.csm_owner),
            )
            .order_by(Touchpoint.id)
        )
        for touchpoint in db.session.scalars(stmt):
            people = [*touchpoint.executives, touchpoint.account.csm_owner]
            by_when = defaultdict(list)
            for person in people:
                if person is not None:
                    by_when[when_for(person, touchpoint.starts_at)].append(person)
            for when, recipients in by_when.items():
                notice = with_params(
                    NOTICES["touchpoint_reminder"],
                    kind=TOUCHPOINT_KIND_LABELS[touchpoint.kind],
                    account=touchpoint.account.name,
                    when=when,
                )
                sent += notify(
                    recipients,
                    kind="touchpoint_reminder",
                    subject=notice,
                    link=f"/touchpoints/{touchpoint.id}",
                )
    return sent


def _remind_overdue_items(today: date, now: datetime) -> tuple[int, int]:
    """Each open next step past its due date: its owner, once. (items, notifications)"""
    condition = sa.and_(action_items.c.done_at.is_(None), action_items.c.due_on < today)
    ids = _claim(action_items, "reminded_at", condition, now)
    sent = 0
    for batch in [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]:
        stmt = (
            sa.select(ActionItem)
            .where(ActionItem.id.in_(batch))
            .options(joinedload(ActionItem.owner))
            .order_by(ActionItem.id)
        )
        for item in db.session.scalars(stmt):
            notice = with_params(
                NOTICES["action_item_overdue"], due=item.due_on.isoformat(), text=item.text
            )
            sent += notify(
                [item.owner],
                kind="action_item_overdue",
                subject=notice,
                link=f"/touchpoints/{item.touchpoint_id}",
            )
    return len(ids), sent


def send_reminders(now: datetime) -> dict:
    """Every reminder due at `now`; running it again sends nothing. Returns the counts of
    touchpoints reminded 1 day and 3 days ahead, of next steps, and of notifications."""
    # The 1-day window first: a touchpoint 20 hours ahead gets that reminder only.
    one_day = _claim_touchpoints("reminded_1d_at", now, now + timedelta(days=1), now)
    three_days = _claim_touchpoints(
        "reminded_3d_at", now + timedelta(days=1), now + timedelta(days=3), now
    )
    notified = _remind(one_day) + _remind(three_days)
    items, told = _remind_overdue_items(local_today(now), now)
    db.session.flush()
    return {
        "touchpoints_1d": len(one_day),
        "touchpoints_3d": len(three_days),
        "next_steps": items,
        "notifications": notified + told,
    }
