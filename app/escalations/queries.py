"""Reading escalations: the list with its saved views and filters, all in SQL; one
escalation's page; the accounts a user may raise on; reply template texts."""

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from app import pagination
from app.accounts.models import Account
from app.auth.models import Role
from app.escalations.labels import SAVED_VIEWS
from app.escalations.models import (
    OPEN_STATUSES,
    ClockKind,
    CustomerUpdate,
    Escalation,
    EscalationNote,
    Handoff,
    Level,
    Pause,
    ReplyTemplate,
    Severity,
    SlaClock,
    Status,
    WidespreadIssue,
    escalation_watchers,
    widespread_accounts,
)
from app.extensions import db
from app.models import UTCDateTime, contains

# What a list row shows besides the escalation itself.
LIST_OPTIONS = (
    joinedload(Escalation.account),
    joinedload(Escalation.owner),
    selectinload(Escalation.tag_rows),
)
SORTS = ("newest", "oldest", "severity", "update_due")
SEVERITY_ORDER = sa.case({s.value: i for i, s in enumerate(Severity)}, value=Escalation.severity)


@dataclass
class EscalationFilters:
    view: str = "open"
    q: str = ""
    severity: str = ""
    level: str = ""
    status: str = ""
    account_id: int | None = None
    sort: str = "newest"

    @classmethod
    def from_args(cls, args) -> "EscalationFilters":
        f = cls(
            view=args.get("view") or "open",
            q=(args.get("q") or "").strip()[:100],
            severity=args.get("severity") or "",
            level=args.get("level") or "",
            status=args.get("status") or "",
            account_id=args.get("account_id", type=int),
            sort=args.get("sort") or "newest",
        )
        if f.view not in SAVED_VIEWS:
            f.view = "open"
        if f.severity not in {s.value for s in Severity}:
            f.severity = ""
        if f.level not in {lv.value for lv in Level}:
            f.level = ""
        if f.status not in {s.value for s in Status}:
            f.status = ""
        if f.sort not in SORTS:
            f.sort = "newest"
        return f

    def as_args(self, **overrides) -> dict:
        values = {
            "view": self.view,
            "q": self.q,
            "severity": self.severity,
            "level": self.level,
            "status": self.status,
            "account_id": self.account_id,
            "sort": self.sort,
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v}


def _running_clock(*conditions):
    return sa.exists().where(
        SlaClock.escalation_id == Escalation.id, SlaClock.stopped_at.is_(None), *conditions
    )


def _running_clocks(*conditions):
    return sa.select(SlaClock.escalation_id).where(SlaClock.stopped_at.is_(None), *conditions)


# The saved views that are sets of running clocks: the clocks' condition.
def _clock_condition(view: str, now: datetime, clock=SlaClock):
    if view == "at_risk":
        return sa.and_(clock.warn_at <= now, clock.breached_at.is_(None))
    return clock.breached_at.is_not(None)


CLOCK_VIEWS = ("at_risk", "breached")


def filtered_escalations(filters: EscalationFilters, user, now: datetime, many_clocks=False):
    """The select for the escalation list: saved view, filters and sorting in SQL.

    The clock views (at risk, breached) select from the running clocks' partial indexes: the
    few clocks at risk are found first, not tested once per open escalation. When they are
    many (`many_clocks`: the view's capped count said so), the list tests each escalation in
    the list's own order instead and stops at the page: finding and sorting ten thousand
    clocks at risk cost the "at risk" page 40-50 ms of PostgreSQL time on the bench book (its
    planner estimated 1,500), a per-row test of the newest escalations well under one."""
    stmt = sa.select(Escalation)
    open_only = Escalation.status.in_(OPEN_STATUSES)
    view = filters.view
    if view == "mine":
        watching = sa.exists().where(
            escalation_watchers.c.escalation_id == Escalation.id,
            escalation_watchers.c.user_id == user.id,
        )
        stmt = stmt.where(open_only, sa.or_(Escalation.owner_id == user.id, watching))
    elif view == "open":
        stmt = stmt.where(open_only)
    elif view == "executive":
        stmt = stmt.where(open_only, Escalation.executive.is_(True))
    elif view in CLOCK_VIEWS and many_clocks:
        # A scalar subquery, so neither database turns it into a join over every clock.
        clock = aliased(SlaClock)
        first_clock = (
            sa.select(clock.id)
            .where(
                clock.escalation_id == Escalation.id,
                clock.stopped_at.is_(None),
                _clock_condition(view, now, clock),
            )
            .limit(1)
            .scalar_subquery()
        )
        stmt = stmt.where(open_only, first_clock.is_not(None))
    elif view in CLOCK_VIEWS:
        stmt = stmt.where(
            open_only, Escalation.id.in_(_running_clocks(_clock_condition(view, now)))
        )
    elif view == "handoffs":
        # IN rather than a correlated EXISTS: SQLite would test every escalation.
        waiting = sa.select(Handoff.escalation_id).where(Handoff.acknowledged_at.is_(None))
        stmt = stmt.where(Escalation.id.in_(waiting))
    if filters.q:
        stmt = stmt.where(contains(Escalation.title, filters.q))
    if filters.severity:
        stmt = stmt.where(Escalation.severity == Severity(filters.severity))
    if filters.level:
        stmt = stmt.where(Escalation.level == Level(filters.level))
    if filters.status:
        stmt = stmt.where(Escalation.status == Status(filters.status))
    if filters.account_id:
        stmt = stmt.where(Escalation.account_id == filters.account_id)
    order = {
        "newest": (Escalation.created_at.desc(),),
        "oldest": (Escalation.created_at.asc(),),
        "severity": (SEVERITY_ORDER, Escalation.created_at.desc()),
        "update_due": (Escalation.next_update_due_at.asc().nulls_last(),),
    }[filters.sort]
    return stmt.order_by(*order, Escalation.id.desc())


# Saved-view tabs count at most this many escalations each; above it they show "99+".
TAB_COUNT_CAP = 99
# The list's total is counted up to this many ("1,000+"), and its pages end there.
LIST_COUNT_CAP = pagination.LIST_COUNT_CAP


def view_counts(filters: EscalationFilters, user, now: datetime) -> dict[str, int]:
    """How many escalations each saved view holds with the other filters kept, each counted
    only up to TAB_COUNT_CAP + 1 rows (an index walk that stops early), all in one query."""
    key = (filters.q, filters.severity, filters.level, filters.status, filters.account_id)
    stmt = _view_counts_statement(key, TAB_COUNT_CAP)
    return dict(db.session.execute(stmt, {"viewer_id": user.id, "now": now}).one()._mapping)


# The viewer and the time as parameters of a statement built once: see _view_counts_statement.
_VIEWER = SimpleNamespace(id=sa.bindparam("viewer_id", type_=sa.Integer))
_NOW = sa.bindparam("now", type_=UTCDateTime())


@lru_cache(maxsize=256)
def _view_counts_statement(key: tuple, cap: int) -> sa.Select:
    """The seven counts' statement for one set of filters, the viewer and the time left as
    parameters. Building it (seven filtered selects) and letting SQLAlchemy find its compiled
    form took 10 ms of Python per list request on the bench book, more than running it; built
    once per set of filters and process, a request only runs it."""
    q, severity, level, status, account_id = key
    filters = EscalationFilters(
        q=q, severity=severity, level=level, status=status, account_id=account_id
    )
    counts = []
    for view in SAVED_VIEWS:
        if view in CLOCK_VIEWS:
            count = clock_view_count(replace(filters, view=view), _VIEWER, _NOW, cap)
        elif view == "mine":
            count = mine_view_count(filters, _VIEWER, _NOW, cap)
        else:
            ids = (
                filtered_escalations(replace(filters, view=view), _VIEWER, _NOW)
                .order_by(None)
                .with_only_columns(Escalation.id)
                .limit(cap + 1)
                .subquery()
            )
            count = sa.select(sa.func.count()).select_from(ids)
        counts.append(count.scalar_subquery().label(view))
    return sa.select(*counts)


def view_count(filters: EscalationFilters, user, now: datetime, cap: int) -> sa.Select | None:
    """A cheaper select than the view's own for counting it up to cap + 1, or None."""
    if filters.view in CLOCK_VIEWS:
        return clock_view_count(filters, user, now, cap)
    if filters.view == "mine":
        return mine_view_count(filters, user, now, cap)
    return None


def clock_view_count(filters: EscalationFilters, user, now: datetime, cap: int) -> sa.Select:
    """The select counting a clock view's escalations up to cap + 1, walking the running
    clocks' partial index and stopping early: an escalation runs at most one clock of each
    kind, so (cap + 1) x kinds clocks hold more than cap escalations. Counting the view's own
    select would collect every clock at risk before counting (13 ms on the bench book).

    With no filter beside the view, the clocks are first counted alone, and tested against
    their escalations (open, as the list shows them) only when they are no more than `cap`:
    a running clock is an open escalation's (resolving stops them all), so many clocks are
    many escalations. Testing 4,004 clocks' escalations cost the "at risk" page's count 15 ms
    on the bench book; counting the clocks alone, 1.3 ms."""
    clock = aliased(SlaClock)  # the filters may hold their own subqueries over sla_clocks
    running = sa.select(clock.escalation_id).where(
        clock.stopped_at.is_(None), _clock_condition(filters.view, now, clock)
    )
    others = filtered_escalations(replace(filters, view="open"), user, now).whereclause
    counted = _capped_distinct(
        running.join(Escalation, Escalation.id == clock.escalation_id).where(others), cap
    )
    if replace(filters, view="open", sort="newest") != EscalationFilters():
        return counted
    alone = _capped_distinct(running, cap).scalar_subquery()
    # Each side is an uncorrelated subquery: the database runs the second only when asked.
    return sa.select(sa.case((alone > cap, cap + 1), else_=counted.scalar_subquery()))


def mine_view_count(filters: EscalationFilters, user, now: datetime, cap: int) -> sa.Select:
    """The select counting "mine" (open escalations the user owns or watches, with the other
    filters) up to cap + 1: those owned, an index walk on (owner, status) that stops at the
    cap, then, only when they are fewer, the watched ones someone else owns. The view's own
    select tests owner-or-watcher row by row: a busy CSM's count walked 3,153 open
    escalations, 6.3 ms on the bench book."""
    others = filtered_escalations(replace(filters, view="open"), user, now).whereclause
    owned = sa.select(Escalation.id).where(Escalation.owner_id == user.id, others)
    watched = (
        sa.select(Escalation.id)
        .join(escalation_watchers, escalation_watchers.c.escalation_id == Escalation.id)
        .where(
            escalation_watchers.c.user_id == user.id,
            Escalation.owner_id.is_distinct_from(user.id),
            others,
        )
    )
    owned_count, watched_count = (
        sa.select(sa.func.count()).select_from(part.limit(cap + 1).subquery()).scalar_subquery()
        for part in (owned, watched)
    )
    # Each side is an uncorrelated subquery: the database runs the second only when asked.
    return sa.select(sa.case((owned_count > cap, cap + 1), else_=owned_count + watched_count))


def _capped_distinct(clocks: sa.Select, cap: int) -> sa.Select:
    """How many escalations the clocks of `clocks` belong to, up to cap + 1."""
    limit = (cap + 1) * len(ClockKind)
    found = clocks.limit(limit).subquery()
    distinct = sa.func.count(sa.distinct(found.c.escalation_id))
    return sa.select(sa.case((sa.func.count() >= limit, cap + 1), else_=distinct)).select_from(
        found
    )


@dataclass(frozen=True)
class RowClock:
    """A list row's nearest running clock, from its stored due time."""

    state: str  # running, warning (at risk), breached, paused
    kind: ClockKind | None = None
    due_at: datetime | None = None
    minutes: int = 0  # whole minutes left, or past the due time when breached


def row_clocks(escalations: list[Escalation], now: datetime) -> dict[int, RowClock]:
    """Each listed escalation's nearest running clock relative to `now`, in one query for the
    page; escalations without a running clock are left out."""
    if not escalations:
        return {}
    rows = db.session.execute(
        sa.select(
            SlaClock.escalation_id,
            SlaClock.kind,
            SlaClock.due_at,
            SlaClock.warn_at,
            SlaClock.breached_at,
        ).where(
            SlaClock.escalation_id.in_([e.id for e in escalations]),
            SlaClock.stopped_at.is_(None),
        )
    ).all()
    nearest, paused = {}, set()
    for row in rows:
        if row.due_at is None:  # a paused clock has no due time
            paused.add(row.escalation_id)
        elif row.escalation_id not in nearest or row.due_at < nearest[row.escalation_id].due_at:
            nearest[row.escalation_id] = row
    shown = {}
    for escalation in escalations:
        row = nearest.get(escalation.id)
        waiting = escalation.status == Status.WAITING_ON_CUSTOMER
        if waiting or (row is None and escalation.id in paused):
            shown[escalation.id] = RowClock("paused")
        elif row is not None:
            shown[escalation.id] = _row_clock(
                row.kind, row.due_at, row.warn_at, row.breached_at, now
            )
        elif escalation.next_update_due_at is not None and escalation.is_open:
            due = escalation.next_update_due_at
            shown[escalation.id] = _row_clock(ClockKind.CUSTOMER_UPDATE, due, None, None, now)
    return shown


def nearest_clock_first(base: sa.Select, now: datetime, limit: int) -> list[Escalation]:
    """The first `limit` escalations of `base` (a filtered select of escalations), those with
    a breached running clock first, then by the nearest due time of a running clock, then
    the rest (paused, no clock) newest first; with their accounts. Walks the running clocks
    in due order (partial indexes) and stops at `limit` escalations, so a queue of thousands
    costs what a queue of ten does; at most four statements."""
    conditions = base.whereclause if base.whereclause is not None else sa.true()
    clock = aliased(SlaClock)  # the filters may hold their own EXISTS over sla_clocks
    running = (
        sa.select(clock.escalation_id)
        .join(Escalation, Escalation.id == clock.escalation_id)
        .where(clock.stopped_at.is_(None), clock.due_at.is_not(None), conditions)
        .order_by(clock.due_at, clock.id)
        .limit(limit * len(ClockKind))  # enough rows for `limit` escalations
    )
    ids: list[int] = []
    for breached in (True, False):
        state = clock.breached_at.is_not(None) if breached else clock.breached_at.is_(None)
        for escalation_id in db.session.scalars(running.where(state)):
            if escalation_id not in ids and len(ids) < limit:
                ids.append(escalation_id)
        if len(ids) >= limit:
            break
    if len(ids) < limit:
        no_due_clock = ~_running_clock(SlaClock.due_at.is_not(None))
        rest = base.with_only_columns(Escalation.id).where(no_due_clock, Escalation.id.not_in(ids))
        rest = rest.order_by(None).order_by(Escalation.created_at.desc(), Escalation.id.desc())
        ids += db.session.scalars(rest.limit(limit - len(ids)))
    if not ids:
        return []
    rows = sa.select(Escalation).where(Escalation.id.in_(ids))
    by_id = {e.id: e for e in db.session.scalars(rows.options(joinedload(Escalation.account)))}
    return [by_id[i] for i in ids]


def _row_clock(kind, due_at, warn_at, breached_at, now) -> RowClock:
    seconds = (due_at - now).total_seconds()
    if breached_at is not None or seconds < 0:
        return RowClock("breached", kind, due_at, int(-seconds // 60) if seconds < 0 else 0)
    state = "warning" if warn_at is not None and now >= warn_at else "running"
    return RowClock(state, kind, due_at, int(seconds // 60))


def load(escalation_id: int):
    """One escalation with everything its page shows, or None."""
    stmt = (
        sa.select(Escalation)
        .where(Escalation.id == escalation_id)
        .options(
            joinedload(Escalation.account),
            joinedload(Escalation.owner),
            selectinload(Escalation.watchers),
            selectinload(Escalation.tag_rows),
            selectinload(Escalation.clocks),
        )
    )
    return db.session.scalar(stmt)


def page_records(escalation: Escalation) -> dict:
    """What an escalation's page lists: handoffs, customer updates, notes and pauses. Their
    people (each a single row) come joined in, one statement a list: a separate IN query per
    person column cost 4 more round trips on every escalation page."""
    return dict(
        handoffs=db.session.scalars(
            sa.select(Handoff)
            .where(Handoff.escalation_id == escalation.id)
            .options(
                joinedload(Handoff.to_owner),
                joinedload(Handoff.from_owner),
                joinedload(Handoff.created_by),
                joinedload(Handoff.contact),
            )
            .order_by(Handoff.created_at)
        ).all(),
        updates=db.session.scalars(
            sa.select(CustomerUpdate)
            .where(CustomerUpdate.escalation_id == escalation.id)
            .options(joinedload(CustomerUpdate.author))
            .order_by(CustomerUpdate.sent_at.desc())
        ).all(),
        notes=db.session.scalars(
            sa.select(EscalationNote)
            .where(EscalationNote.escalation_id == escalation.id)
            .options(joinedload(EscalationNote.author))
            .order_by(EscalationNote.created_at.desc())
        ).all(),
        pauses=db.session.scalars(
            sa.select(Pause)
            .where(Pause.escalation_id == escalation.id)
            .options(joinedload(Pause.paused_by), joinedload(Pause.resumed_by))
            .order_by(Pause.paused_at)
        ).all(),
    )


def reply_templates(language: str) -> list[ReplyTemplate]:
    """The reply templates in one language."""
    stmt = sa.select(ReplyTemplate).where(ReplyTemplate.language == language)
    return list(db.session.scalars(stmt))


def template_text(key: str, escalation: Escalation, language: str) -> str:
    """A reply template's text for this escalation, in the language; empty when none."""
    template = db.session.scalar(
        sa.select(ReplyTemplate).where(ReplyTemplate.key == key, ReplyTemplate.language == language)
    )
    return template.body.replace("{title}", escalation.title) if template else ""


def search_accounts(q: str, user, limit: int = 20) -> list[Account]:
    """Accounts matching a name or domain fragment that the user may raise escalations on
    (managers and admins: any; CSMs and AEs: the ones they own)."""
    if not q:
        return []
    stmt = (
        sa.select(Account)
        .where(sa.or_(contains(Account.name, q), contains(Account.domain, q)))
        .order_by(Account.name)
        .limit(limit)
    )
    if not user.has_role(Role.ADMIN, Role.MANAGER):
        stmt = stmt.where(sa.or_(Account.csm_owner_id == user.id, Account.ae_owner_id == user.id))
    return list(db.session.scalars(stmt))


def owned_accounts(user, limit: int) -> list[tuple[int, str]]:
    """(id, name) of the accounts the user owns as CSM or AE, by name (at most `limit`)."""
    stmt = (
        sa.select(Account.id, Account.name)
        .where(sa.or_(Account.csm_owner_id == user.id, Account.ae_owner_id == user.id))
        .order_by(Account.name)
        .limit(limit)
    )
    return list(db.session.execute(stmt))


def open_escalations(account_id: int) -> list[Escalation]:
    """An account's open escalations, executive ones first."""
    stmt = (
        sa.select(Escalation)
        .where(Escalation.account_id == account_id, Escalation.status.in_(OPEN_STATUSES))
        .order_by(Escalation.executive.desc(), SEVERITY_ORDER, Escalation.created_at.desc())
        .limit(50)
    )
    return list(db.session.scalars(stmt))


def account_has_escalations(account_id: int) -> bool:
    """Whether the account has any escalation, open or resolved."""
    stmt = sa.select(Escalation.id).where(Escalation.account_id == account_id).limit(1)
    return db.session.scalar(stmt) is not None


def approved_widespread_messages(account_id: int) -> list[WidespreadIssue]:
    """Widespread issues linked to the account that have an approved message."""
    stmt = (
        sa.select(WidespreadIssue)
        .join(widespread_accounts, widespread_accounts.c.issue_id == WidespreadIssue.id)
        .where(
            widespread_accounts.c.account_id == account_id, WidespreadIssue.approved_at.is_not(None)
        )
        .order_by(WidespreadIssue.approved_at.desc())
    )
    return list(db.session.scalars(stmt))
