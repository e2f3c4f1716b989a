"""The account block of the Today page (signals.today_page_sections): the accounts a CSM or
AE owns that are at risk or renew within 90 days, at risk first, each by the soonest renewal.
A count, the first rows of each kind in index order, and the rows."""

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


def _first_owned(viewer, *conditions) -> list[int]:
    """The ids of the first ROWS accounts the viewer owns (CSM or AE) that meet `conditions`,
    by renewal date: the first ROWS of each owner column, read in the order of its index
    (owner, status, renewal date), then merged; never every matching account sorted."""
    order = (Account.renewal_date.asc().nulls_last(), Account.id)
    parts = []
    for owner in (Account.csm_owner_id, Account.ae_owner_id):
        part = (
            sa.select(Account.id, Account.renewal_date)
            .where(owner == viewer.id, *conditions)
            .order_by(*order)
            .limit(ROWS)
            .subquery()
        )
        parts.append(sa.select(part.c.id, part.c.renewal_date))
    merged = sa.union(*parts).subquery()  # UNION: an account both CSM and AE of counts once
    return list(
        db.session.scalars(
            sa.select(merged.c.id)
            .order_by(merged.c.renewal_date.asc().nulls_last(), merged.c.id)
            .limit(ROWS)
        )
    )


def _my_accounts_to_watch(viewer, today: date) -> Block:
    renewing = Account.renewal_date.between(today, today + timedelta(days=RENEWAL_DAYS))
    at_risk = Account.status == LifecycleStatus.AT_RISK
    stmt = sa.select(Account).where(
        sa.or_(Account.csm_owner_id == viewer.id, Account.ae_owner_id == viewer.id),
        sa.or_(at_risk, renewing),
    )
    # At risk first, then renewing: each by the soonest renewal.
    ids = _first_owned(viewer, at_risk)
    if len(ids) < ROWS:
        ids += _first_owned(viewer, ~at_risk, renewing)[: ROWS - len(ids)]
    by_id = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))}
    return Block(
        "my-accounts",
        _("My accounts at risk or renewing within 90 days"),
        capped_count(stmt),
        [by_id[i] for i in ids],
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
