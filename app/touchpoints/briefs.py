"""The PDF briefs executives download (or receive from a scheduled export): rendered from the
review pages' templates, each one is kept as a Brief row with the figures it showed (a snapshot
per account), so that the next brief says what changed since the previous one of the same
executive, and the history lists who generated which brief when.

Which brief is "the previous one": the latest the executive downloaded themself (briefs an
admin or a CSM downloaded do not count: the executive never read them). For a portfolio brief,
their latest portfolio brief; for an account brief, their latest brief that included that
account (an account brief of it, or a portfolio brief whose snapshot holds it).
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.escalations.models import Escalation
from app.extensions import db
from app.formatting import local_today
from app.touchpoints import pdf, review
from app.touchpoints.models import Brief, BriefKind

# Briefs looked through for the latest one that included an account (newest first): an
# executive downloads a few a week, so the one wanted is among them.
LOOKBACK = 50
PER_PAGE = 25


def snapshot(reviews) -> dict[str, dict]:
    """{account id (as text, JSON keys are): the figures the brief shows} of AccountReviews."""
    return {
        str(r.account.id): {
            "name": r.account.name,
            "health": r.account.health_score,
            "arr_minor": r.account.arr_minor,
            "currency": r.account.currency,
            "open_escalations": len(r.escalations),
            "executive_escalations": r.executive_escalations,
            "sponsor_change": r.sponsor_change,
        }
        for r in reviews
    }


def previous_brief(kind: BriefKind, executive_id: int, account_id: int | None) -> Brief | None:
    """The brief the new one is compared with (see the module's docstring), or None."""
    stmt = sa.select(Brief).where(
        Brief.executive_id == executive_id, Brief.generated_by_id == executive_id
    )
    if kind is BriefKind.PORTFOLIO:
        stmt = stmt.where(Brief.kind == BriefKind.PORTFOLIO)
    else:
        stmt = stmt.where(
            sa.or_(
                Brief.kind == BriefKind.PORTFOLIO,
                sa.and_(Brief.kind == BriefKind.ACCOUNT, Brief.account_id == account_id),
            )
        )
    stmt = stmt.order_by(Brief.generated_at.desc(), Brief.id.desc()).limit(LOOKBACK)
    for brief in db.session.scalars(stmt):
        if kind is BriefKind.PORTFOLIO or str(account_id) in (brief.snapshot or {}):
            return brief
    return None


@dataclass
class Change:
    """One figure that moved since the previous brief; the template words it."""

    what: str  # "health" | "arr" | "executive_escalations" | "opened" | "closed" |
    # "sponsor_change" | "sponsor_change_cleared" | "new"
    old: object = None
    new: object = None
    currency: str | None = None
    old_currency: str | None = None


@dataclass
class BriefChanges:
    """What changed since the previous brief, per account id (int)."""

    previous: Brief | None
    by_account: dict[int, list[Change]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # names of accounts no longer included

    @property
    def first(self) -> bool:
        return self.previous is None

    @property
    def any(self) -> bool:
        return bool(self.removed) or any(self.by_account.values())


def changes_since(
    kind: BriefKind, previous: Brief | None, current: dict[str, dict]
) -> BriefChanges:
    """Compare the new brief's snapshot with the previous brief's; escalations opened and
    closed since then are counted in one query. A portfolio brief also names the accounts
    the previous one had and it has not."""
    changes = BriefChanges(previous)
    if previous is None:
        return changes
    before = previous.snapshot or {}
    account_ids = [int(key) for key in current]
    moved = _escalations_moved(account_ids, previous.generated_at) if account_ids else {}
    for key, now in current.items():
        account_id = int(key)
        then = before.get(key)
        if then is None:
            changes.by_account[account_id] = [Change("new")]
            continue
        found = []
        if then.get("health") != now["health"]:
            found.append(Change("health", then.get("health"), now["health"]))
        if (then.get("arr_minor"), then.get("currency")) != (now["arr_minor"], now["currency"]):
            found.append(
                Change(
                    "arr",
                    then.get("arr_minor"),
                    now["arr_minor"],
                    currency=now["currency"],
                    old_currency=then.get("currency") or now["currency"],
                )
            )
        opened, closed = moved.get(account_id, (0, 0))
        if opened:
            found.append(Change("opened", new=opened))
        if closed:
            found.append(Change("closed", new=closed))
        if then.get("executive_escalations", 0) != now["executive_escalations"]:
            found.append(
                Change(
                    "executive_escalations",
                    then.get("executive_escalations", 0),
                    now["executive_escalations"],
                )
            )
        if bool(then.get("sponsor_change")) != now["sponsor_change"]:
            found.append(
                Change("sponsor_change" if now["sponsor_change"] else "sponsor_change_cleared")
            )
        changes.by_account[account_id] = found
    if kind is BriefKind.PORTFOLIO:
        changes.removed = sorted(
            (then.get("name") or f"#{key}" for key, then in before.items() if key not in current),
            key=str.casefold,
        )
    return changes


def _escalations_moved(account_ids: list[int], since: datetime) -> dict[int, tuple[int, int]]:
    """{account id: (escalations raised since, escalations resolved since)}."""
    stmt = (
        sa.select(
            Escalation.account_id,
            sa.func.count(Escalation.id).filter(Escalation.created_at > since),
            sa.func.count(Escalation.id).filter(Escalation.resolved_at > since),
        )
        .where(
            Escalation.account_id.in_(account_ids),
            sa.or_(Escalation.created_at > since, Escalation.resolved_at > since),
        )
        .group_by(Escalation.account_id)
    )
    return {row[0]: (row[1], row[2]) for row in db.session.execute(stmt)}


def record(
    actor,
    kind: BriefKind,
    *,
    executive_id: int,
    account,
    pages: int,
    size_bytes: int,
    figures: dict,
    now: datetime,
    summary: str,
) -> Brief:
    """Keep the download (a log, like an access log) with its snapshot; audited on the account
    (account brief) or on the executive (portfolio brief). The caller commits."""
    brief = Brief(
        kind=kind,
        executive_id=executive_id,
        account_id=account.id if account is not None else None,
        generated_by_id=actor.id,
        generated_at=now,
        pages=pages,
        size_bytes=size_bytes,
        snapshot=figures,
    )
    db.session.add(brief)
    db.session.flush()
    if account is not None:
        entity, entity_id, account_id = "account", account.id, account.id
    else:
        entity, entity_id, account_id = "user", executive_id, None
    audit.record(
        actor,
        entity,
        entity_id,
        "brief",
        changes={"kind": [None, kind.value], "pages": [None, pages]},
        summary=summary,
        account_id=account_id,
    )
    return brief


def render(
    kind: BriefKind, template: str, context: dict, reviews, executive, account, actor, now
) -> pdf.RenderedPdf:
    """A brief rendered to PDF (the page's template with pdf=True) with what changed since the
    previous one, and recorded as generated by `actor`. Needs a request context (the PDF's
    links and static files); the caller commits."""
    figures = snapshot(reviews)
    previous = previous_brief(kind, executive.id, account.id if account else None)
    html = render_template(
        template,
        **context,
        executive=executive,
        pdf=True,
        prep=False,
        changes=changes_since(kind, previous, figures),
        generated_at=now,
    )
    rendered = pdf.render(html)
    record(
        actor,
        kind,
        executive_id=executive.id,
        account=account,
        pages=rendered.pages,
        size_bytes=len(rendered.data),
        figures=figures,
        now=now,
        summary=account.name if account else executive.email,
    )
    return rendered


def portfolio_pdf(executive, actor, now: datetime) -> pdf.RenderedPdf:
    """All of one executive's accounts: a summary table, then a section per account; recorded
    as generated by `actor` (the page's download, or a scheduled export's owner)."""
    reviews = review.portfolio(executive, local_today(now), now)
    context = dict(reviews=reviews, names={r.account.id: r.account.name for r in reviews})
    return render(
        BriefKind.PORTFOLIO, "review/portfolio.html", context, reviews, executive, None, actor, now
    )


def history(executive_id: int):
    """The briefs generated for the executive, newest first (a select to paginate)."""
    return (
        sa.select(Brief)
        .where(Brief.executive_id == executive_id)
        .options(joinedload(Brief.generated_by), joinedload(Brief.account))
        .order_by(Brief.generated_at.desc(), Brief.id.desc())
    )
