"""Each figure of the reports page as its chart's bars and as the rows of its table and CSV:
one definition, so the chart, the table under it and the download always agree."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from babel.dates import format_skeleton
from flask_babel import format_decimal, format_percent, get_locale

from app.accounts.importing import spreadsheet_safe
from app.accounts.labels import TIER_LABELS
from app.accounts.models import Tier
from app.escalations.labels import CATEGORY_LABELS, LEVEL_LABELS, ROOT_CAUSE_LABELS, SEVERITY_LABELS
from app.escalations.models import Category, Level, RootCause, Severity
from app.formatting import duration_minutes
from app.i18n import lazy_gettext as _l
from app.reports import queries
from app.reports.queries import Report, Share


class Bar(NamedTuple):
    label: str  # under or beside the bar
    value: float
    text: str  # the number as shown
    title: str  # the bar's tooltip: label and number in full


@dataclass(frozen=True)
class Figure:
    title: object
    columns: tuple
    rows: Callable[[Report], list[list]]  # the table and the CSV: raw values


def _number(value) -> str:
    return format_decimal(value) if value is not None else "—"


def _percent(share: Share) -> str:
    return format_percent(share.value, "#,##0.0%") if share.value is not None else "—"


def _month(month, skeleton="yMMM") -> str:
    return format_skeleton(skeleton, month, locale=get_locale())


def _counted(items, labels) -> list[list]:
    return [[str(labels.get(key, key)), n] for key, n in items]


def _enum_labels(enum_cls, labels) -> dict:
    return {member.value: labels[member] for member in enum_cls}


def _share_rows(report: Report) -> list[list]:
    share = report.executive
    return [[str(_l("Reached executive level")), share.part, share.whole, _percent(share)]]


def _sla_rows(report: Report) -> list[list]:
    names = {"first_response": _l("First response"), "resolution": _l("Resolution")}
    return [
        [str(names[kind]), share.part, share.whole, _percent(share)]
        for kind, share in report.sla.items()
    ]


def _minutes(value) -> int | None:
    return None if value is None else round(value)


def _times_rows(report: Report) -> list[list]:
    names = {"first_response": _l("Time to first response"), "resolution": _l("Time to resolution")}
    return [
        [str(names[kind]), times.counted, _minutes(times.median), _minutes(times.p90)]
        for kind, times in report.times.items()
    ]


def _csat_rows(report: Report) -> list[list]:
    average = None if report.csat_average is None else round(report.csat_average, 2)
    share = report.csat_satisfied
    return [[report.csat_answered, average, share.part, _percent(share)]]


def _account_rows(accounts) -> list[list]:
    tiers = {tier.value: TIER_LABELS[tier] for tier in Tier}
    return [
        [name, str(tiers.get(getattr(tier, "value", tier), tier)), n]
        for _id, name, tier, n in accounts
    ]


COUNT = _l("Escalations")
FIGURES: dict[str, Figure] = {
    "by_month": Figure(
        _l("Escalations by month"),
        (_l("Month"), COUNT),
        lambda r: [[m.strftime("%Y-%m"), n] for m, n in r.by_month],
    ),
    "by_category": Figure(
        _l("Escalations by category"),
        (_l("Category"), COUNT),
        lambda r: _counted(r.by_category, _enum_labels(Category, CATEGORY_LABELS)),
    ),
    "by_severity": Figure(
        _l("Escalations by severity"),
        (_l("Severity"), COUNT),
        lambda r: _counted(r.by_severity, _enum_labels(Severity, SEVERITY_LABELS)),
    ),
    "by_level": Figure(
        _l("Escalations by level reached"),
        (_l("Level reached"), COUNT),
        lambda r: _counted(r.by_level, _enum_labels(Level, LEVEL_LABELS)),
    ),
    "by_tag": Figure(
        _l("Escalations by tag (top 10)"),
        (_l("Tag"), COUNT),
        lambda r: [[name, n] for name, n in r.by_tag],
    ),
    "by_account": Figure(
        _l("Escalations by account (top 10)"),
        (_l("Account"), _l("Tier"), COUNT),
        lambda r: _account_rows(r.top_accounts),
    ),
    "executive": Figure(
        _l("Share that reached executive level"),
        (_l("Figure"), _l("Reached executive level"), COUNT, _l("Share")),
        _share_rows,
    ),
    "sla": Figure(
        _l("SLA compliance"),
        (_l("Clock"), _l("Met"), _l("Stopped or breached"), _l("Compliance")),
        _sla_rows,
    ),
    "times": Figure(
        _l("Time to first response and to resolution (business time)"),
        (
            _l("Figure"),
            _l("Escalations counted"),
            _l("Median (minutes)"),
            _l("90th percentile (minutes)"),
        ),
        _times_rows,
    ),
    "csat": Figure(
        _l("Customer satisfaction (CSAT)"),
        (
            _l("Surveys answered"),
            _l("Average score (1-5)"),
            _l("Satisfied (4-5)"),
            _l("Satisfied share"),
        ),
        _csat_rows,
    ),
    "root_causes": Figure(
        _l("Post-mortem root causes"),
        (_l("Root cause"), _l("Completed post-mortems")),
        lambda r: _counted(r.root_causes, _enum_labels(RootCause, ROOT_CAUSE_LABELS)),
    ),
    "repeat_accounts": Figure(
        _l("Repeat escalations"),
        (_l("Account"), _l("Tier"), _l("Escalations in the 90 days")),
        lambda r: _account_rows(queries.repeat_accounts(r.filters)),
    ),
}


def bars(rows: list[list]) -> list[Bar]:
    """A chart's bars from a figure's (label, count) rows."""
    return [Bar(str(label), n, _number(n), f"{label}: {_number(n)}") for label, n in rows]


def month_bars(report: Report) -> list[Bar]:
    return [
        Bar(_month(m, "MMM"), n, _number(n), f"{_month(m)}: {_number(n)}")
        for m, n in report.by_month
    ]


def account_bars(report: Report) -> list[Bar]:
    return [
        Bar(name, n, _number(n), f"{name}: {_number(n)}")
        for _id, name, _tier, n in report.top_accounts
    ]


def duration_text(minutes: float | None) -> str:
    return "—" if minutes is None else duration_minutes(round(minutes))


def csv_text(figure: Figure, report: Report) -> str:
    """The figure as CSV: a BOM (Excel reads UTF-8), the column titles in the reader's
    language, then the rows; text that a spreadsheet would run as a formula is quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(column) for column in figure.columns])
    for row in figure.rows(report):
        writer.writerow(
            [spreadsheet_safe(v) if isinstance(v, str) else ("" if v is None else v) for v in row]
        )
    return buffer.getvalue()
