"""The escalation blocks of the Today page (signals.today_page_sections): a CSM's or AE's own
escalations by their nearest SLA clock, the handoffs waiting for their acknowledgement and
their check-ins and action items due; across the team for managers and admins, the breached
and at-risk escalations, the handoffs left unacknowledged past their limit and the
post-mortems due. Each block is a count and one query for its rows, whatever the book holds."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.auth.models import Role
from app.escalations import aftercare, queries
from app.escalations.models import (
    AWAITING_POST_MORTEM,
    OPEN_STATUSES,
    Escalation,
    FollowUp,
    Handoff,
    PostMortem,
    PostMortemAction,
    SlaClock,
    Status,
)
from app.extensions import db
from app.main.today import (
    CAP,
    ROWS,
    SOON,
    URGENT,
    WATCH,
    Block,
    Link,
    first_rows,
    section,
)

TEMPLATE = "today/escalations.html"
OWNERS = (Role.CSM, Role.AE)
TEAM = (Role.MANAGER, Role.ADMIN)
# Whoever may be handed an escalation: its new owner acknowledges the handoff.
RECEIVERS = (Role.CSM, Role.AE, Role.MANAGER, Role.EXECUTIVE)


@dataclass
class ClockRow:
    """An escalation with its nearest running clock: due (None: paused or no clock running)."""

    escalation: Escalation
    due_at: datetime | None
    state: str  # breached, warning, running, paused, none


def _list(view: str, **args) -> str:
    return url_for("escalations.index", view=view, **args)


def _by_nearest_clock(base: sa.Select, now: datetime) -> list[ClockRow]:
    """The first rows of `base` (a select of escalations), breached first, then by the
    nearest due time of their running clocks; each shown as the list shows it."""
    escalations = queries.nearest_clock_first(base, now, ROWS)
    clocks = queries.row_clocks(escalations, now)
    rows = []
    for escalation in escalations:
        clock = clocks.get(escalation.id)
        if clock is None:
            rows.append(ClockRow(escalation, None, "none"))
        else:
            rows.append(ClockRow(escalation, clock.due_at, clock.state))
    return rows


def _my_escalations(viewer, now: datetime) -> Block:
    filters = queries.EscalationFilters(view="mine", sort="update_due")
    base = queries.filtered_escalations(filters, viewer, now)
    # Counted as the "mine" list counts it, owned then watched: counting `base` tested
    # owner-or-watcher on every open escalation until the cap, 2.1 ms for the bench CSM.
    count = db.session.scalar(queries.mine_view_count(filters, viewer, now, CAP))
    return Block(
        "my-escalations",
        _("My escalations by SLA clock"),
        count,
        _by_nearest_clock(base, now),
        [Link(_("See all my escalations"), _list("mine", sort="update_due"))],
        _("No open escalations on your queue: nothing to chase today."),
    )


def _unacknowledged(*conditions) -> tuple[list[Handoff], int]:
    """The first unacknowledged handoffs (oldest first) that meet the conditions, and how
    many there are."""
    stmt = sa.select(Handoff).where(Handoff.acknowledged_at.is_(None), *conditions)
    rows = (
        # Loaded for the six shown, after the LIMIT, not joined to every waiting handoff.
        stmt.options(selectinload(Handoff.escalation).joinedload(Escalation.account)).order_by(
            Handoff.created_at, Handoff.id
        )
    )
    return first_rows(rows, stmt)


def _ack_limit() -> timedelta:
    return timedelta(minutes=current_app.config["HANDOFF_ACK_MINUTES"])


def _my_handoffs(viewer, now: datetime) -> Block:
    rows, count = _unacknowledged(Handoff.to_owner_id == viewer.id)
    return Block(
        "my-handoffs",
        _("Handoffs waiting for your acknowledgement"),
        count,
        rows,
        [Link(_("See unacknowledged handoffs"), _list("handoffs"))],
        _("No handoff waits for you: every escalation handed to you is acknowledged."),
        extra={"limit": _ack_limit()},
    )


def _overdue_handoffs(now: datetime) -> Block:
    limit = _ack_limit()
    rows, count = _unacknowledged(Handoff.created_at <= now - limit)
    return Block(
        "overdue-handoffs",
        _("Handoffs unacknowledged past their limit"),
        count,
        rows,
        [Link(_("See unacknowledged handoffs"), _list("handoffs"))],
        _("No handoff is overdue: every receiver acknowledged in time."),
        extra={"limit": limit},
    )


def _my_aftercare(viewer, now: datetime, today: date) -> Block:
    """Check-ins due within a week (or late) and open action items due within a week."""
    horizon = today + timedelta(days=7)
    follow_ups = aftercare.pending_follow_ups_of(viewer.id).where(
        FollowUp.due_at < now + timedelta(days=7)
    )
    actions = aftercare.open_actions_of(viewer.id).where(PostMortemAction.due_on < horizon)
    follow_up_rows, follow_up_count = first_rows(
        follow_ups.options(*aftercare.FOLLOW_UP_OPTIONS), follow_ups
    )
    action_rows, action_count = first_rows(actions.options(*aftercare.ACTION_OPTIONS), actions)
    rows = [("follow_up", f) for f in follow_up_rows] + [("action", a) for a in action_rows]
    return Block(
        "my-aftercare",
        _("Check-ins and action items due"),
        follow_up_count + action_count,
        rows[:ROWS],
        [Link(_("See my follow-ups and action items"), url_for("escalations.work"))],
        _("No check-in or action item due this week."),
    )


def _team_clocks(viewer, now: datetime) -> Block:
    """Breached and at-risk escalations across the team, the most overdue first."""
    either = sa.select(Escalation).where(
        Escalation.status.in_(OPEN_STATUSES),
        sa.exists().where(
            SlaClock.escalation_id == Escalation.id,
            SlaClock.stopped_at.is_(None),
            sa.or_(SlaClock.breached_at.is_not(None), SlaClock.warn_at <= now),
        ),
    )
    breached_count, at_risk_count = (
        db.session.scalar(
            queries.clock_view_count(queries.EscalationFilters(view=view), viewer, now, CAP)
        )
        for view in ("breached", "at_risk")
    )
    return Block(
        "team-clocks",
        _("Breached and at-risk escalations"),
        breached_count + at_risk_count,
        _by_nearest_clock(either, now),
        [
            Link(_("See breached escalations"), _list("breached")),
            Link(_("See escalations at risk"), _list("at_risk")),
        ],
        _("No breached or at-risk escalations: every clock on the team is on track."),
        extra={"breached": breached_count, "at_risk": at_risk_count},
    )


def _post_mortems_due() -> Block:
    """Resolved critical, high or executive escalations whose post-mortem is not completed
    (closing needs it), the oldest resolution first."""
    completed = sa.exists().where(
        PostMortem.escalation_id == Escalation.id, PostMortem.completed_at.is_not(None)
    )
    stmt = (
        sa.select(Escalation)
        .where(
            # Spelled as the partial index's own condition, so SQLite can use it too.
            sa.text(AWAITING_POST_MORTEM),
            ~completed,
        )
        .order_by(Escalation.resolved_at.asc().nulls_last(), Escalation.id)
    )
    # The account of the six shown, not joined to every candidate before the sort.
    rows, count = first_rows(stmt.options(selectinload(Escalation.account)), stmt)
    return Block(
        "post-mortems",
        _("Post-mortems due"),
        count,
        rows,
        [Link(_("See escalations in follow-up"), _list("all", status=Status.FOLLOW_UP.value))],
        _("No post-mortem due: every resolved escalation that needs one has it."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """The escalation blocks for the viewer's roles, each once however many roles they hold."""
    sections = []
    if viewer.has_role(*OWNERS):
        sections.append(section(TEMPLATE, _my_escalations(viewer, now), URGENT, now=now))
    if viewer.has_role(*TEAM):
        sections.append(section(TEMPLATE, _team_clocks(viewer, now), URGENT + 1, now=now))
    if viewer.has_role(*RECEIVERS):
        sections.append(section(TEMPLATE, _my_handoffs(viewer, now), URGENT + 2, now=now))
    if viewer.has_role(*TEAM):
        sections.append(section(TEMPLATE, _overdue_handoffs(now), URGENT + 3, now=now))
    if viewer.has_role(*OWNERS):
        block = _my_aftercare(viewer, now, today)
        sections.append(section(TEMPLATE, block, SOON, now=now, today=today))
    if viewer.has_role(*TEAM):
        sections.append(section(TEMPLATE, _post_mortems_due(), WATCH, now=now))
    return sections
