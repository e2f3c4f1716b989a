"""The report rollups: counts per local day and per month, for every tier and owner and for
all of them together, so that the reports page reads a few thousand rows whatever the size of
the escalation book. Maintained by rollup.py only; nobody edits them.

Keys: `tier_key` "" is every tier, `owner_key` 0 is every owner (an escalation without an
owner counts only there). `grain` "d" rows hold one local day (`period` = the day), "m" rows
a calendar month (`period` = its first day); `month` is the month of the row either way.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models import UTCDateTime

ALL_TIERS = ""
ALL_OWNERS = 0
DAY, MONTH = "d", "m"


class ReportState(db.Model):
    """One row: how far the rollups are up to date."""

    __tablename__ = "report_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Changes stamped after this moment are not in the rollups yet.
    watermark_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="")


class ReportFigure(db.Model):
    """A count of one figure's key (category "billing", tag "outage", a histogram bucket, SLA
    clocks met...) in one period, for one tier key and owner key."""

    __tablename__ = "report_figures"
    __table_args__ = (sa.Index("ix_report_figures_period", "grain", "period"),)

    tier_key: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    owner_key: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    period: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    figure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, nullable=False)
    n: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class ReportAccountCount(db.Model):
    """Escalations of one account in one period, for every owner (owner_key 0) and per owner.
    Month rows carry the account's rank in the month (among all accounts, and in its tier), so
    the top accounts are found among a few candidates (queries.top_accounts)."""

    __tablename__ = "report_account_counts"
    __table_args__ = (
        sa.Index("ix_report_account_counts_period", "grain", "period"),
        sa.Index("ix_report_account_counts_account", "account_id", "owner_key", "grain", "period"),
        sa.Index("ix_report_account_counts_rank", "owner_key", "grain", "rank_all", "period"),
        sa.Index("ix_report_account_counts_tier_rank", "owner_key", "grain", "tier", "rank_tier"),
    )

    owner_key: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    period: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    account_id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    n: Mapped[int] = mapped_column(nullable=False)
    rank_all: Mapped[int | None] = mapped_column()
    rank_tier: Mapped[int | None] = mapped_column()


class ReportRepeatSpan(db.Model):
    """A run of days on each of which the account had 3 or more escalations (for every owner,
    or of one owner) created in the 90 days ending that day: the repeat escalations figure."""

    __tablename__ = "report_repeat_spans"
    __table_args__ = (sa.Index("ix_report_repeat_spans_last", "owner_key", "last_day"),)

    owner_key: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    last_day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    tier: Mapped[str] = mapped_column(sa.String(16), nullable=False)
