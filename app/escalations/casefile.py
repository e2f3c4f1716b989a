"""The escalation case file: exit criteria agreed with the customer, the decision log, the
roster of people working it, and what is asked of the account's executive sponsor. Each
change is audited on the escalation and put on the account's timeline; services flush, the
views commit. A closed escalation's case file is no longer changed, and the same entry sent
twice in a row (a double submission) is recorded once."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import signals
from app.accounts.services import add_timeline
from app.escalations import services
from app.escalations.models import (
    Decision,
    Escalation,
    EscalationNote,
    ExitCriterion,
    RosterEntry,
    Status,
)
from app.escalations.services import _audit
from app.extensions import db
from app.formatting import ACTION_LABELS, FIELD_LABELS
from app.i18n import lazy_gettext as _l
from app.models import DomainError
from app.notifications import messages as notification_messages
from app.notifications.services import notify

# Suggested roles of the roster (a datalist: any other text is fine).
ROLE_SUGGESTIONS = (
    _l("Owner"),
    _l("Engineering"),
    _l("Support lead"),
    _l("Account executive"),
    _l("Executive sponsor"),
    _l("Legal"),
    _l("Product"),
    _l("Other"),
)

ACTION_LABELS.update(
    {
        "exit_criterion_added": _l("Exit criterion added"),
        "exit_criterion_met": _l("Exit criterion met"),
        "exit_criterion_unmet": _l("Exit criterion no longer met"),
        # audit_events.action holds 20 characters.
        "criterion_removed": _l("Exit criterion removed"),
        "decision_logged": _l("Decision logged"),
        "roster_joined": _l("Joined the roster"),
        "roster_left": _l("Left the roster"),
        "sponsor_ask": _l("Ask of the executive sponsor"),
    }
)
FIELD_LABELS.update(
    {
        "exit_criterion": _l("Exit criterion"),
        "logged_decision": _l("Decision"),
        "decided_by": _l("Who decided"),
        "decided_at": _l("When decided"),
        "rationale": _l("Why"),
        "roster_member": _l("Person"),
        "roster_role": _l("Role"),
        "sponsor_ask": _l("What we ask of the sponsor"),
        "unmet_criteria_reason": _l("Why resolved with criteria unmet"),
        "unmet_criteria": _l("Exit criteria unmet"),
    }
)
SPONSOR_ASK_MESSAGE = _l("You are asked to help on an escalation of %(account)s: %(title)s")
notification_messages.register("sponsor_ask", SPONSOR_ASK_MESSAGE)


# The same entry by the same person within this time is taken for a double submission.
REPEAT_WINDOW = timedelta(seconds=30)


class CaseFileClosed(DomainError):
    pass


class AlreadyRecorded(DomainError):
    """The same entry was just recorded by the same person: nothing more to do."""


class AlreadyOnRoster(DomainError):
    pass


class CriterionMet(DomainError):
    pass


def _timeline(escalation: Escalation, kind: str, summary: str, actor, at, **data) -> None:
    data.update(escalation_id=escalation.id, title=escalation.title)
    add_timeline(
        escalation.account_id, kind, f"{summary} ({escalation.title})", actor, at=at, data=data
    )


def _open(escalation: Escalation) -> None:
    """Refuse any change to a closed escalation's case file (resolved ones stay editable)."""
    if escalation.status == Status.CLOSED:
        raise CaseFileClosed(
            _l("The escalation is closed: its case file can no longer be changed.")
        )


def _not_repeated(model, at, now: datetime, *same) -> None:
    """Refuse an entry equal to one (`same` conditions) recorded in the last moments."""
    found = db.session.scalar(sa.select(model.id).where(*same, at >= now - REPEAT_WINDOW).limit(1))
    if found is not None:
        raise AlreadyRecorded(_l("Already recorded."))


# Exit criteria


def criteria_of(escalation: Escalation) -> list[ExitCriterion]:
    """The escalation's exit criteria, in the order they were agreed."""
    return db.session.scalars(
        sa.select(ExitCriterion)
        .where(ExitCriterion.escalation_id == escalation.id)
        .options(selectinload(ExitCriterion.met_by))
        .order_by(ExitCriterion.created_at, ExitCriterion.id)
    ).all()


def unmet_criteria(escalation: Escalation) -> list[ExitCriterion]:
    return [c for c in criteria_of(escalation) if c.met_at is None]


def add_exit_criterion(actor, escalation: Escalation, text: str, now: datetime) -> ExitCriterion:
    """Record something the customer agreed must be true for the escalation to be over."""
    _open(escalation)
    _not_repeated(
        ExitCriterion,
        ExitCriterion.created_at,
        now,
        ExitCriterion.escalation_id == escalation.id,
        ExitCriterion.created_by_id == actor.id,
        ExitCriterion.text == text,
    )
    criterion = ExitCriterion(
        escalation_id=escalation.id, text=text, created_by_id=actor.id, created_at=now
    )
    db.session.add(criterion)
    db.session.flush()
    _audit(actor, escalation, "exit_criterion_added", {"exit_criterion": [None, text]})
    _timeline(
        escalation, "exit_criterion_added", f"Exit criterion added: {text}", actor, now, text=text
    )
    return criterion


def set_criterion_met(
    actor, escalation: Escalation, criterion: ExitCriterion, met: bool, now: datetime
) -> None:
    """Tick the criterion met (who and when kept), or untick it."""
    _open(escalation)
    if met == (criterion.met_at is not None):
        return
    criterion.met_at, criterion.met_by_id = (now, actor.id) if met else (None, None)
    db.session.flush()
    action = "exit_criterion_met" if met else "exit_criterion_unmet"
    _audit(actor, escalation, action, {"exit_criterion": [criterion.text, criterion.text]})
    verb = "met" if met else "no longer met"
    _timeline(
        escalation,
        action,
        f"Exit criterion {verb}: {criterion.text}",
        actor,
        now,
        text=criterion.text,
    )


def remove_exit_criterion(
    actor, escalation: Escalation, criterion: ExitCriterion, now: datetime
) -> None:
    """Remove a criterion that is not met (a met one is the customer's record: untick it
    first)."""
    _open(escalation)
    if criterion.met_at is not None:
        raise CriterionMet(_l("A met exit criterion cannot be removed: untick it first."))
    text = criterion.text
    db.session.delete(criterion)
    db.session.flush()
    _audit(actor, escalation, "criterion_removed", {"exit_criterion": [text, None]})
    _timeline(
        escalation,
        "exit_criterion_removed",
        f"Exit criterion removed: {text}",
        actor,
        now,
        text=text,
    )


# The decision log (append-only)


def decisions_of(escalation: Escalation) -> list[Decision]:
    """The decision log, newest first."""
    return db.session.scalars(
        sa.select(Decision)
        .where(Decision.escalation_id == escalation.id)
        .options(selectinload(Decision.recorded_by))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    ).all()


def log_decision(
    actor,
    escalation: Escalation,
    *,
    decision: str,
    decided_by: str,
    decided_at: datetime,
    rationale: str,
    now: datetime,
) -> Decision:
    """Append an entry to the decision log; a wrong one is corrected by a new entry."""
    _open(escalation)
    _not_repeated(
        Decision,
        Decision.recorded_at,
        now,
        Decision.escalation_id == escalation.id,
        Decision.recorded_by_id == actor.id,
        Decision.decision == decision,
    )
    entry = Decision(
        escalation_id=escalation.id,
        decision=decision,
        decided_by=decided_by,
        decided_at=decided_at,
        rationale=rationale,
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    changes = {
        "logged_decision": [None, decision],
        "decided_by": [None, decided_by],
        "decided_at": [None, decided_at.isoformat()],
    }
    if rationale:
        changes["rationale"] = [None, rationale[:500]]
    _audit(actor, escalation, "decision_logged", changes)
    _timeline(
        escalation,
        "decision_logged",
        f"Decision ({decided_by}): {decision}",
        actor,
        decided_at,
        decided_by=decided_by,
        decision=decision,
    )
    return entry


# The roster


def roster_of(escalation: Escalation) -> list[RosterEntry]:
    """Current members first (by when they joined), then former ones (latest to leave
    first)."""
    entries = db.session.scalars(
        sa.select(RosterEntry)
        .where(RosterEntry.escalation_id == escalation.id)
        .options(selectinload(RosterEntry.user))
        .order_by(RosterEntry.joined_at, RosterEntry.id)
    ).all()
    current = [e for e in entries if e.left_at is None]
    former = sorted((e for e in entries if e.left_at is not None), key=lambda e: e.left_at)
    return current + former[::-1]


def _on_roster(escalation: Escalation, user_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(RosterEntry.id).where(
                RosterEntry.escalation_id == escalation.id,
                RosterEntry.user_id == user_id,
                RosterEntry.left_at.is_(None),
            )
        )
        is not None
    )


def add_to_roster(actor, escalation: Escalation, user, role: str, now: datetime) -> RosterEntry:
    """Someone joins the people working the escalation, in a role; once at a time."""
    _open(escalation)
    taken = AlreadyOnRoster(_l("%(name)s is already on the roster.", name=user.name))
    if _on_roster(escalation, user.id):
        raise taken
    entry = RosterEntry(
        escalation_id=escalation.id, user_id=user.id, role=role, joined_at=now, added_by_id=actor.id
    )
    try:
        with db.session.begin_nested():  # someone else added them just now: the unique index
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise taken from None
    _audit(
        actor,
        escalation,
        "roster_joined",
        {"roster_member": [None, user.name], "roster_role": [None, role]},
    )
    _timeline(
        escalation,
        "roster_joined",
        f"{user.name} joined as {role}",
        actor,
        now,
        name=user.name,
        role=role,
    )
    return entry


def leave_roster(actor, escalation: Escalation, entry: RosterEntry, now: datetime) -> None:
    """The person no longer works the escalation; their membership stays, dated."""
    _open(escalation)
    if entry.left_at is not None:
        return
    entry.left_at, entry.removed_by_id = now, actor.id
    db.session.flush()
    name = entry.user.name
    _audit(actor, escalation, "roster_left", {"roster_member": [name, None]})
    _timeline(escalation, "roster_left", f"{name} left", actor, now, name=name)


# The executive sponsor


def sponsor_of(escalation: Escalation):
    """The account's executive sponsor (the sponsorship domain answers), or None."""
    found = signals.answers(signals.escalation_sponsor.send(escalation))
    return found[0] if found else None


def set_sponsor_ask(actor, escalation: Escalation, ask: str, now: datetime) -> None:
    """Say what is asked of the account's executive sponsor; they hear of it when it is set
    or changed; a closed escalation asks nothing more."""
    _open(escalation)
    old = escalation.sponsor_ask or ""
    if ask == old:
        return
    escalation.sponsor_ask = ask
    db.session.flush()
    _audit(actor, escalation, "sponsor_ask", {"sponsor_ask": [old or None, ask or None]})
    _timeline(escalation, "sponsor_ask", "Ask of the executive sponsor changed", actor, now)
    sponsor = sponsor_of(escalation) if ask else None
    if sponsor is not None:
        notify(
            [sponsor],
            kind="sponsor_ask",
            subject=_l(
                "You are asked to help on an escalation of %(account)s: %(title)s",
                account=escalation.account.name,
                title=escalation.title,
            ),
            body=ask,
            escalation_id=escalation.id,
            link=f"/escalations/{escalation.id}#sponsor",
        )


def add_sponsor_comment(actor, escalation: Escalation, body: str, now: datetime) -> EscalationNote:
    """The sponsor's (or anyone's) comment from the sponsor's section: a note on the
    escalation, once even when the form is sent twice."""
    _not_repeated(
        EscalationNote,
        EscalationNote.created_at,
        now,
        EscalationNote.escalation_id == escalation.id,
        EscalationNote.author_id == actor.id,
        EscalationNote.body == body,
    )
    return services.add_note(actor, escalation, body, now)
