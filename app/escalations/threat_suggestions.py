"""Threat suggestions: what the detector read in an escalation's text, kept with the sentence,
the words and the rule, until a person confirms it (the flag is set) or dismisses it (kept, so
that the rules can be improved).

At intake and on edit the person decides in the form itself (`record_decisions`); a customer
update or a note added later on an open escalation is scanned (`scan`) and a pending
suggestion goes to the owner, who confirms or dismisses it from the escalation's page."""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.importing import spreadsheet_safe
from app.audit import services as audit
from app.escalations import services
from app.escalations.models import (
    CustomerUpdate,
    Escalation,
    EscalationNote,
    SuggestionStatus,
    ThreatFlag,
    ThreatSource,
    ThreatSuggestion,
)
from app.escalations.threats import Finding, detect, explain
from app.extensions import db
from app.formatting import ACTION_LABELS, LABELS, lazy_label, register_field_enums
from app.i18n import lazy_gettext as _l
from app.i18n import with_params
from app.models import DomainError
from app.notifications import messages as notification_messages
from app.notifications.services import notify

# Which escalation column each flag sets.
FLAG_FIELDS = {
    ThreatFlag.CANCELLATION: "threat_cancellation",
    ThreatFlag.LEGAL: "threat_legal",
    ThreatFlag.SAFETY: "threat_safety",
}
MAX_REASON = 500

LABELS.update(
    {
        ThreatFlag.CANCELLATION: _l("Cancellation"),
        ThreatFlag.LEGAL: _l("Legal"),
        ThreatFlag.SAFETY: _l("Safety/security"),
        ThreatSource.INTAKE: _l("Description at intake"),
        ThreatSource.EDIT: _l("Description, edited"),
        ThreatSource.CUSTOMER_UPDATE: _l("Customer update"),
        ThreatSource.NOTE: _l("Internal note"),
        SuggestionStatus.PENDING: _l("Waiting for a decision"),
        SuggestionStatus.CONFIRMED: _l("Confirmed"),
        SuggestionStatus.DISMISSED: _l("Dismissed"),
    }
)
ACTION_LABELS.update(
    {
        "threat_suggested": _l("Possible threat suggested"),
        "threat_confirmed": _l("Threat confirmed"),
        "threat_dismissed": _l("Threat suggestion dismissed"),
        "threat_reviewed": _l("Threat suggestions decided in the form"),
    }
)

register_field_enums({"flag": ThreatFlag})

SUGGESTED = _l("Possible %(flag)s threat on %(account)s: %(title)s")
notification_messages.register("threat_suggested", SUGGESTED, translated=("flag",))


class SuggestionDecided(DomainError):
    pass


class ThreatsLocked(DomainError):
    pass


# Highlighting


def clean_spans(spans, length: int) -> list[tuple[int, int]]:
    """Spans as (start, end) pairs inside a text of `length`, sorted and merged: anything that is
    not a list of two-integer pairs is dropped, out-of-range ends are clipped, and empty or
    reversed spans left out (stored JSON and detector output are never trusted)."""
    if not isinstance(spans, (list, tuple)):
        return []
    clipped = []
    for span in spans:
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            continue
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in span):
            continue
        start, end = max(0, min(span[0], length)), max(0, min(span[1], length))
        if start < end:
            clipped.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def pieces(sentence: str, spans) -> list[tuple[str, bool]]:
    """The sentence cut into (text, highlighted) pieces along its spans (see `clean_spans`)."""
    sentence = sentence if isinstance(sentence, str) else ""
    result, position = [], 0
    for start, end in clean_spans(spans, len(sentence)):
        if start > position:
            result.append((sentence[position:start], False))
        result.append((sentence[start:end], True))
        position = end
    if position < len(sentence):
        result.append((sentence[position:], False))
    return result


def _stored_spans(finding: Finding) -> list[list[int]]:
    return [list(span) for span in clean_spans(finding.spans, len(finding.sentence))]


def flag_of(finding: Finding) -> ThreatFlag | None:
    """The finding's flag, or None for a flag this application does not know."""
    try:
        return ThreatFlag(finding.flag)
    except (ValueError, TypeError):
        return None


def known(findings) -> list[Finding]:
    """The findings whose flag is one of ours (a detector may know more than we do)."""
    return [f for f in findings if flag_of(f) is not None]


def finding_key(finding: Finding) -> str:
    """A short fingerprint of a finding's flag and sentence, carried by the form between the
    submit that shows the threat check and the one that confirms it."""
    text = f"{flag_of(finding).value}\n{finding.sentence}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def shown_token(findings) -> str:
    """What the form carries after showing `findings` (never empty)."""
    return "shown:" + ".".join(sorted({finding_key(f) for f in findings}))


def shown_keys(token: str | None) -> set[str]:
    """The finding keys a submitted form says it showed (nothing for anything else)."""
    token = token or ""
    if not token.startswith("shown:"):
        return set()
    return {key for key in token[len("shown:") :].split(".") if key}


# In the intake and edit forms


def findings_for_form(text: str, escalation: Escalation | None = None) -> list[Finding]:
    """What the form asks about: every finding at intake; on edit only those for flags not set
    (and not locked after the resolution) whose sentence was not already decided or pending."""
    findings = known(detect(text))
    if escalation is None:
        return findings
    locked = set() if escalation.is_open else set(services.LOCKED_AFTER_RESOLUTION)
    wanted = [
        f
        for f in findings
        if not getattr(escalation, FLAG_FIELDS[flag_of(f)])
        and FLAG_FIELDS[flag_of(f)] not in locked
    ]
    if not wanted:
        return []
    decided = set(
        db.session.execute(
            sa.select(ThreatSuggestion.flag, ThreatSuggestion.sentence).where(
                ThreatSuggestion.escalation_id == escalation.id
            )
        ).all()
    )
    return [f for f in wanted if (flag_of(f), f.sentence) not in decided]


def record_decisions(
    actor, escalation: Escalation, findings, source: ThreatSource, now: datetime
) -> list[ThreatSuggestion]:
    """The form was saved: one row per finding, confirmed when its flag is set, dismissed when
    the person left it unticked (the threat check showed it: `form_values.threat_check`);
    pending suggestions of flags set now are confirmed too, as the confirm button would."""
    rows = [
        ThreatSuggestion(
            escalation_id=escalation.id,
            flag=flag_of(f),
            source=source,
            sentence=f.sentence,
            spans=_stored_spans(f),
            rule=f.rule[:80],
            language=f.language[:8],
            status=SuggestionStatus.CONFIRMED
            if getattr(escalation, FLAG_FIELDS[flag_of(f)])
            else SuggestionStatus.DISMISSED,
            created_at=now,
            decided_at=now,
            decided_by_id=actor.id,
        )
        for f in known(findings)
    ]
    db.session.add_all(rows)
    for pending in _pending(escalation, lock=True):
        if getattr(escalation, FLAG_FIELDS[pending.flag]):
            pending.status = SuggestionStatus.CONFIRMED
            pending.decided_at, pending.decided_by_id = now, actor.id
            services._timeline(
                escalation,
                "threat_confirmed",
                actor,
                at=now,
                flag=pending.flag.value,
                executive=escalation.executive,
            )
            rows.append(pending)
    if rows:
        decided = {
            status.value: sorted({r.flag.value for r in rows if r.status == status})
            for status in (SuggestionStatus.CONFIRMED, SuggestionStatus.DISMISSED)
        }
        services._audit(
            actor,
            escalation,
            "threat_reviewed",
            {f"threats_{k}": [None, v] for k, v in decided.items() if v},
        )
    db.session.flush()
    return rows


# Later text: customer updates and notes


def scan(
    actor, escalation: Escalation, text: str, source: ThreatSource, source_id: int, now: datetime
) -> list[ThreatSuggestion]:
    """A customer update or note just added: a pending suggestion for each flag it reads that
    is neither set nor already waiting, and the owner (else the account's CSM) is told."""
    if not escalation.is_open:
        return []
    return suggest(actor, escalation, detect(text), source, source_id, now)


def scan_note(actor, escalation: Escalation, note: EscalationNote, now: datetime):
    """`scan` an internal note just added (also a sponsor's comment, kept as a note)."""
    return scan(actor, escalation, note.body, ThreatSource.NOTE, note.id, now)


def scan_update(actor, escalation: Escalation, update: CustomerUpdate, now: datetime):
    """`scan` a customer update just recorded."""
    return scan(actor, escalation, update.summary, ThreatSource.CUSTOMER_UPDATE, update.id, now)


def suggest(
    actor, escalation: Escalation, findings, source: ThreatSource, source_id: int, now: datetime
) -> list[ThreatSuggestion]:
    """Pending suggestions from `findings` (flags we do not know are skipped), at most one per
    flag that is neither set nor already waiting; audited, and the owner told."""
    waiting = {s.flag for s in _pending(escalation)}
    created = []
    for finding in known(findings):
        flag = flag_of(finding)
        if flag in waiting or getattr(escalation, FLAG_FIELDS[flag]):
            continue
        waiting.add(flag)
        created.append(
            ThreatSuggestion(
                escalation_id=escalation.id,
                flag=flag,
                source=source,
                source_id=source_id,
                sentence=finding.sentence,
                spans=_stored_spans(finding),
                rule=finding.rule[:80],
                language=finding.language[:8],
                status=SuggestionStatus.PENDING,
                created_at=now,
            )
        )
    if not created:
        return []
    db.session.add_all(created)
    db.session.flush()
    for suggestion in created:
        services._audit(
            actor,
            escalation,
            "threat_suggested",
            {"threat_suggestion": [None, f"{suggestion.flag.value}: {suggestion.sentence[:200]}"]},
        )
        _notify(escalation, suggestion)
    return created


def _notify(escalation: Escalation, suggestion: ThreatSuggestion) -> None:
    recipient = escalation.owner or escalation.account.csm_owner
    if recipient is None:
        return
    subject = with_params(
        SUGGESTED,
        flag=lazy_label(suggestion.flag),
        account=escalation.account.name,
        title=escalation.title,
    )
    body = _l(
        "%(subject)s\n\n“%(sentence)s”\n\n%(why)s\n\n"
        "Confirm it to set the flag, or dismiss it, from the escalation's page.",
        subject=subject,
        sentence=suggestion.sentence[:500],
        why=explain(suggestion.rule),
    )
    notify(
        [recipient],
        kind="threat_suggested",
        subject=subject,
        body=body,
        escalation_id=escalation.id,
        link=f"/escalations/{escalation.id}#threat-suggestions",
    )


# Deciding a pending suggestion


def confirm(actor, suggestion: ThreatSuggestion, now: datetime) -> None:
    """Set the suggested flag, as an edit of the details would: executive recomputed, and when
    it turns executive the domains above are told and the stakeholders notified."""
    escalation = suggestion.escalation
    _check_pending(suggestion)
    if not escalation.is_open:
        raise ThreatsLocked(
            _l(
                "This escalation is resolved: its threats are locked, as they decide whether "
                "closing it needs a post-mortem. Reopen it to set the flag."
            )
        )
    name = FLAG_FIELDS[suggestion.flag]
    was_executive = escalation.executive
    setattr(escalation, name, True)
    services.refresh_executive(escalation)
    changes = audit.pending_changes(escalation, services.ESCALATION_FIELDS)
    suggestion.status = SuggestionStatus.CONFIRMED
    suggestion.decided_at, suggestion.decided_by_id = now, actor.id
    changes["threat_suggestion"] = [None, suggestion.sentence[:200]]
    services._audit(actor, escalation, "threat_confirmed", changes)
    services._timeline(
        escalation,
        "threat_confirmed",
        actor,
        at=now,
        flag=suggestion.flag.value,
        executive=escalation.executive,
    )
    if escalation.executive and not was_executive:
        services._became_executive(escalation, now)
        services.send("raised_executive", escalation, services.stakeholders(escalation))
    db.session.flush()


def dismiss(actor, suggestion: ThreatSuggestion, reason: str, now: datetime) -> None:
    """Not a threat: the suggestion is kept, dismissed, with who, when and why."""
    _check_pending(suggestion)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_at, suggestion.decided_by_id = now, actor.id
    suggestion.dismiss_reason = (reason or "").strip()[:MAX_REASON]
    services._audit(
        actor,
        suggestion.escalation,
        "threat_dismissed",
        {
            "threat_suggestion": [None, f"{suggestion.flag.value}: {suggestion.sentence[:200]}"],
            "reason": [None, suggestion.dismiss_reason],
        },
    )
    db.session.flush()


def _check_pending(suggestion: ThreatSuggestion) -> None:
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionDecided(
            _l(
                "This suggestion was already %(status)s.",
                status=lazy_label(suggestion.status),
            )
        )


# Reading


def _pending(escalation: Escalation, lock: bool = False) -> list[ThreatSuggestion]:
    """The escalation's pending suggestions; with `lock`, read afresh and locked until the
    commit, so that one decided meanwhile by someone else is not decided again."""
    stmt = sa.select(ThreatSuggestion).where(
        ThreatSuggestion.escalation_id == escalation.id,
        ThreatSuggestion.status == SuggestionStatus.PENDING,
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(stmt).all()


@dataclass
class Origin:
    """Where a suggestion was read: a customer update or a note, its author and time."""

    source: ThreatSource
    author: object = None
    at: datetime | None = None


@dataclass
class PageSuggestions:
    pending: list = field(default_factory=list)
    earlier: list = field(default_factory=list)
    origins: dict = field(default_factory=dict)  # suggestion id -> Origin


def for_page(escalation: Escalation) -> PageSuggestions:
    """The escalation's suggestions, pending first then the decided ones, newest first, with
    where each came from: a fixed number of queries however many there are."""
    rows = db.session.scalars(
        sa.select(ThreatSuggestion)
        .where(ThreatSuggestion.escalation_id == escalation.id)
        .options(selectinload(ThreatSuggestion.decided_by))
        .order_by(ThreatSuggestion.created_at.desc(), ThreatSuggestion.id.desc())
    ).all()
    page = PageSuggestions()
    if not rows:
        return page
    sources = {
        ThreatSource.CUSTOMER_UPDATE: (CustomerUpdate, CustomerUpdate.sent_at),
        ThreatSource.NOTE: (EscalationNote, EscalationNote.created_at),
    }
    found = {}
    for source, (model, _at) in sources.items():
        ids = {r.source_id for r in rows if r.source == source and r.source_id is not None}
        if ids:
            records = db.session.scalars(
                sa.select(model)
                .where(model.id.in_(ids), model.escalation_id == escalation.id)
                .options(joinedload(model.author))
            )
            found[source] = {record.id: record for record in records}
    for row in rows:
        record = found.get(row.source, {}).get(row.source_id)
        if record is None:
            page.origins[row.id] = Origin(row.source, at=row.created_at)
        else:
            at = getattr(record, "sent_at", None) or getattr(record, "created_at", None)
            page.origins[row.id] = Origin(row.source, record.author, at)
        (page.pending if row.status == SuggestionStatus.PENDING else page.earlier).append(row)
    return page


@dataclass(frozen=True)
class RuleFilters:
    """The rules page's filter: dismissed suggestions unless told otherwise."""

    status: SuggestionStatus | None = SuggestionStatus.DISMISSED
    flag: ThreatFlag | None = None
    language: str | None = None
    source: ThreatSource | None = None


def rule_suggestions(filters: RuleFilters):
    """The select of the suggestions the filter names, newest first."""
    stmt = sa.select(ThreatSuggestion)
    if filters.status is not None:
        stmt = stmt.where(ThreatSuggestion.status == filters.status)
    if filters.flag is not None:
        stmt = stmt.where(ThreatSuggestion.flag == filters.flag)
    if filters.language:
        stmt = stmt.where(ThreatSuggestion.language == filters.language)
    if filters.source is not None:
        stmt = stmt.where(ThreatSuggestion.source == filters.source)
    moment = sa.func.coalesce(ThreatSuggestion.decided_at, ThreatSuggestion.created_at)
    return stmt.order_by(moment.desc(), ThreatSuggestion.id.desc())


RULE_OPTIONS = (joinedload(ThreatSuggestion.escalation), joinedload(ThreatSuggestion.decided_by))
CSV_LIMIT = 50_000


def csv_text(filters: RuleFilters) -> str:
    """The filtered suggestions as CSV for whoever improves the rules: a BOM (Excel reads
    UTF-8), then one row per suggestion; text a spreadsheet would run as a formula is quoted."""
    from flask_babel import gettext as _

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Decided at"),
            _("Status"),
            _("Flag"),
            _("Language"),
            _("Source"),
            _("Rule"),
            _("Why"),
            _("Sentence"),
            _("Highlighted words"),
            _("Reason"),
            _("Decided by"),
            _("Escalation"),
        ]
    )
    stmt = rule_suggestions(filters).options(joinedload(ThreatSuggestion.decided_by))
    for row in db.session.scalars(stmt.limit(CSV_LIMIT)):
        words = " | ".join(text for text, marked in pieces(row.sentence, row.spans) if marked)
        moment = row.decided_at or row.created_at
        values = [
            moment.isoformat(timespec="minutes"),
            row.status.value,
            row.flag.value,
            row.language,
            row.source.value,
            row.rule,
            str(explain(row.rule)),
            row.sentence,
            words,
            row.dismiss_reason,
            row.decided_by.name if row.decided_by else "",
            row.escalation_id,
        ]
        writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else v for v in values])
    return buffer.getvalue()
