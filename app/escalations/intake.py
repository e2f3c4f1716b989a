"""Form plumbing shared by the escalation views: pickers, the threat check, form values."""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.forms import parse_amount
from app.accounts.models import Account, Contact
from app.auth.models import Role
from app.auth.permissions import can_manage_escalations
from app.auth.services import users_with_role
from app.escalations.forms import to_utc
from app.escalations.labels import LEVEL_LABELS
from app.escalations.models import (
    Category,
    Escalation,
    IntakeChannel,
    Level,
    ReplyTemplate,
    Severity,
)
from app.escalations.threats import ThreatSuggestion, suggest
from app.extensions import db
from app.formatting import from_minor_units, local_time, to_minor_units
from app.models import contains

MAX_ACCOUNT_CHOICES = 500


def account_choices(form, user, wanted: str | None) -> Account | None:
    """The account picker: the requested account when the user may raise on it, else the
    accounts a CSM/AE owns (bounded). Managers pick from a search instead of a 50,000-line
    list. Returns the requested account when it is allowed."""
    from app.auth.permissions import can_raise_escalation

    none = [("", "—")]
    if wanted and wanted.isdigit():
        account = db.session.get(Account, int(wanted))
        if account is not None and can_raise_escalation(user, account):
            form.account_id.choices = none + [(str(account.id), account.name)]
            return account
    if user.has_role(Role.CSM, Role.AE):
        stmt = (
            sa.select(Account.id, Account.name)
            .where(sa.or_(Account.csm_owner_id == user.id, Account.ae_owner_id == user.id))
            .order_by(Account.name)
            .limit(MAX_ACCOUNT_CHOICES)
        )
        form.account_id.choices = none + [(str(i), n) for i, n in db.session.execute(stmt)]
    else:
        form.account_id.choices = none
    return None


def search_accounts(q: str, user, limit: int = 20) -> list[Account]:
    """Accounts matching a name or domain fragment, for picking the escalation's account."""
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


def threat_check(form) -> ThreatSuggestion | None:
    """On the first submit, tick the suggested flags and show what matched: a person confirms.

    Returns the suggestion while it still needs confirming, else None (go ahead and save).
    """
    found = suggest(f"{form.title.data}\n{form.description.data}")
    if form.confirmed.data == "1" or not found.any:
        return None
    missing = (found.cancellation and not form.threat_cancellation.data) or (
        found.legal and not form.threat_legal.data
    )
    if not missing:
        return None
    if found.cancellation:
        form.threat_cancellation.data = True
    if found.legal:
        form.threat_legal.data = True
    form.confirmed.data = "1"
    return found


def values(form, account: Account, actor, *, editing: bool = False) -> dict:
    """Model values from a validated escalation form."""
    values = {
        "title": form.title.data.strip(),
        "description": form.description.data,
        "channel": IntakeChannel(form.channel.data),
        "category": Category(form.category.data),
        "severity": Severity(form.severity.data),
        "threat_cancellation": form.threat_cancellation.data,
        "threat_legal": form.threat_legal.data,
        "threat_safety": form.threat_safety.data,
        "promised_at": to_utc(form.promised_at.data),
    }
    if can_manage_escalations(actor) or not editing:
        values["legal_hold"] = bool(form.legal_hold.data) and can_manage_escalations(actor)
    if (form.arr_at_risk.data or "").strip():  # blank or only spaces: the account's ARR
        amount = parse_amount(form.arr_at_risk.data, account.currency)
        values["arr_at_risk_minor"] = to_minor_units(amount, account.currency)
        values["arr_at_risk_currency"] = account.currency
    elif editing:
        values["arr_at_risk_minor"] = None  # recomputed from the account if executive
    return values


def fill_form(form, escalation: Escalation) -> None:
    form.version.data = escalation.version
    form.confirmed.data = "1"
    form.channel.data = escalation.channel.value
    form.category.data = escalation.category.value
    form.severity.data = escalation.severity.value
    form.tags.data = ", ".join(escalation.tags)
    if escalation.arr_at_risk_minor is not None:
        form.arr_at_risk.data = str(
            from_minor_units(escalation.arr_at_risk_minor, escalation.arr_at_risk_currency)
        )
    form.promised_at.data = local_time(escalation.promised_at)


def handoff_choices(form, escalation: Escalation, user) -> None:
    levels = [lv for lv in Level if lv.rank > escalation.level.rank]
    if not can_manage_escalations(user):
        levels = [lv for lv in levels if lv != Level.EXECUTIVE]
    form.to_level.choices = [(lv.value, LEVEL_LABELS[lv]) for lv in levels]
    owners = users_with_role(Role.CSM, Role.AE, Role.MANAGER, Role.ADMIN, Role.EXECUTIVE)
    form.new_owner_id.choices = [("", "—")] + [(str(i), n) for i, n in owners]
    contacts = db.session.execute(
        sa.select(Contact.id, Contact.name, Contact.title)
        .where(Contact.account_id == escalation.account_id)
        .order_by(Contact.name)
    ).all()
    form.contact_id.choices = [("", _("— none —"))] + [
        (str(i), f"{n} ({t})" if t else n) for i, n, t in contacts
    ]


def template_text(key: str, escalation: Escalation, language: str | None = None) -> str:
    from flask_babel import get_locale

    language = language or str(get_locale() or "en")
    template = db.session.scalar(
        sa.select(ReplyTemplate).where(ReplyTemplate.key == key, ReplyTemplate.language == language)
    )
    return template.body.replace("{title}", escalation.title) if template else ""
