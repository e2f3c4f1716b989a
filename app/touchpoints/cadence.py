"""A sponsorship's touchpoint cadence: which cadence applies (the sponsorship's own, else the
program's default for the account's tier), the planned touchpoints it generates over a rolling
horizon, moving them when the cadence changes, and whether a sponsorship is behind it.

Slots: a cadence of N months puts slots at `started_on + k*N months` (k >= 1, day clamped to
the month's end: Jan 31 + 1 month = Feb 28/29); the start itself is the kick-off, not a slot.
Slots within [today, today + horizon] not yet begun become planned touchpoints, at 10:00 in
the sponsor's time zone (else the app's), our attendees the sponsor and the account's CSM. The
database refuses a second touchpoint for the same (sponsorship, cadence kind, slot date)
(uq_touchpoints_cadence_slot), so generating twice, or two schedulers at once, makes nothing
new: rows go in with INSERT ... ON CONFLICT DO NOTHING. (Each batch first reads the slots
already taken, only so that a daily run does not send the thousands of rows already there;
the unique key, not that read, keeps duplicates out.)

Sponsorships in the program (active, or in exit review: still sponsored until someone ends
it, and flagged when behind its cadence) get generated touchpoints; one that left the program
(exited, declined) loses its untouched future generated touchpoints.

Generated touchpoints are bulk rows: no account timeline row and no audit row each (thousands
a night on a big book); one audit event per run says how many were made and removed. A
touchpoint enters the timeline when a person completes, cancels or misses it. Their title is
left empty: pages show the kind's label in the reader's language.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from app.accounts.models import Account
from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.formatting import ACTION_LABELS, zone_or_default
from app.i18n import lazy_gettext as _l
from app.models import utcnow
from app.sponsorship.models import IN_PROGRAM, ProgramSettings, Sponsorship, SponsorshipStatus
from app.sponsorship.services import add_months, program
from app.touchpoints.models import (
    CADENCE_KINDS,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    new_uid,
    touchpoint_executives,
)

# Query parameters per IN (...) list: well under SQLite's and PostgreSQL's limits.
BATCH = 500
BEHIND = _l("Cadence behind")
# One audit event per run that made or removed touchpoints (none per generated touchpoint).
AUDIT_ENTITY = "touchpoint_cadence"
# The audit action of a sponsorship's cadence change (app/sponsorship/services.set_cadence)
# and of a run of the cadence.
ACTION_LABELS.update({"cadence": _l("Cadence changed")})


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def months_by_kind(cadence: dict | None) -> dict[str, int]:
    """Only the kinds a cadence generates, with a positive number of months."""
    clean = {}
    for kind in CADENCE_KINDS:
        try:
            months = int((cadence or {}).get(kind.value) or 0)
        except (TypeError, ValueError):
            months = 0
        if months > 0:
            clean[kind.value] = months
    return clean


def effective_cadence(sponsorship: Sponsorship, settings: ProgramSettings) -> dict[str, int]:
    """{kind value: months} of the sponsorship: its own cadence, else its tier's default."""
    if sponsorship.cadence is not None:
        return months_by_kind(sponsorship.cadence)
    by_tier = settings.cadence_by_tier or {}
    return months_by_kind(by_tier.get(sponsorship.account.tier.value))


# Behind the cadence -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CadenceStatus:
    """Whether a sponsorship keeps its cadence. `state`: "on_track", "behind" or "none" (no
    cadence, or not in the program); `interval_months`: the shortest interval of its cadence
    (0 for none); `last_completed`: when the account's latest completed touchpoint began."""

    state: str
    interval_months: int
    last_completed: datetime | None

    @property
    def behind(self) -> bool:
        return self.state == "behind"


def last_completed_by_account(account_ids) -> dict[int, datetime]:
    """When each account's latest completed touchpoint began (one query per 500 accounts)."""
    latest = {}
    for batch in _batches(sorted(set(account_ids))):
        rows = db.session.execute(
            sa.select(Touchpoint.account_id, sa.func.max(Touchpoint.starts_at))
            .where(
                Touchpoint.account_id.in_(batch),
                Touchpoint.status == TouchpointStatus.COMPLETED,
            )
            .group_by(Touchpoint.account_id)
        )
        latest.update({account_id: at for account_id, at in rows})
    return latest


def cadence_status(
    sponsorships, today: date, settings: ProgramSettings | None = None
) -> dict[int, CadenceStatus]:
    """{sponsorship id: CadenceStatus} for sponsorships in the program (active or in exit
    review). Behind: it has a cadence and no completed touchpoint on its account began within
    its shortest interval before today; a sponsorship younger than that interval is on track.
    One query (plus the program settings) for any number of sponsorships below 500 accounts."""
    sponsorships = list(sponsorships)
    settings = settings or program()
    in_program = {s.id: s.account_id for s in sponsorships if s.status in IN_PROGRAM}
    latest = last_completed_by_account(in_program.values()) if in_program else {}
    zone = zone_or_default(None)
    found = {}
    for sponsorship in sponsorships:
        last = latest.get(sponsorship.account_id)
        cadence = effective_cadence(sponsorship, settings) if sponsorship.id in in_program else {}
        if not cadence:
            found[sponsorship.id] = CadenceStatus("none", 0, last)
            continue
        interval = min(cadence.values())
        since = add_months(today, -interval)
        started = sponsorship.started_on
        recent = last is not None and last >= datetime.combine(since, time(), zone)
        young = started is not None and started > since
        state = "on_track" if recent or young else "behind"
        found[sponsorship.id] = CadenceStatus(state, interval, last)
    return found


# Generating the planned touchpoints ---------------------------------------------------------

HORIZON_DAYS = 90
SLOT_HOUR = time(10)
DURATION = {"executive_call": 60, "business_review": 90}

sponsor = aliased(User)
csm = aliased(User)


@dataclass(frozen=True)
class _Plan:
    """What generating needs of one sponsorship, read in one query for many."""

    id: int
    account_id: int
    status: SponsorshipStatus
    started_on: date | None
    cadence: dict | None
    tier: str
    sponsor_id: int | None
    sponsor_active: bool
    sponsor_zone: str | None
    csm_id: int | None
    csm_active: bool


def _plans(ids: list[int] | None) -> list[_Plan]:
    """The sponsorships to plan: the given ids (any status), else every one in the program."""
    stmt = (
        sa.select(
            Sponsorship.id,
            Sponsorship.account_id,
            Sponsorship.status,
            Sponsorship.started_on,
            Sponsorship.cadence,
            Account.tier,
            Sponsorship.sponsor_id,
            sa.func.coalesce(sponsor.active, False),
            sponsor.timezone,
            Account.csm_owner_id,
            sa.func.coalesce(csm.active, False),
        )
        .join(Account, Account.id == Sponsorship.account_id)
        .outerjoin(sponsor, sponsor.id == Sponsorship.sponsor_id)
        .outerjoin(csm, csm.id == Account.csm_owner_id)
        .order_by(Sponsorship.id)
    )
    if ids is None:
        stmt = stmt.where(Sponsorship.status.in_(IN_PROGRAM))
    else:
        stmt = stmt.where(Sponsorship.id.in_(ids))
    return [
        _Plan(r[0], r[1], r[2], r[3], r[4], r[5].value, r[6], bool(r[7]), r[8], r[9], bool(r[10]))
        for r in db.session.execute(stmt)
    ]


def _cadence_of(plan: _Plan, settings: ProgramSettings) -> dict[str, int]:
    if plan.status not in IN_PROGRAM or plan.started_on is None:
        return {}
    if plan.cadence is not None:
        return months_by_kind(plan.cadence)
    return months_by_kind((settings.cadence_by_tier or {}).get(plan.tier))


def slots(started_on: date, months: int, first: date, last: date) -> list[date]:
    """The slot dates in [first, last] of a cadence every `months` months from `started_on`
    (each counted from the start, so Jan 31 gives Feb 28, Mar 31, Apr 30...)."""
    elapsed = (first.year - started_on.year) * 12 + first.month - started_on.month
    k = max(1, elapsed // months - 1)
    found = []
    while (slot := add_months(started_on, k * months)) <= last:
        if slot >= first:
            found.append(slot)
        k += 1
    return found


def _expected(plan: _Plan, settings, today: date, horizon_days: int, now: datetime) -> list:
    """(kind, slot, starts_at, zone name) of the touchpoints the cadence wants ahead of now."""
    cadence = _cadence_of(plan, settings)
    if not cadence:
        return []
    zone = zone_or_default(plan.sponsor_zone)
    wanted = []
    for kind, months in cadence.items():
        for slot in slots(plan.started_on, months, today, today + timedelta(days=horizon_days)):
            starts_at = datetime.combine(slot, SLOT_HOUR, zone).astimezone(UTC)
            if starts_at > now:
                wanted.append((kind, slot, starts_at, zone.key))
    return wanted


ROWS_PER_INSERT = 250
# The same for every generated touchpoint: written into the statement, not sent with each row
# (a thousand rows of parameters cost the driver more than the database).
CONSTANT_COLUMNS = {
    "status": sa.literal_column(f"'{TouchpointStatus.PLANNED.value}'"),
    "title": sa.literal_column("''"),
    "agenda": sa.literal_column("''"),
    "outcome": sa.literal_column("''"),
    "cancel_reason": sa.literal_column("''"),
    "hand_edited": sa.false(),
    "sequence": sa.literal_column("0"),
    "version": sa.literal_column("1"),
}


def _insert(rows: list[dict]):
    """INSERT ... ON CONFLICT (sponsorship, kind, slot) DO NOTHING RETURNING the new rows.

    One statement compiled once and sent with many parameter sets: SQLAlchemy's
    "insertmanyvalues" makes it multi-row INSERTs of ROWS_PER_INSERT rows each (250 ran
    faster than its default 1,000 on PostgreSQL, whose driver parses every placeholder of
    each statement), within each database's parameter limit."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Touchpoint.__table__)
        .values(**CONSTANT_COLUMNS)
        .on_conflict_do_nothing(index_elements=["sponsorship_id", "cadence_key", "cadence_slot"])
        .returning(Touchpoint.__table__.c.id, Touchpoint.__table__.c.sponsorship_id)
    )
    stmt = stmt.execution_options(insertmanyvalues_page_size=ROWS_PER_INSERT)
    return db.session.execute(stmt, rows).all()


def _taken(plans: list[_Plan], first: date, last: date) -> set[tuple]:
    """(sponsorship, kind, slot) of the slots in [first, last] that already have a touchpoint."""
    rows = db.session.execute(
        sa.select(Touchpoint.sponsorship_id, Touchpoint.cadence_key, Touchpoint.cadence_slot).where(
            Touchpoint.sponsorship_id.in_([plan.id for plan in plans]),
            Touchpoint.cadence_slot.between(first, last),
        )
    )
    return {tuple(row) for row in rows}


def _generate(plans: list[_Plan], settings, today, horizon_days, now) -> int:
    """One batch: one read of the slots already taken, one INSERT of the touchpoints, one of
    their attendees.

    The read only spares sending the rows a daily run finds already there (nearly all of
    them); the unique key decides: a row inserted meanwhile by another run is skipped by
    ON CONFLICT DO NOTHING, and only the rows really inserted get attendees."""
    rows = []
    wanted = [
        (plan, expected)
        for plan in plans
        for expected in _expected(plan, settings, today, horizon_days, now)
    ]
    if not wanted:
        return 0
    taken = _taken(plans, today, today + timedelta(days=horizon_days))
    for plan, (kind, slot, starts_at, zone) in wanted:
        if (plan.id, kind, slot) not in taken:
            rows.append(
                {
                    "uid": new_uid(),
                    "account_id": plan.account_id,
                    "sponsorship_id": plan.id,
                    "kind": TouchpointKind(kind),
                    "starts_at": starts_at,
                    "timezone": zone,
                    "duration_minutes": DURATION[kind],
                    "cadence_key": kind,
                    "cadence_slot": slot,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if not rows:
        return 0
    created = _insert(rows)
    by_id = {plan.id: plan for plan in plans}
    attendees = []
    for touchpoint_id, sponsorship_id in created:
        plan = by_id[sponsorship_id]
        people = {plan.sponsor_id if plan.sponsor_active else None}
        people.add(plan.csm_id if plan.csm_active else None)
        people.discard(None)
        attendees.extend({"touchpoint_id": touchpoint_id, "user_id": u} for u in sorted(people))
    if attendees:
        db.session.execute(touchpoint_executives.insert(), attendees)
    return len(created)


def generate(
    today: date,
    horizon_days: int = HORIZON_DAYS,
    sponsorship_ids=None,
    *,
    now: datetime | None = None,
    actor=None,
) -> dict:
    """Make the planned touchpoints the cadences of sponsorships in the program (all, or those of
    `sponsorship_ids`) want within the horizon; returns {"sponsorships", "created"}. Running it
    again creates nothing. A constant number of queries per 500 sponsorships."""
    now = now or utcnow()
    settings = program()
    ids = None if sponsorship_ids is None else sorted(set(sponsorship_ids))
    plans = _plans(ids) if ids is None or ids else []
    created = 0
    for batch in _batches(plans):
        created += _generate(batch, settings, today, horizon_days, now)
    _audit(actor, created=created, sponsorships=len(plans))
    db.session.flush()
    return {"sponsorships": len(plans), "created": created}


def _audit(actor, **counts) -> None:
    """One audit event per run that changed something, not one per touchpoint."""
    if counts.get("created") or counts.get("removed"):
        changes = {name: [None, count] for name, count in counts.items()}
        audit.record(
            actor, AUDIT_ENTITY, 0, "cadence", changes=changes, summary="touchpoint cadence"
        )


def _movable(ids: list[int], now: datetime):
    """The untouched future touchpoints the cadences of these sponsorships generated."""
    return sa.select(
        Touchpoint.id, Touchpoint.sponsorship_id, Touchpoint.cadence_key, Touchpoint.cadence_slot
    ).where(
        Touchpoint.sponsorship_id.in_(ids),
        Touchpoint.status == TouchpointStatus.PLANNED,
        Touchpoint.cadence_key.is_not(None),
        Touchpoint.hand_edited.is_(False),
        Touchpoint.starts_at > now,
    )


def _delete(touchpoint_ids: list[int]) -> int:
    """Attendees, contacts and next steps go with them (ON DELETE CASCADE)."""
    for batch in _batches(touchpoint_ids):
        db.session.execute(sa.delete(Touchpoint).where(Touchpoint.id.in_(batch)))
    return len(touchpoint_ids)


def replan(sponsorship_ids, today: date, *, now: datetime | None = None, actor=None) -> dict:
    """After a cadence change: remove the untouched future generated touchpoints the new
    cadence no longer wants, then generate what it wants. Completed, cancelled, missed and
    hand-edited touchpoints, and those already begun, never move. Returns {"removed",
    "created"}."""
    now = now or utcnow()
    settings = program()
    ids = sorted(set(sponsorship_ids))
    removed = created = 0
    for batch in _batches(ids):
        plans = _plans(batch)
        wanted = {
            (plan.id, kind, slot)
            for plan in plans
            for kind, slot, _at, _zone in _expected(plan, settings, today, HORIZON_DAYS, now)
        }
        stale = [
            touchpoint_id
            for touchpoint_id, sponsorship_id, kind, slot in db.session.execute(
                _movable(batch, now)
            )
            if (sponsorship_id, kind, slot) not in wanted
        ]
        removed += _delete(stale)
        created += _generate(plans, settings, today, HORIZON_DAYS, now)
    _audit(actor, created=created, removed=removed, sponsorships=len(ids))
    db.session.flush()
    return {"removed": removed, "created": created}


def remove_after_exit(now: datetime) -> int:
    """The untouched future generated touchpoints of sponsorships that left the program
    (exited or declined): nobody meets for a sponsorship that ended."""
    ended = sa.select(Sponsorship.id).where(
        Sponsorship.status.in_((SponsorshipStatus.EXITED, SponsorshipStatus.DECLINED))
    )
    stale = list(
        db.session.scalars(
            sa.select(Touchpoint.id).where(
                Touchpoint.sponsorship_id.in_(ended),
                Touchpoint.status == TouchpointStatus.PLANNED,
                Touchpoint.cadence_key.is_not(None),
                Touchpoint.hand_edited.is_(False),
                Touchpoint.starts_at > now,
            )
        )
    )
    removed = _delete(stale)
    _audit(None, removed=removed)
    return removed


def run(now: datetime, today: date) -> dict:
    """The scheduler's daily run: clear what ended sponsorships no longer need, then plan the
    next 90 days of every sponsorship in the program."""
    removed = remove_after_exit(now)
    outcome = generate(today, now=now)
    return {**outcome, "removed": removed}


# Receivers (app/subscriptions.py) --------------------------------------------------------------


def after_cadence_changed(sender, *, actor=None, today: date, now: datetime, **_) -> dict:
    """A sponsorship's own cadence, or the program's tier cadences, changed: move the untouched
    future touchpoints of the sponsorships concerned (for the program: those that follow it)."""
    if isinstance(sender, ProgramSettings):
        # "Follows the program" is a JSON null or an SQL NULL: told apart in Python.
        active = db.session.execute(
            sa.select(Sponsorship.id, Sponsorship.cadence).where(Sponsorship.status.in_(IN_PROGRAM))
        )
        ids = [sponsorship_id for sponsorship_id, own in active if own is None]
    else:
        ids = [sender.id]
    return replan(ids, today, now=now, actor=actor)


def flags_of(sponsorships, *, today: date, **_) -> dict[int, list]:
    """The "Cadence behind" flag of the sponsorships a page of the program lists."""
    found = cadence_status(sponsorships, today)
    return {sid: [BEHIND] for sid, status in found.items() if status.behind}
