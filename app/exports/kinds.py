"""What each kind of export holds: its columns, the list page's filters it takes, and its rows,
read with the rights of the schedule's owner.

A schedule's filters are the list page's own query arguments, cleaned by the page's own rules
(`EscalationFilters.from_args(...).as_args()` and the like) and applied by the page's own select
builders, so a filter means in an export exactly what it means on the page; "mine" and "me" are
the schedule's owner. `scope(owner)` then narrows every kind to the owner's data (SPEC: an
export never holds what its owner could not see), in SQL, on top of the filters.

Rows are plain columns (no ORM objects, joins instead of queries per row) fetched 1,000 at a
time (`yield_per`), so an export of any size runs in constant memory. A money cell is a pair
(minor units, currency code); a label cell is the enum's stored value (Column.enum says which
enum; the writers translate it); a date-time is aware, or naive in UTC.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from flask import url_for
from werkzeug.datastructures import MultiDict

from app.accounts.labels import (
    HEALTH_BANDS,
    RENEWAL_WINDOWS,
    STATUS_LABELS,
    TIER_LABELS,
)
from app.accounts.labels import SORTS as ACCOUNT_SORTS
from app.accounts.models import Account, LifecycleStatus, Tier
from app.accounts.services import AccountFilters, filtered_accounts
from app.auth.models import Role, User
from app.auth.services import user_choices
from app.escalations.labels import (
    ESCALATION_STATUS_LABELS,
    LEVEL_LABELS,
    SAVED_VIEWS,
    SEVERITY_LABELS,
)
from app.escalations.labels import SORT_LABELS as ESCALATION_SORT_LABELS
from app.escalations.models import (
    Category,
    Escalation,
    EscalationTag,
    IntakeChannel,
    Level,
    ResolutionKind,
    Severity,
    Status,
    escalation_watchers,
)
from app.escalations.queries import EscalationFilters, filtered_escalations
from app.exports.models import ExportFormat, ExportKind
from app.extensions import db
from app.formatting import local_today
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext
from app.inputs import as_id
from app.models import DomainError
from app.sponsorship.labels import SPONSORSHIP_STATUS_LABELS
from app.sponsorship.models import IN_PROGRAM, ExitReason, Sponsorship, SponsorshipStatus
from app.sponsorship.queries import sponsorship_list
from app.touchpoints import briefs
from app.touchpoints import queries as touchpoint_queries
from app.touchpoints.models import (
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    touchpoint_executives,
)

BATCH = 1000  # rows fetched at a time
TABLE_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX)


@dataclass(frozen=True)
class Column:
    key: str
    title: object  # a lazy translation: the header in the reader's language
    type: str  # "text" | "int" | "date" | "datetime" | "money" | "label" | "bool"
    width: int | None = None  # characters; None: from the title and the first rows
    # "label": the enum whose stored values the cells hold (None: they hold members).
    enum: type[Enum] | None = None


@dataclass(frozen=True)
class FilterField:
    name: str  # the list page's query argument
    label: object
    # (value, label) as the list page's select offers them, for this user; None: free text.
    choices: Callable[[object], list[tuple[str, str]]] | None
    # Carried over from the list page's link (an account's escalations) but not offered as a
    # form field: the schedule form shows it as it is.
    hidden: bool = False


def _labelled(labels, first=None) -> Callable[[object], list[tuple[str, str]]]:
    """Choices from an enum -> label mapping (or key -> label), after `first` options."""

    def choices(_user) -> list[tuple[str, str]]:
        found = [(value, str(text)) for value, text in (first or [])]
        for key, text in labels.items():
            text = text[0] if isinstance(text, tuple) else text
            found.append((getattr(key, "value", key), str(text)))
        return found

    return choices


ALL = [("", _l("All"))]


# ---- rights ------------------------------------------------------------------------------


@dataclass
class Scope:
    """What one owner's exports may hold (the design's "Rights"): SQL conditions per kind.

    Admins: everything. Executives: the accounts of the sponsorships they sponsor in the
    program, those accounts' escalations, the sponsorships they sponsor, touchpoints on those
    accounts or that they attend; the portfolio brief of themselves. Managers: the escalations
    they own or watch, the accounts with such an escalation, those accounts' sponsorships and
    touchpoints. Several roles: the widest. Anyone else: nothing."""

    owner: object
    everything: bool = False
    executive: bool = False
    manager: bool = False

    @property
    def note(self):
        """What this owner's exports hold, in a sentence for the schedule's pages."""
        if self.everything:
            return _l("The export holds the whole book: its owner is an admin.")
        if self.executive and self.manager:
            return _l(
                "The export holds the accounts its owner sponsors in the program and the "
                "escalations they own or watch, with what belongs to them: not everything the "
                "list shows."
            )
        if self.executive:
            return _l(
                "The export holds the accounts its owner sponsors in the program, with their "
                "escalations, sponsorships and touchpoints: not everything the list shows."
            )
        if self.manager:
            return _l(
                "The export holds the escalations its owner owns or watches, with their "
                "accounts, sponsorships and touchpoints: not everything the list shows."
            )
        return _l("The export holds nothing: its owner may not own export schedules.")

    def _sponsored_accounts(self):
        return sa.select(Sponsorship.account_id).where(
            Sponsorship.sponsor_id == self.owner.id, Sponsorship.status.in_(IN_PROGRAM)
        )

    def _managed_escalations(self):
        """The condition on Escalation: owned or watched by the owner."""
        watched = sa.select(escalation_watchers.c.escalation_id).where(
            escalation_watchers.c.user_id == self.owner.id
        )
        return sa.or_(Escalation.owner_id == self.owner.id, Escalation.id.in_(watched))

    def _managed_accounts(self):
        """The accounts with an escalation the owner owns or watches."""
        return sa.select(Escalation.account_id).where(self._managed_escalations())

    def _any(self, executive, manager):
        if self.everything:
            return sa.true()
        found = []
        if self.executive:
            found.append(executive())
        if self.manager:
            found.append(manager())
        return sa.or_(*found) if found else sa.false()

    def escalations(self):
        return self._any(
            lambda: Escalation.account_id.in_(self._sponsored_accounts()),
            self._managed_escalations,
        )

    def accounts(self):
        return self._any(
            lambda: Account.id.in_(self._sponsored_accounts()),
            lambda: Account.id.in_(self._managed_accounts()),
        )

    def sponsorships(self):
        return self._any(
            lambda: Sponsorship.sponsor_id == self.owner.id,
            lambda: Sponsorship.account_id.in_(self._managed_accounts()),
        )

    def touchpoints(self):
        def executive():
            attending = sa.select(touchpoint_executives.c.touchpoint_id).where(
                touchpoint_executives.c.user_id == self.owner.id
            )
            return sa.or_(
                Touchpoint.account_id.in_(self._sponsored_accounts()),
                Touchpoint.id.in_(attending),
            )

        return self._any(executive, lambda: Touchpoint.account_id.in_(self._managed_accounts()))

    def may_brief(self, executive) -> bool:
        """Whether the owner may export this executive's portfolio brief."""
        if executive is None or Role.EXECUTIVE not in executive.roles:
            return False
        return self.everything or (self.executive and executive.id == self.owner.id)


def scope(owner) -> Scope:
    """The owner's data (see Scope), from their roles now (not when the schedule was made)."""
    roles = owner.roles if owner is not None and owner.active else set()
    return Scope(
        owner,
        everything=Role.ADMIN in roles,
        executive=Role.EXECUTIVE in roles,
        manager=Role.MANAGER in roles,
    )


# ---- kinds -------------------------------------------------------------------------------


def _raw(column):
    """An enum column's stored value ("high"), not its member: an export reads hundreds of
    thousands, and the label is looked up once per value (Column.enum)."""
    return sa.type_coerce(column, sa.String).label(column.key)


def _moment(column):
    """A date-time column as the driver returns it: aware on PostgreSQL, naive UTC on SQLite
    (the writers read naive ones as UTC). The app's UTCDateTime would make every value aware
    here, at several times the cost of writing it."""
    return sa.type_coerce(column, sa.DateTime()).label(column.key)


def _rows(stmt, money_at: int | None = None) -> Iterator[tuple]:
    """The statement's rows as tuples, fetched BATCH at a time; with `money_at`, the columns
    (minor units, currency) there and after folded into one money cell."""
    # Core execution on the session's connection: the columns are plain, ORM loading would
    # only add work per row.
    result = db.session.connection().execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        if money_at is None:
            yield from partition
            continue
        at, after = money_at, money_at + 2
        yield from [
            (*row[:at], None if row[at] is None else (row[at], row[at + 1]), *row[after:])
            for row in partition
        ]


def _tags():
    """The escalation's tags, comma separated (one correlated aggregate, no query per row)."""
    return (
        sa.select(sa.func.aggregate_strings(EscalationTag.name, ", "))
        .where(EscalationTag.escalation_id == Escalation.id)
        .correlate(Escalation)
        .scalar_subquery()
    )


@dataclass
class Kind:
    kind: ExportKind
    title: object
    formats: tuple
    columns: list[Column]
    filter_fields: list[FilterField]
    endpoint: str | None  # the list page
    _clean: Callable[[MultiDict], dict] | None = None
    _rows: Callable | None = None

    def clean_filters(self, args) -> dict:
        """The list page's query arguments as the page reads them; unknown values dropped."""
        if self._clean is None:
            return {}
        if not isinstance(args, MultiDict):
            args = MultiDict({k: v for k, v in (args or {}).items() if v not in (None, "")})
        return self._clean(args)

    def rows(self, schedule, owner, now: datetime) -> Iterator[tuple]:
        """The export's rows for the schedule's filters with the owner's rights, streamed."""
        if self._rows is None:
            raise TypeError(f"{self.kind.value} exports have no rows")
        filters = self.clean_filters(schedule.filters or {})
        return self._rows(filters, owner, now)


# Escalation register ----------------------------------------------------------------------

ESCALATION_COLUMNS = [
    Column("id", _l("ID"), "int", 8),
    Column("title", lazy_pgettext("escalation", "Title"), "text"),
    Column("account", _l("Account"), "text"),
    Column("severity", _l("Severity"), "label", enum=Severity),
    Column("level", _l("Level"), "label", enum=Level),
    Column("status", _l("Status"), "label", enum=Status),
    Column("category", _l("Category"), "label", enum=Category),
    Column("channel", _l("Channel"), "label", enum=IntakeChannel),
    Column("executive", _l("Executive escalation"), "bool"),
    Column("owner", _l("Owner"), "text"),
    Column("created_at", _l("Raised"), "datetime"),
    Column("next_update_due_at", _l("Next update due"), "datetime"),
    Column("resolved_at", _l("Resolved"), "datetime"),
    Column("resolution_kind", _l("Resolution type"), "label", enum=ResolutionKind),
    Column("arr_at_risk", _l("ARR at risk"), "money"),
    Column("tags", _l("Tags"), "text"),
]


def _clean_escalations(args: MultiDict) -> dict:
    return EscalationFilters.from_args(args).as_args()


def _escalation_rows(filters: dict, owner, now: datetime) -> Iterator[tuple]:
    stmt = filtered_escalations(EscalationFilters.from_args(MultiDict(filters)), owner, now)
    stmt = (
        stmt.with_only_columns(
            Escalation.id,
            Escalation.title,
            Account.name,
            _raw(Escalation.severity),
            _raw(Escalation.level),
            _raw(Escalation.status),
            _raw(Escalation.category),
            _raw(Escalation.channel),
            Escalation.executive,
            User.name,
            _moment(Escalation.created_at),
            _moment(Escalation.next_update_due_at),
            _moment(Escalation.resolved_at),
            _raw(Escalation.resolution_kind),
            Escalation.arr_at_risk_minor,
            Escalation.arr_at_risk_currency,
            _tags(),
        )
        .join(Account, Account.id == Escalation.account_id)
        .outerjoin(User, User.id == Escalation.owner_id)
        .where(scope(owner).escalations())
    )
    return _rows(stmt, money_at=14)


ESCALATIONS = Kind(
    kind=ExportKind.ESCALATIONS,
    title=_l("Escalation register"),
    formats=TABLE_FORMATS,
    columns=ESCALATION_COLUMNS,
    filter_fields=[
        FilterField("view", _l("View"), _labelled(SAVED_VIEWS)),
        FilterField("q", _l("Search"), None),
        FilterField("severity", _l("Severity"), _labelled(SEVERITY_LABELS, ALL)),
        FilterField("level", _l("Level"), _labelled(LEVEL_LABELS, ALL)),
        FilterField("status", _l("Status"), _labelled(ESCALATION_STATUS_LABELS, ALL)),
        FilterField(
            "sort",
            _l("Sort by"),
            _labelled(ESCALATION_SORT_LABELS),
        ),
        FilterField("account_id", _l("Account"), None, hidden=True),
    ],
    endpoint="escalations.index",
    _clean=_clean_escalations,
    _rows=_escalation_rows,
)


# Account book -----------------------------------------------------------------------------

ACCOUNT_COLUMNS = [
    Column("name", _l("Name"), "text"),
    Column("domain", _l("Domain"), "text"),
    Column("industry", _l("Industry"), "text"),
    Column("tier", _l("Tier"), "label", enum=Tier),
    Column("arr", _l("ARR"), "money"),
    Column("renewal_date", _l("Renewal date"), "date"),
    Column("status", _l("Status"), "label", enum=LifecycleStatus),
    Column("health_score", _l("Health score"), "int"),
    Column("nps", _l("Latest NPS"), "int"),
    Column("csm_owner", _l("CSM owner"), "text"),
    Column("ae_owner", _l("AE owner"), "text"),
]


def _clean_accounts(args: MultiDict) -> dict:
    return AccountFilters.from_args(args).as_args()


def _owner_choices(_user) -> list[tuple[str, str]]:
    return [("", str(_l("Anyone"))), ("me", str(_l("Me"))), ("none", str(_l("Nobody")))] + (
        user_choices(Role.CSM, Role.AE)
    )


def _account_rows(filters: dict, owner, now: datetime) -> Iterator[tuple]:
    csm, ae = sa.orm.aliased(User), sa.orm.aliased(User)
    today = local_today(now)
    stmt = filtered_accounts(AccountFilters.from_args(MultiDict(filters)), owner, today)
    stmt = (
        stmt.with_only_columns(
            Account.name,
            Account.domain,
            Account.industry,
            _raw(Account.tier),
            Account.arr_minor,
            Account.currency,
            Account.renewal_date,
            _raw(Account.status),
            Account.health_score,
            Account.nps,
            csm.name,
            ae.name,
        )
        .outerjoin(csm, Account.csm_owner_id == csm.id)
        .outerjoin(ae, Account.ae_owner_id == ae.id)
        .where(scope(owner).accounts())
    )
    return _rows(stmt, money_at=4)


ACCOUNTS = Kind(
    kind=ExportKind.ACCOUNTS,
    title=_l("Account book"),
    formats=TABLE_FORMATS,
    columns=ACCOUNT_COLUMNS,
    filter_fields=[
        FilterField("q", _l("Search"), None),
        FilterField("tier", _l("Tier"), _labelled(TIER_LABELS, ALL)),
        FilterField("status", _l("Status"), _labelled(STATUS_LABELS, ALL)),
        FilterField("owner", _l("Owner"), _owner_choices),
        FilterField("health", _l("Health"), _labelled(HEALTH_BANDS, [("", _l("Any"))])),
        FilterField("renewal", _l("Renewal"), _labelled(RENEWAL_WINDOWS, [("", _l("Any time"))])),
        FilterField("sort", _l("Sort by"), _labelled(ACCOUNT_SORTS)),
        FilterField(
            "direction",
            _l("Order"),
            _labelled({"asc": _l("Ascending"), "desc": _l("Descending")}),
        ),
    ],
    endpoint="accounts.list_accounts",
    _clean=_clean_accounts,
    _rows=_account_rows,
)


# Sponsorship report -----------------------------------------------------------------------

SPONSORSHIP_STATUSES = {"open", "all", *(s.value for s in SponsorshipStatus)}

SPONSORSHIP_COLUMNS = [
    Column("account", _l("Account"), "text"),
    Column("status", _l("Status"), "label", enum=SponsorshipStatus),
    Column("sponsor", _l("Sponsor"), "text"),
    Column("nominated_at", _l("Nominated"), "datetime"),
    Column("nomination_reason", _l("Reason for nomination"), "text"),
    Column("started_on", _l("Start date"), "date"),
    Column("planned_end_on", _l("Planned end"), "date"),
    Column("exit_on", _l("Exit date"), "date"),
    Column("exit_reason", _l("Exit reason"), "label", enum=ExitReason),
    Column("tier", _l("Tier"), "label", enum=Tier),
    Column("arr", _l("ARR"), "money"),
    Column("health_score", _l("Health score"), "int"),
]


def _clean_sponsorships(args: MultiDict) -> dict:
    """As the list page reads them: status "open" unless given; any other status shows all
    (kept as "all"); a sponsor by id."""
    status = args.get("status") or "open"
    cleaned = {"status": status if status in SPONSORSHIP_STATUSES else "all"}
    sponsor = as_id(args.get("sponsor"))
    if sponsor is not None:
        cleaned["sponsor"] = sponsor
    return cleaned


def _sponsorship_status_choices(_user) -> list[tuple[str, str]]:
    """As the list page's select: in progress, each status, all."""
    statuses = [(s.value, str(text)) for s, text in SPONSORSHIP_STATUS_LABELS.items()]
    return [("open", str(_l("In progress"))), *statuses, ("all", str(_l("All")))]


def _sponsor_choices(_user) -> list[tuple[str, str]]:
    return [("", str(_l("Anyone"))), *user_choices(Role.EXECUTIVE)]


def _sponsorship_rows(filters: dict, owner, now: datetime) -> Iterator[tuple]:
    stmt = sponsorship_list(filters.get("status", "open"), filters.get("sponsor"))
    stmt = (
        stmt.with_only_columns(
            Account.name,
            _raw(Sponsorship.status),
            User.name,
            _moment(Sponsorship.nominated_at),
            Sponsorship.nomination_reason,
            Sponsorship.started_on,
            Sponsorship.planned_end_on,
            Sponsorship.exit_on,
            _raw(Sponsorship.exit_reason),
            _raw(Account.tier),
            Account.arr_minor,
            Account.currency,
            Account.health_score,
        )
        .outerjoin(User, User.id == Sponsorship.sponsor_id)
        .where(scope(owner).sponsorships())
    )
    return _rows(stmt, money_at=10)


SPONSORSHIPS = Kind(
    kind=ExportKind.SPONSORSHIPS,
    title=_l("Sponsorship report"),
    formats=TABLE_FORMATS,
    columns=SPONSORSHIP_COLUMNS,
    filter_fields=[
        FilterField("status", _l("Status"), _sponsorship_status_choices),
        FilterField("sponsor", _l("Sponsor"), _sponsor_choices),
    ],
    endpoint="sponsorship.index",
    _clean=_clean_sponsorships,
    _rows=_sponsorship_rows,
)


# Touchpoint log ---------------------------------------------------------------------------

TOUCHPOINT_COLUMNS = [
    Column("starts_at", _l("When"), "datetime"),
    Column("kind", _l("Kind"), "label", enum=TouchpointKind),
    Column("title", lazy_pgettext("touchpoint", "Title"), "text"),
    Column("account", _l("Account"), "text"),
    Column("status", _l("Status"), "label", enum=TouchpointStatus),
    Column("duration_minutes", _l("Duration (minutes)"), "int"),
    Column("executives", _l("Our attendees"), "text"),
    Column("agenda", _l("Agenda"), "text"),
    Column("outcome", _l("Outcome"), "text"),
    Column("completed_at", _l("Completed"), "datetime"),
]
TOUCHPOINT_SCOPES = {
    "mine": _l("Mine"),
    "accounts": _l("My accounts"),
    "all": _l("All"),
}
TOUCHPOINT_STATUSES = {
    "planned": _l("Upcoming and overdue"),
    "overdue": _l("Overdue"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "missed": lazy_pgettext("touchpoint", "Missed"),
    "all": _l("All"),
}


def _clean_touchpoints(args: MultiDict) -> dict:
    """As the list page reads them: a known scope (none: the owner's default, decided when the
    export runs), a known status ("planned" unless given)."""
    cleaned = {}
    scope_arg = args.get("scope")
    if scope_arg:
        cleaned["scope"] = scope_arg if scope_arg in touchpoint_queries.SCOPES else "all"
    status = args.get("status") or "planned"
    cleaned["status"] = status if status in touchpoint_queries.STATUSES else "planned"
    return cleaned


def _attendees():
    return (
        sa.select(sa.func.aggregate_strings(User.name, ", "))
        .join(touchpoint_executives, touchpoint_executives.c.user_id == User.id)
        .where(touchpoint_executives.c.touchpoint_id == Touchpoint.id)
        .correlate(Touchpoint)
        .scalar_subquery()
    )


def _touchpoint_rows(filters: dict, owner, now: datetime) -> Iterator[tuple]:
    scope_arg = filters.get("scope") or touchpoint_queries.default_scope(owner)
    stmt = touchpoint_queries.touchpoint_list(
        scope_arg, filters.get("status", "planned"), owner, now
    )
    stmt = (
        stmt.with_only_columns(
            _moment(Touchpoint.starts_at),
            _raw(Touchpoint.kind),
            Touchpoint.title,
            Account.name,
            _raw(Touchpoint.status),
            Touchpoint.duration_minutes,
            _attendees(),
            Touchpoint.agenda,
            Touchpoint.outcome,
            _moment(Touchpoint.completed_at),
        )
        .join(Account, Account.id == Touchpoint.account_id)
        .where(scope(owner).touchpoints())
    )
    return _rows(stmt)


TOUCHPOINTS = Kind(
    kind=ExportKind.TOUCHPOINTS,
    title=_l("Touchpoint log"),
    formats=TABLE_FORMATS,
    columns=TOUCHPOINT_COLUMNS,
    filter_fields=[
        FilterField("scope", _l("Whose touchpoints"), _labelled(TOUCHPOINT_SCOPES)),
        FilterField("status", _l("Status"), _labelled(TOUCHPOINT_STATUSES)),
    ],
    endpoint="touchpoints.index",
    _clean=_clean_touchpoints,
    _rows=_touchpoint_rows,
)


# Portfolio brief --------------------------------------------------------------------------

PORTFOLIO = Kind(
    kind=ExportKind.PORTFOLIO,
    title=_l("Executive portfolio brief"),
    formats=(ExportFormat.PDF,),
    columns=[],
    filter_fields=[],
    endpoint=None,
)

KINDS: dict[ExportKind, Kind] = {
    k.kind: k for k in (ESCALATIONS, ACCOUNTS, SPONSORSHIPS, TOUCHPOINTS, PORTFOLIO)
}


def list_url(kind: ExportKind, filters: dict, **url_args) -> str | None:
    """The list page showing these filters ("see on the list"); None for the portfolio."""
    found = KINDS[kind]
    if found.endpoint is None:
        return None
    return url_for(found.endpoint, **found.clean_filters(filters), **url_args)


class NotAllowed(DomainError):
    """The owner may not export this (the portfolio brief of another executive)."""


def render_portfolio(executive, owner, now: datetime, actor=None) -> tuple[bytes, int]:
    """The executive's portfolio brief as a PDF (bytes, pages), recorded like a download from
    the page with `actor` (default: the owner) as the one who generated it. Needs a request
    context (the PDF's links and static files); the caller commits. NotAllowed when the owner
    may not see that brief."""
    if not scope(owner).may_brief(executive):
        raise NotAllowed(
            _l(
                "%(owner)s may not export the portfolio brief of %(executive)s.",
                owner=owner.name,
                executive=executive.name if executive is not None else "?",
            )
        )
    rendered = briefs.portfolio_pdf(executive, actor or owner, now)
    return rendered.data, rendered.pages
