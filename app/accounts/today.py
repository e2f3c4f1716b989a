"""The account block of the Today page (signals.today_page_sections): the accounts a CSM or
AE owns that are at risk or renew within 90 days, the soonest renewal first. A count and
one query for the rows."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from app.accounts.models import Account, LifecycleStatus
from app.auth.models import Role
from app.extensions import db
from app.main.today import ROWS, WATCH, Block, Link, capped_count, section

TEMPLATE = "today/accounts.html"
RENEWAL_DAYS = 90


def _my_accounts_to_watch(viewer, today: date) -> Block:
    renewing = Account.renewal_date.between(today, today + timedelta(days=RENEWAL_DAYS))
    stmt = sa.select(Account).where(
        sa.or_(Account.csm_owner_id == viewer.id, Account.ae_owner_id == viewer.id),
        sa.or_(Account.status == LifecycleStatus.AT_RISK, renewing),
    )
    at_risk_first = (Account.status == LifecycleStatus.AT_RISK).desc()
    rows = stmt.order_by(at_risk_first, Account.renewal_date.asc().nulls_last(), Account.id)
    return Block(
        "my-accounts",
        _("My accounts at risk or renewing within 90 days"),
        capped_count(stmt),
        list(db.session.scalars(rows.limit(ROWS))),
        [
            Link(
                _("See my accounts at risk"),
                url_for("accounts.list_accounts", owner="me", status="at_risk"),
            ),
            Link(
                _("See my renewals within 90 days"),
                url_for("accounts.list_accounts", owner="me", renewal="90", sort="renewal"),
            ),
        ],
        _("None of your accounts is at risk or renews in the next 90 days."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """CSMs and AEs watch the accounts they own."""
    if not viewer.has_role(Role.CSM, Role.AE):
        return []
    return [section(TEMPLATE, _my_accounts_to_watch(viewer, today), WATCH, today=today)]
