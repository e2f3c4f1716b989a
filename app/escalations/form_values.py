"""Between the escalation forms and the services: fill a form's pick-lists and fields from
the records, read a submitted form into the values a service takes, and the threat check
that ticks suggested flags before a person confirms them."""

from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc

from app.accounts.models import Account, Contact
from app.auth.models import Role, User
from app.auth.permissions import can_raise_escalation
from app.auth.services import active_users, user_choices
from app.escalations import queries, services, threat_suggestions
from app.escalations.labels import LEVEL_LABELS
from app.escalations.models import (
    Category,
    Escalation,
    EscalationReason,
    IntakeChannel,
    Requester,
    Severity,
    ThreatFlag,
)
from app.escalations.threats import Finding, explain
from app.extensions import db
from app.formatting import from_minor_units, to_minor_units
from app.forms import parse_amount
from app.inputs import as_id

MAX_ACCOUNT_CHOICES = 500
HANDOFF_OWNERS = (Role.CSM, Role.AE, Role.MANAGER, Role.ADMIN, Role.EXECUTIVE)


def account_choices(form, user, wanted: str | None) -> Account | None:
    """The account picker: the requested account when the user may raise on it, else the
    accounts a CSM/AE owns (bounded). Managers pick from a search instead of a 50,000-line
    list. Returns the requested account when it is allowed."""
    none = [("", "—")]
    account_id = as_id(wanted)
    if account_id is not None:
        account = db.session.get(Account, account_id)
        if account is not None and can_raise_escalation(user, account):
            form.account_id.choices = none + [(str(account.id), account.name)]
            return account
    if user.has_role(Role.CSM, Role.AE):
        owned = queries.owned_accounts(user, MAX_ACCOUNT_CHOICES)
        form.account_id.choices = none + [(str(i), n) for i, n in owned]
    else:
        form.account_id.choices = none
    return None


@dataclass
class ThreatCheck:
    """What the threat check read in the title and description (`findings`), and whether the
    form goes back to the person to confirm the flags it ticked (`again`: it was shown before,
    and the text changed since; `new`: the keys of the findings not shown before)."""

    findings: list[Finding]
    needs_confirming: bool
    again: bool = False
    new: frozenset = frozenset()

    def by_flag(self) -> list[tuple[ThreatFlag, list[tuple[Finding, list, object, bool]]]]:
        """Per suggested flag: each finding with its highlighted pieces, why, and whether it
        was not shown before."""
        groups: dict[ThreatFlag, list] = {}
        for finding in self.findings:
            groups.setdefault(ThreatFlag(finding.flag), []).append(
                (
                    finding,
                    threat_suggestions.pieces(finding.sentence, finding.spans),
                    explain(finding.rule),
                    self.again and threat_suggestions.finding_key(finding) in self.new,
                )
            )
        return [(flag, groups[flag]) for flag in ThreatFlag if flag in groups]


def threat_check(form, escalation: Escalation | None = None) -> ThreatCheck:
    """On the first submit, tick the suggested flags and show where and why: a person confirms.
    The form then carries what it showed (`confirmed`); a finding it did not show whose flag is
    unticked (text added while confirming) shows the check again rather than being saved as
    dismissed unseen. On edit (`escalation`) only flags not set yet are suggested. Nothing is
    saved here: the view records the decisions (`threat_suggestions.record_decisions`)."""
    text = f"{form.title.data or ''}\n{form.description.data or ''}"
    found = threat_suggestions.findings_for_form(text, escalation)
    shown = threat_suggestions.shown_keys(form.confirmed.data)

    def flag_field(finding):
        return getattr(form, threat_suggestions.FLAG_FIELDS[ThreatFlag(finding.flag)])

    unseen = [
        f
        for f in found
        if threat_suggestions.finding_key(f) not in shown and not flag_field(f).data
    ]
    if not unseen:
        return ThreatCheck(found, needs_confirming=False)
    for finding in unseen:
        flag_field(finding).data = True
    form.confirmed.data = threat_suggestions.shown_token(found)
    return ThreatCheck(
        found,
        needs_confirming=True,
        again=bool(shown),
        new=frozenset(threat_suggestions.finding_key(f) for f in found) - shown,
    )


def values(form, account: Account, *, editing: bool = False) -> dict:
    """The service's values from a validated escalation form (who may set a legal hold is
    the service's rule)."""
    promised = form.promised_at.data  # datetime-local: wall-clock time in the app's timezone
    values = {
        "title": form.title.data.strip(),
        "description": form.description.data,
        "channel": IntakeChannel(form.channel.data),
        "category": Category(form.category.data),
        "severity": Severity(form.severity.data),
        "threat_cancellation": form.threat_cancellation.data,
        "threat_legal": form.threat_legal.data,
        "threat_safety": form.threat_safety.data,
        "legal_hold": bool(form.legal_hold.data),
        "promised_at": to_utc(promised).replace(tzinfo=UTC) if promised else None,
    }
    values.update(_case_file_values(form, editing))
    if (form.arr_at_risk.data or "").strip():  # blank or only spaces: the account's ARR
        amount = parse_amount(form.arr_at_risk.data, account.currency)
        values["arr_at_risk_minor"] = to_minor_units(amount, account.currency)
        values["arr_at_risk_currency"] = account.currency
    elif editing:
        values["arr_at_risk_minor"] = None  # recomputed from the account if executive
    return values


def _case_file_values(form, editing: bool) -> dict:
    """Why it was escalated and who asked; left out on an edit that leaves them unrecorded.
    A contact is kept only when the customer asked."""
    values = {}
    if form.reason.data or not editing:
        values["reason"] = EscalationReason(form.reason.data)
    if form.requested_by.data or not editing:
        requester = Requester(form.requested_by.data)
        values["requested_by"] = requester
        contact = as_id(form.requester_contact_id.data)
        values["requester_contact_id"] = contact if requester == Requester.CUSTOMER else None
    return values


def contact_choices(account_id) -> list[tuple[str, str]]:
    """The requester pick-list: none, then the account's contacts (name and title)."""
    none = [("", _("— none —"))]
    account_id = as_id(account_id)
    if account_id is None:
        return none
    contacts = db.session.execute(
        sa.select(Contact.id, Contact.name, Contact.title)
        .where(Contact.account_id == account_id)
        .order_by(Contact.name)
    ).all()
    return none + [(str(i), f"{n} ({t})" if t else n) for i, n, t in contacts]


def fill_form(form, escalation: Escalation) -> None:
    """The edit form's fields that do not read straight from the escalation."""
    form.confirmed.data = "1"
    form.channel.data = escalation.channel.value
    form.category.data = escalation.category.value
    form.severity.data = escalation.severity.value
    form.tags.data = ", ".join(escalation.tags)
    if escalation.arr_at_risk_minor is not None:
        form.arr_at_risk.data = str(
            from_minor_units(escalation.arr_at_risk_minor, escalation.arr_at_risk_currency)
        )
    if escalation.promised_at is not None:
        form.promised_at.data = to_user_timezone(escalation.promised_at).replace(tzinfo=None)


def handoff_choices(form, escalation: Escalation, user) -> None:
    """The handoff form's pick-lists: the levels this user may raise to, the new owners, and
    the account's contacts."""
    levels = services.levels_open_to(user, escalation)
    form.to_level.choices = [(level.value, LEVEL_LABELS[level]) for level in levels]
    form.new_owner_id.choices = [("", "—")] + user_choices(*HANDOFF_OWNERS)
    contacts = db.session.execute(
        sa.select(Contact.id, Contact.name, Contact.title)
        .where(Contact.account_id == escalation.account_id)
        .order_by(Contact.name)
    ).all()
    form.contact_id.choices = [("", _("— none —"))] + [
        (str(i), f"{n} ({t})" if t else n) for i, n, t in contacts
    ]


def handoff_values(form) -> dict:
    """The handoff's structured account from a validated handoff form."""
    return {
        "contact_id": int(form.contact_id.data) if form.contact_id.data else None,
        "what_happened": form.what_happened.data,
        "what_was_tried": form.what_was_tried.data,
        "why_unresolved": form.why_unresolved.data,
        "what_is_needed": form.what_is_needed.data,
    }


def explain_inactive_owner(form, escalation: Escalation, actor) -> None:
    """A new owner picked while active but deactivated since: say so, and who can take it."""
    picked = form.new_owner_id.data or ""
    offered = dict(form.new_owner_id.choices)
    user_id = as_id(picked)
    if user_id is None or picked in offered:
        return
    user = db.session.get(User, user_id)
    if user is None or user.active:
        return
    account = escalation.account
    managers = [i for (i,) in active_users(Role.MANAGER, columns=(User.id,))]
    handing_off = {escalation.owner_id, actor.id}
    wanted = [
        i for i in (account.csm_owner_id, account.ae_owner_id, *managers) if i not in handing_off
    ]
    names = list(dict.fromkeys(offered[str(i)] for i in wanted if str(i) in offered))[:3]
    if names:
        message = _(
            "%(name)s is no longer active. Choose someone else, e.g. %(people)s.",
            name=user.name,
            people=", ".join(names),
        )
    else:
        message = _("%(name)s is no longer active. Choose someone else.", name=user.name)
    form.new_owner_id.errors = [message]


def widespread_values(form) -> dict:
    """The widespread issue's title, other accounts' domains, message and approval."""
    return {
        "title": form.title.data,
        "domains": form.domain_list(),
        "message": form.message.data,
        "approve": bool(form.approve.data),
    }


def fill_widespread_form(form, escalation: Escalation) -> None:
    """The widespread form from the escalation's issue, when it has one."""
    issue = escalation.widespread_issue
    if issue is None:
        return
    form.title.data, form.message.data = issue.title, issue.approved_message
    form.domains.data = "\n".join(a.domain for a in issue.accounts if a.id != escalation.account_id)
