"""Working an escalation: intake, details, status, levels and handoffs, customer updates,
resolution, notes, watchers, widespread issues; and the SLA policies and reply templates
admins edit. Services check the rules (who may set a legal hold, raise to the executive
level, approve a message), change the session, audit, notify and flush; they never commit."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import signals
from app.accounts.models import Contact
from app.accounts.services import add_timeline
from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.permissions import can_manage_escalations
from app.auth.services import active_users
from app.escalations import calendars, clocks, queries
from app.escalations.models import (
    ClockKind,
    CustomerUpdate,
    Escalation,
    EscalationNote,
    EscalationTag,
    FollowUp,
    Handoff,
    Level,
    Pause,
    ReplyTemplate,
    Requester,
    ResolutionKind,
    Severity,
    SlaPolicy,
    Status,
)
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import with_params
from app.models import DomainError, utcnow
from app.notifications import messages as notification_messages
from app.notifications.services import notify

ESCALATION_FIELDS = (
    "title",
    "description",
    "channel",
    "category",
    "severity",
    "status",
    "level",
    "threat_cancellation",
    "threat_legal",
    "threat_safety",
    "executive",
    "arr_at_risk_minor",
    "arr_at_risk_currency",
    "legal_hold",
    "owner_id",
    "promised_at",
    "resolution_kind",
    "resolution_summary",
    "concession_minor",
    "reason",
    "requested_by",
    "requester_contact_id",
    "health",
    "trend",
)
SLA_POLICY_FIELDS = (
    "first_response_minutes",
    "update_interval_minutes",
    "resolution_minutes",
    "calendar_id",
)
NOTIFY_SEVERITIES = (Severity.CRITICAL, Severity.HIGH)
# The status form's moves; resolving, the follow-up, closing and reopening have their own
# actions (resolve here, the rest in aftercare.py).
TRANSITIONS = {
    Status.NEW: {Status.INVESTIGATING, Status.WAITING_ON_CUSTOMER},
    Status.INVESTIGATING: {Status.WAITING_ON_CUSTOMER},
    Status.WAITING_ON_CUSTOMER: {Status.INVESTIGATING},
    Status.RESOLVED: set(),
    Status.FOLLOW_UP: set(),
    Status.CLOSED: set(),
}


class TransitionNotAllowed(DomainError):
    pass


class LevelNotAllowed(DomainError):
    pass


class LegalHoldNotAllowed(DomainError):
    pass


class ApprovalNotAllowed(DomainError):
    pass


class DetailsLocked(DomainError):
    pass


class RequesterNotOfAccount(DomainError):
    pass


def _check_requester(escalation: Escalation) -> None:
    """Only a customer asks through a contact, and the contact is one of the account's."""
    if escalation.requested_by != Requester.CUSTOMER:
        escalation.requester_contact_id = None
        return
    contact_id = escalation.requester_contact_id
    if contact_id is None:
        return
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.account_id != escalation.account.id:
        raise RequesterNotOfAccount(_l("Choose one of the account's contacts."))


# What decides whether a post-mortem is needed to close: fixed once the escalation is resolved.
LOCKED_AFTER_RESOLUTION = ("severity", "threat_cancellation", "threat_legal")


def _audit(actor, escalation: Escalation, action: str, changes: dict) -> None:
    audit.record(
        actor,
        "escalation",
        escalation.id,
        action,
        changes=audit.name_users(changes, ("owner_id",)),
        summary=escalation.title,
        account_id=escalation.account_id,
    )


def _timeline(escalation: Escalation, kind: str, actor, at=None, **data) -> None:
    data["escalation_id"] = escalation.id
    data.setdefault("title", escalation.title)
    add_timeline(
        escalation.account_id,
        kind,
        f"{kind.replace('_', ' ')}: {escalation.title}",
        actor,
        at=at,
        data=data,
    )


def refresh_executive(escalation: Escalation) -> None:
    """Executive = cancellation or legal threat, or raised to the executive level."""
    escalation.executive = bool(
        escalation.threat_cancellation
        or escalation.threat_legal
        or escalation.level == Level.EXECUTIVE
    )
    if escalation.executive and escalation.arr_at_risk_minor is None:
        escalation.arr_at_risk_minor = escalation.account.arr_minor
        escalation.arr_at_risk_currency = escalation.account.currency


def stakeholders(escalation: Escalation) -> list[User]:
    """Who hears about it: the account's CSM and AE, whoever the domains above add (the
    account's executive sponsor), the owner, watchers, and for executive escalations every
    executive."""
    return stakeholders_of((escalation,))[escalation.id]


def stakeholders_of(escalations) -> dict[int, list[User]]:
    """`stakeholders` of many escalations at once, by id: what the domains above add and the
    executives are each read once for all of them (the SLA sweep's burst)."""
    escalations = tuple(escalations)
    added = signals.flags(signals.escalation_stakeholders.send(escalations))
    executives = active_users(Role.EXECUTIVE) if any(e.executive for e in escalations) else []
    found = {}
    for escalation in escalations:
        people = [
            escalation.account.csm_owner,
            escalation.account.ae_owner,
            *added.get(escalation.id, ()),
            escalation.owner,
            *escalation.watchers,
        ]
        if escalation.executive:
            people += executives
        found[escalation.id] = [p for p in people if p is not None]
    return found


MESSAGES = {
    "raised": _l("New %(severity)s escalation on %(account)s: %(title)s"),
    "raised_executive": _l("EXECUTIVE escalation on %(account)s: %(title)s"),
    "level": _l("Escalation raised to %(level)s: %(title)s"),
    "handoff": _l("Handoff to you (%(account)s): %(title)s"),
    "sla_warning": _l("SLA warning (%(clock)s) on %(account)s: %(title)s"),
    "sla_breach": _l("SLA breached (%(clock)s) on %(account)s: %(title)s"),
    "handoff_overdue": _l("Handoff not acknowledged after %(minutes)d min: %(title)s"),
    "promise": _l("Turnaround promise due soon on %(account)s: %(title)s"),
    "follow_up_due": _l("Follow-up check-in due (%(account)s): %(title)s"),
}


for _kind, _message in MESSAGES.items():
    notification_messages.register(_kind, _message, translated=("severity", "level", "clock"))


def is_urgent(kind: str, escalation: Escalation) -> bool:
    """E-mail that goes at once, not at the recipient's next working moment: an executive
    escalation raised (at intake, by a confirmed threat, or up to the executive level, with
    its handoff) and an SLA breach on a critical escalation."""
    if kind == "raised_executive":
        return True
    # At the executive level, the new owner's handoff (to acknowledge) goes at once too.
    if kind in ("level", "handoff", "handoff_overdue") and escalation.level == Level.EXECUTIVE:
        return True
    return kind == "sla_breach" and escalation.severity == Severity.CRITICAL


def send(kind: str, escalation: Escalation, people, **params) -> int:
    """Notify people in-app and by e-mail (via the outbox), each in their own language;
    the e-mail waits for each one's working hours unless it is urgent (`is_urgent`)."""
    from app.formatting import lazy_label

    values = {
        "title": escalation.title,
        "account": escalation.account.name,
        "severity": lazy_label(escalation.severity),
        "level": lazy_label(escalation.level),
    }
    values.update({k: lazy_label(v) if hasattr(v, "value") else v for k, v in params.items()})
    subject = with_params(MESSAGES[kind], **values)
    body = _l(
        "%(subject)s\n\nAccount: %(account)s\nSeverity: %(severity)s\n"
        "Level: %(level)s\nStatus: %(status)s",
        subject=subject,
        account=escalation.account.name,
        severity=lazy_label(escalation.severity),
        level=lazy_label(escalation.level),
        status=lazy_label(escalation.status),
    )
    return notify(
        people,
        kind=kind,
        subject=subject,
        body=body,
        escalation_id=escalation.id,
        link=f"/escalations/{escalation.id}",
        urgent=is_urgent(kind, escalation),
    )


def set_tags(escalation: Escalation, tags) -> None:
    wanted = []
    for tag in tags:
        tag = tag.strip().lower()[:40]
        if tag and tag not in wanted:
            wanted.append(tag)
    escalation.tag_rows = [EscalationTag(name=t) for t in wanted]


def raise_escalation(actor, account, values: dict, *, tags=(), now: datetime) -> Escalation:
    """Intake: a new escalation with its SLA clocks started and stakeholders told."""
    if values.get("legal_hold") and not can_manage_escalations(actor):
        raise LegalHoldNotAllowed(_l("Only a manager or an admin can set a legal hold."))
    escalation = Escalation(
        account=account,
        raised_by_id=actor.id,
        status=Status.NEW,
        level=Level.L1,
        created_at=now,  # the clocks start then too
        **values,
    )
    if escalation.owner_id is None:
        escalation.owner_id = actor.id
    _check_requester(escalation)
    set_tags(escalation, tags)
    db.session.add(escalation)
    db.session.flush()
    db.session.refresh(escalation, ["owner"])
    refresh_executive(escalation)
    _schedule_promise_warning(escalation)
    policy = clocks.policy_for(escalation)
    clocks.start(escalation, ClockKind.FIRST_RESPONSE, now, policy)
    clocks.start(escalation, ClockKind.RESOLUTION, now, policy)
    db.session.flush()
    changes = audit.snapshot(escalation, ESCALATION_FIELDS)
    if escalation.tags:
        changes["tags"] = [None, escalation.tags]
    _audit(actor, escalation, "create", changes)
    if escalation.executive:
        _became_executive(escalation, now)
    _timeline(
        escalation,
        "escalation_raised",
        actor,
        at=now,
        severity=escalation.severity.value,
        executive=escalation.executive,
        reason=escalation.reason.value if escalation.reason else None,
        requested_by=escalation.requested_by.value if escalation.requested_by else None,
    )
    if escalation.executive:
        send("raised_executive", escalation, stakeholders(escalation))
    elif escalation.severity in NOTIFY_SEVERITIES:
        send("raised", escalation, stakeholders(escalation))
    return escalation


def _schedule_promise_warning(escalation: Escalation) -> None:
    """The turnaround promise is warned one business day before it falls due."""
    escalation.promise_warned_at = None
    escalation.promise_warn_at = (
        clocks.promise_warning_time(escalation, escalation.promised_at)
        if escalation.promised_at
        else None
    )


def _became_executive(escalation: Escalation, now: datetime) -> None:
    """Tell the domains above (sponsorship nominates an unsponsored account)."""
    signals.escalation_became_executive.send(escalation, now=now)


def update_details(
    actor, escalation: Escalation, values: dict, *, tags=None, now: datetime
) -> Escalation:
    """Edit intake details; a severity change re-targets the clocks (audited)."""
    hold = values.get("legal_hold", escalation.legal_hold)
    if hold != escalation.legal_hold and not can_manage_escalations(actor):
        raise LegalHoldNotAllowed(_l("Only a manager or an admin can set or lift a legal hold."))
    if not escalation.is_open and any(
        name in values and values[name] != getattr(escalation, name)
        for name in LOCKED_AFTER_RESOLUTION
    ):
        raise DetailsLocked(
            _l(
                "Reopen the escalation to change its severity or threats: they decide "
                "whether closing it needs a post-mortem."
            )
        )
    old_severity = escalation.severity
    old_tags = escalation.tags
    was_executive = escalation.executive
    for name, value in values.items():
        setattr(escalation, name, value)
    _check_requester(escalation)
    refresh_executive(escalation)
    if escalation.executive and not was_executive:
        _became_executive(escalation, now)
    if tags is not None:
        set_tags(escalation, tags)
    changes = audit.pending_changes(escalation, ESCALATION_FIELDS)
    if tags is not None and escalation.tags != old_tags:
        changes["tags"] = [old_tags, escalation.tags]
    if not changes:
        return escalation
    if "promised_at" in changes or "severity" in changes:
        _schedule_promise_warning(escalation)
    if escalation.severity != old_severity and escalation.is_open:
        clocks.recompute(escalation, retarget=True)
        _timeline(
            escalation,
            "severity_change",
            actor,
            at=now,
            old=old_severity.value,
            new=escalation.severity.value,
        )
    _audit(actor, escalation, "update", changes)
    db.session.flush()
    return escalation


def change_status(actor, escalation: Escalation, new: Status, reason: str, now: datetime) -> None:
    """Move along the workflow; waiting on the customer pauses the clocks, leaving resumes."""
    old = escalation.status
    if new not in TRANSITIONS[old]:
        raise TransitionNotAllowed(
            _l(
                "An escalation cannot go from “%(old)s” to “%(new)s”.",
                old=_status_label(old),
                new=_status_label(new),
            )
        )
    if new == Status.WAITING_ON_CUSTOMER:
        db.session.add(
            Pause(
                escalation_id=escalation.id,
                paused_at=now,
                paused_by_id=actor.id,
                reason=reason or "",
            )
        )
    elif old == Status.WAITING_ON_CUSTOMER:
        pause = db.session.scalars(
            sa.select(Pause).where(Pause.escalation_id == escalation.id, Pause.resumed_at.is_(None))
        ).one()
        pause.resumed_at, pause.resumed_by_id, pause.resume_reason = now, actor.id, reason or ""
    escalation.status = new
    db.session.flush()
    if new == Status.WAITING_ON_CUSTOMER or old == Status.WAITING_ON_CUSTOMER:
        clocks.recompute(escalation)
    _audit(
        actor,
        escalation,
        "status",
        {"status": [old.value, new.value], **({"reason": [None, reason]} if reason else {})},
    )
    _timeline(escalation, "escalation_status", actor, at=now, old=old.value, new=new.value)
    db.session.flush()


def _status_label(status: Status) -> str:
    from app.formatting import label

    return label(status)


def levels_open_to(actor, escalation: Escalation) -> list[Level]:
    """The levels the actor may raise the escalation to: those above its own, and the
    executive level only for managers and admins."""
    levels = [level for level in Level if level.rank > escalation.level.rank]
    if can_manage_escalations(actor):
        return levels
    return [level for level in levels if level != Level.EXECUTIVE]


def raise_level(
    actor,
    escalation: Escalation,
    to_level: Level,
    handoff_values: dict,
    new_owner: User,
    now: datetime,
) -> Handoff:
    """Move up a level with a structured handoff to the new owner, who must acknowledge it."""
    if not escalation.is_open:
        raise LevelNotAllowed(_l("A resolved escalation cannot change level."))
    if to_level.rank <= escalation.level.rank:
        raise LevelNotAllowed(_l("Pick a level above the current one."))
    if to_level not in levels_open_to(actor, escalation):
        raise LevelNotAllowed(
            _l("Only a manager or an admin can raise an escalation to the executive level.")
        )
    handoff = Handoff(
        escalation_id=escalation.id,
        from_level=escalation.level,
        to_level=to_level,
        from_owner_id=escalation.owner_id,
        to_owner_id=new_owner.id,
        created_by_id=actor.id,
        created_at=now,
        **handoff_values,
    )
    db.session.add(handoff)
    old_level, old_owner = escalation.level, escalation.owner_id
    escalation.level, escalation.owner_id = to_level, new_owner.id
    db.session.flush()
    db.session.refresh(escalation, ["owner"])
    was_executive = escalation.executive
    refresh_executive(escalation)
    if escalation.executive and not was_executive:
        _became_executive(escalation, now)
    _audit(
        actor,
        escalation,
        "level",
        {"level": [old_level.value, to_level.value], "owner_id": [old_owner, new_owner.id]},
    )
    _timeline(
        escalation,
        "escalation_level",
        actor,
        at=now,
        old=old_level.value,
        new=to_level.value,
        owner=new_owner.name,
    )
    send("handoff", escalation, [new_owner])
    send(
        "level",
        escalation,
        [p for p in stakeholders(escalation) if p.id != new_owner.id],
        level=to_level,
    )
    db.session.flush()
    return handoff


def acknowledge(actor, handoff: Handoff, now: datetime) -> None:
    """The receiver confirms they have the handoff; only they (or a manager) may."""
    if handoff.acknowledged_at is not None:
        raise DomainError(_l("This handoff was already acknowledged."))
    if actor.id != handoff.to_owner_id and not can_manage_escalations(actor):
        raise DomainError(
            _l("Only the new owner, a manager or an admin can acknowledge this handoff.")
        )
    handoff.acknowledged_at, handoff.acknowledged_by_id = now, actor.id
    escalation = handoff.escalation
    _audit(
        actor,
        escalation,
        "handoff_ack",
        {"acknowledged_by": [None, actor.email], "level": [None, handoff.to_level.value]},
    )
    _timeline(escalation, "handoff_ack", actor, at=now, level=handoff.to_level.value)
    db.session.flush()


def add_customer_update(
    actor, escalation: Escalation, *, channel, summary: str, template_key: str | None, now: datetime
) -> CustomerUpdate:
    """Log a communication with the customer; it answers the first-response clock and
    restarts the update interval."""
    update = CustomerUpdate(
        escalation_id=escalation.id,
        channel=channel,
        summary=summary,
        author_id=actor.id,
        template_key=template_key or None,
        sent_at=now,
    )
    db.session.add(update)
    if escalation.first_response_at is None:
        escalation.first_response_at = now
        escalation.first_response_minutes = clocks.business_minutes(
            escalation, escalation.created_at, now
        )
        clocks.stop(escalation, ClockKind.FIRST_RESPONSE, now)
    clocks.stop(escalation, ClockKind.CUSTOMER_UPDATE, now)
    if escalation.is_open:
        clocks.start(escalation, ClockKind.CUSTOMER_UPDATE, now)
    # The health cadence's clock is answered too, and the next one starts (if it has hours).
    clocks.restart_health(escalation, now)
    db.session.flush()
    _audit(actor, escalation, "customer_update", {"customer_update": [None, summary[:200]]})
    _timeline(
        escalation, "customer_update", actor, at=now, channel=channel.value, summary=summary[:200]
    )
    return update


def resolve(
    actor,
    escalation: Escalation,
    *,
    kind: ResolutionKind,
    summary: str,
    concession_minor: int | None,
    now: datetime,
    unmet_criteria_reason: str = "",
) -> FollowUp:
    """Resolve from any open status: a wait on the customer ends, every clock stops (the
    resolution target met or not) and the follow-up check-in is scheduled. With exit
    criteria still unmet, the reason for resolving anyway is required and kept."""
    from app.escalations.models import ExitCriterion

    if not escalation.is_open:
        raise TransitionNotAllowed(
            _l(
                "Only an open escalation can be resolved (it is “%(status)s”).",
                status=_status_label(escalation.status),
            )
        )
    unmet = db.session.scalars(
        sa.select(ExitCriterion.text)
        .where(ExitCriterion.escalation_id == escalation.id, ExitCriterion.met_at.is_(None))
        .order_by(ExitCriterion.created_at, ExitCriterion.id)
    ).all()
    unmet_criteria_reason = unmet_criteria_reason.strip() if unmet else ""
    if unmet and not unmet_criteria_reason:
        raise TransitionNotAllowed(_l("Say why the escalation is resolved with criteria unmet."))
    old = escalation.status
    if old == Status.WAITING_ON_CUSTOMER:
        pause = db.session.scalars(
            sa.select(Pause).where(Pause.escalation_id == escalation.id, Pause.resumed_at.is_(None))
        ).first()
        if pause is not None:
            pause.resumed_at, pause.resumed_by_id = now, actor.id
            db.session.flush()
    # Open time only: after a reopen, the time it sat resolved does not count. (Measured
    # before the changes below: its queries would flush them out of the audit's sight.)
    running = clocks.running(escalation, ClockKind.RESOLUTION)
    since = running[-1].started_at if running else escalation.created_at
    earlier = (escalation.resolution_minutes or 0) if escalation.reopened_count else 0
    minutes = earlier + clocks.business_minutes(escalation, since, now)
    escalation.status = Status.RESOLVED
    escalation.resolved_at = now
    escalation.resolution_kind = kind
    escalation.resolution_summary = summary
    escalation.concession_minor = concession_minor
    escalation.resolution_minutes = minutes
    changes = audit.pending_changes(escalation, ESCALATION_FIELDS)
    if unmet or escalation.unmet_criteria_reason:
        changes["unmet_criteria"] = [None, "; ".join(unmet) or None]
        changes["unmet_criteria_reason"] = [
            escalation.unmet_criteria_reason or None,
            unmet_criteria_reason or None,
        ]
    escalation.unmet_criteria_reason = unmet_criteria_reason
    for kind_ in ClockKind:
        clocks.stop(escalation, kind_, now)
    follow_up = FollowUp(
        escalation_id=escalation.id,
        owner_id=escalation.owner_id,
        due_at=now + timedelta(days=escalation.follow_up_days),
        created_at=now,
    )
    db.session.add(follow_up)
    changes["follow_up_due_at"] = [None, follow_up.due_at.isoformat()]
    _audit(actor, escalation, "resolve", changes)
    _timeline(
        escalation,
        "escalation_resolved",
        actor,
        at=now,
        old=old.value,
        resolution=kind.value,
        unmet_reason=escalation.unmet_criteria_reason[:200] or None,
    )
    db.session.flush()
    return follow_up


def add_note(actor, escalation: Escalation, body: str, now: datetime) -> EscalationNote:
    """An internal comment (does not count as a customer update)."""
    note = EscalationNote(
        escalation_id=escalation.id, body=body, author_id=actor.id, created_at=now
    )
    db.session.add(note)
    db.session.flush()
    _audit(actor, escalation, "note", {"note": [None, body[:200]]})
    return note


def set_watchers(actor, escalation: Escalation, users: list[User]) -> None:
    old = sorted(u.email for u in escalation.watchers)
    escalation.watchers = users
    new = sorted(u.email for u in users)
    if old != new:
        _audit(actor, escalation, "update", {"watchers": [old, new]})
    db.session.flush()


def assign_owner(actor, escalation: Escalation, owner: User) -> None:
    old = escalation.owner_id
    if old == owner.id:
        return
    escalation.owner_id = owner.id
    _audit(actor, escalation, "update", {"owner_id": [old, owner.id]})
    db.session.flush()


def existing_tags(prefix: str = "", limit: int = 20) -> list[str]:
    """Tag suggestions: the most used existing tags (starting with prefix)."""
    stmt = (
        sa.select(EscalationTag.name)
        .group_by(EscalationTag.name)
        .order_by(sa.func.count().desc(), EscalationTag.name)
        .limit(limit)
    )
    if prefix:
        stmt = stmt.where(EscalationTag.name.startswith(prefix.lower()))
    return list(db.session.scalars(stmt))


class UnknownDomains(DomainError):
    pass


class AccountHasEscalations(DomainError):
    def __init__(self):
        super().__init__(
            _l(
                "This account has escalations, so it cannot be deleted (they may "
                "be under legal hold). Mark it churned instead."
            )
        )


def refuse_deleting_account_with_escalations(account, **_) -> None:
    """Escalations are records the business keeps: their account cannot be deleted."""
    if queries.account_has_escalations(account.id):
        raise AccountHasEscalations()


def mark_widespread(
    actor,
    escalation: Escalation,
    *,
    title: str,
    domains: list[str],
    message: str,
    approve: bool,
    now: datetime,
):
    """Link the escalation and other affected accounts to one widespread issue with one
    message; the message shows on every linked account and escalation once approved."""
    from app.accounts.models import Account
    from app.escalations.models import WidespreadIssue

    if approve and not can_manage_escalations(actor):
        raise ApprovalNotAllowed(_l("Only a manager or an admin can approve the message."))
    wanted = {d.strip().lower() for d in domains if d.strip()}
    accounts = list(db.session.scalars(sa.select(Account).where(Account.domain.in_(wanted))))
    unknown = sorted(wanted - {a.domain for a in accounts})
    if unknown:
        raise UnknownDomains(
            _l("No account has the domain(s): %(domains)s", domains=", ".join(unknown))
        )
    issue = escalation.widespread_issue
    created = issue is None
    if created:
        issue = WidespreadIssue(title=title, created_by_id=actor.id)
        db.session.add(issue)
        escalation.widespread_issue = issue
    old_message = issue.approved_message
    issue.title = title
    issue.approved_message = message
    before = sorted(a.id for a in issue.accounts)
    present = set(before)
    for account in [escalation.account, *accounts]:
        if account.id not in present:
            issue.accounts.append(account)
            present.add(account.id)
    if approve:
        issue.approved_by_id, issue.approved_at = actor.id, now
    elif message != old_message:
        issue.approved_by_id, issue.approved_at = None, None  # a changed text needs approval
    db.session.flush()
    _audit(
        actor,
        escalation,
        "widespread",
        {
            "widespread_issue": [None if created else issue.title, issue.title],
            "accounts": [before, sorted(present)],
            "approved": [None, bool(issue.approved_at)],
        },
    )
    return issue


def save_sla_policy(actor, policy: SlaPolicy, values: dict, now: datetime | None = None) -> int:
    """An admin's change to a severity's SLA policy (audited). The running clocks of its open
    escalations are re-planned from `now`: business time counted so far stays counted, the
    rest follows the new targets and calendar. Returns how many clocks were re-planned."""
    now = now or utcnow()
    before = {policy.id: clocks.calendar_for(policy)}
    for name, value in values.items():
        setattr(policy, name, value)
    changes = audit.pending_changes(policy, SLA_POLICY_FIELDS)
    if not changes:
        return 0
    db.session.flush()
    db.session.expire(policy, ["calendar"])
    replanned = calendars.replan([policy], before, now, retarget=True)
    audit.record(
        actor,
        "sla_policy",
        policy.id,
        "update",
        changes=changes | {"clocks_replanned": [None, replanned]},
        summary=policy.severity.value,
    )
    db.session.flush()
    return replanned


def save_reply_template(actor, reply_template: ReplyTemplate, *, name: str, body: str) -> None:
    """An admin's change to a reply template's name and text (audited)."""
    reply_template.name, reply_template.body = name.strip(), body
    changes = audit.pending_changes(reply_template, ("name", "body"))
    if changes:
        summary = f"{reply_template.key} ({reply_template.language})"
        audit.record(
            actor, "reply_template", reply_template.id, "update", changes=changes, summary=summary
        )
    db.session.flush()
