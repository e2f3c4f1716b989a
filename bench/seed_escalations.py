"""A large escalation book for `make bench` (`flask seed-bench --escalations N`, bench/seed.py).

Bulk inserts (executemany with sa.insert, in batches of BATCH escalations, each batch one
transaction with everything hanging off its escalations) on the accounts seed-bench made.
10% of the escalations are open; the rest were resolved over the last two years. The open
ones carry what the app would have given them: running SLA clocks (first response and
resolution while new; customer update and resolution once worked on; paused clocks and an
open pause while waiting on the customer), customer updates, handoffs for the levels they
went up (the latest one sometimes not acknowledged yet), watchers and tags.

Clock times are laid out around the moment of seeding ("the anchor") as if the SLA sweep had
run every minute until then: warnings and breaches that fell due before it are stamped, the
ones after it are pending, and about 50 of them fall due in the minute after it (the bench
times the sweep over that minute). Clocks run in wall-clock time (a business day of an office
calendar is taken as one calendar day): the sweep only compares times, so this does not
change what it has to do.

Escalations are inserted in the order they were raised (ids follow created_at, as in a real
book). Running it again when the book holds `count` escalations does nothing; an interrupted
run carries on from where it stopped (each batch is committed whole).
"""

import random
import time
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa

from app.accounts.models import Account
from app.auth.models import User
from app.escalations.models import (
    Category,
    ClockKind,
    CustomerUpdate,
    Escalation,
    EscalationTag,
    Handoff,
    IntakeChannel,
    Level,
    Pause,
    ResolutionKind,
    Severity,
    SlaClock,
    SlaPolicy,
    Status,
    escalation_watchers,
)
from app.extensions import db

BATCH = 5_000
OPEN_SHARE = 0.10
EXECUTIVE_SHARE = 0.05
SEED = 20_261_122
OFFICE_DAY_MINUTES = 540  # a business day of the default office calendars (09:00-18:00)
SWEEP_EVERY = timedelta(minutes=1)
# Core inserts: the ORM's bulk insert splits a batch wherever a different set of values is None.
ESCALATIONS = Escalation.__table__

SEVERITIES = {Severity.CRITICAL: 2, Severity.HIGH: 15, Severity.MEDIUM: 45, Severity.LOW: 38}
CATEGORIES = {
    Category.TECHNICAL: 45,
    Category.BILLING: 20,
    Category.SERVICE_QUALITY: 20,
    Category.POLICY: 8,
    Category.OTHER: 7,
}
CHANNELS = {
    IntakeChannel.EMAIL: 40,
    IntakeChannel.PHONE: 25,
    IntakeChannel.CHAT: 20,
    IntakeChannel.SOCIAL: 4,
    IntakeChannel.IN_PERSON: 5,
    IntakeChannel.INTERNAL: 6,
}
OPEN_STATUSES = {Status.NEW: 25, Status.INVESTIGATING: 50, Status.WAITING_ON_CUSTOMER: 25}
# Levels of escalations that are not executive, and of open ones past intake.
LEVELS = {Level.L1: 62, Level.L2: 27, Level.L3: 11}
RESOLUTIONS = {
    ResolutionKind.FIX: 55,
    ResolutionKind.WORKAROUND: 20,
    ResolutionKind.EXPLAINED: 18,
    ResolutionKind.CONCESSION: 7,
}
# Who owns escalations (worker roles only) and who watches them.
OWNERS = {
    "csm@demo.test": 28,
    "csm2@demo.test": 28,
    "ae@demo.test": 12,
    "ae2@demo.test": 12,
    "manager@demo.test": 15,
    "admin@demo.test": 5,
}
WATCHERS = ["manager@demo.test", "csm@demo.test", "exec@demo.test", "exec2@demo.test"]
TAGS = ["outage", "api", "performance", "invoice", "renewal", "data-export", "vip", "security"]

TITLES = {
    Category.TECHNICAL: [
        ("Outage: users cannot sign in", "ログインできない障害"),
        ("API errors since the last release", "前回リリース以降 API エラーが発生"),
        ("Data export times out for large reports", "大きなレポートのエクスポートがタイムアウト"),
        ("Integration stopped syncing orders", "受注データの連携が停止"),
        ("Dashboard extremely slow in the evening", "夕方にダッシュボードが極端に遅い"),
    ],
    Category.BILLING: [
        ("Invoice in the wrong currency", "請求書の通貨が誤っている"),
        ("Charged twice for the same period", "同一期間の二重請求"),
        ("Credit note not applied", "クレジットノートが未反映"),
    ],
    Category.SERVICE_QUALITY: [
        ("Unhappy with support response times", "サポートの応答時間に不満"),
        ("Onboarding stalled for weeks", "導入支援が数週間止まっている"),
        ("Repeated escalations with no follow-up", "フォローアップのない再エスカレーション"),
    ],
    Category.POLICY: [
        ("Data retention terms disputed", "データ保持条件への異議"),
        ("Contract renewal terms rejected", "契約更新条件の拒否"),
    ],
    Category.OTHER: [
        ("Complaint to the account executive", "担当営業へのクレーム"),
        ("Request for an executive sponsor", "エグゼクティブスポンサーの要望"),
    ],
}
DESCRIPTION = (
    "Raised by the customer's operations lead. Impact: {impact}. Reported via {channel}; "
    "the customer expects a plan and a named owner."
)
IMPACTS = ["one team blocked", "several departments affected", "revenue at risk", "minor"]
UPDATE_TEXT = [
    ("acknowledged", "Thank you, we are looking into it and will update you shortly."),
    ("status_update", "Current status: root cause identified, a fix is being tested."),
    ("specialist", "We have passed this to our specialist team."),
    (None, "Called the customer to walk through the workaround."),
]
HANDOFF_TEXT = {
    "what_happened": "Customer reported the problem; impact confirmed with their lead.",
    "what_was_tried": "Restarted the affected jobs, checked recent changes, applied workaround.",
    "why_unresolved": "Root cause is outside what this level can change.",
    "what_is_needed": "Decision on a fix or a concession, and a call with their sponsor.",
}


def _cumulative(weights: dict) -> tuple[list, list]:
    keys, total, bounds = list(weights), 0, []
    for value in weights.values():
        total += value
        bounds.append(total)
    return keys, [b / total for b in bounds]


class _Chooser:
    """Weighted choices without re-summing the weights on every draw."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng = rng
        self.keys, self.bounds = _cumulative(weights)

    def __call__(self):
        r = self.rng.random()
        for key, bound in zip(self.keys, self.bounds, strict=True):
            if r < bound:
                return key
        return self.keys[-1]


def _minutes(start: datetime, end: datetime | None) -> int | None:
    """Business minutes between two moments, taking a calendar day as one office day."""
    if end is None:
        return None
    return int((end - start).total_seconds() / 60 * OFFICE_DAY_MINUTES / 1440)


def _swept(moment: datetime, anchor: datetime) -> datetime:
    """When a sweep running every minute up to the anchor first saw `moment`."""
    behind = (anchor - moment) // SWEEP_EVERY
    return anchor - behind * SWEEP_EVERY


class _Book:
    """Generates batches of escalations with the rows that hang off them, and writes them."""

    def __init__(self, users: dict[str, User], anchor: datetime):
        self.anchor = anchor
        self.user_ids = {email: user.id for email, user in users.items()}
        self.accounts = db.session.execute(
            sa.select(Account.id, Account.arr_minor, Account.currency).order_by(Account.id)
        ).all()
        if not self.accounts:
            raise click.ClickException("no accounts to raise escalations on")
        policies = db.session.scalars(sa.select(SlaPolicy)).all()
        # Wall-clock minutes of each target: 24x7 calendars run 1:1, office ones a day a day.
        self.wall = {}
        for policy in policies:
            always = all(day == [["00:00", "00:00"]] for day in policy.calendar.week)
            scale = 1 if always else 1440 / OFFICE_DAY_MINUTES
            self.wall[policy.severity] = {
                ClockKind.FIRST_RESPONSE: policy.first_response_minutes,
                ClockKind.CUSTOMER_UPDATE: policy.update_interval_minutes,
                ClockKind.RESOLUTION: policy.resolution_minutes,
                "scale": scale,
            }
        if set(self.wall) != set(Severity):
            raise click.ClickException("the SLA policies are missing: run `flask db upgrade`")

        # Each escalation has its own seed, so it can be drawn twice: once for the plan (when
        # it was raised), once in its batch (everything), in the order of the plan.
        self.rng = rng = random.Random()
        self.severity = _Chooser(rng, SEVERITIES)
        self.category = _Chooser(rng, CATEGORIES)
        self.channel = _Chooser(rng, CHANNELS)
        self.open_status = _Chooser(rng, OPEN_STATUSES)
        self.level = _Chooser(rng, LEVELS)
        self.resolution = _Chooser(rng, RESOLUTIONS)
        self.owner = _Chooser(rng, OWNERS)

    # -- one batch -----------------------------------------------------------------------------

    def created_at(self, seed: int) -> datetime:
        """When the escalation drawn from `seed` was raised (cheap: its first draws only)."""
        return self._start(seed)["created"]

    def _start(self, seed: int) -> dict:
        """The first draws: open or resolved, and when it was raised (for open ones from how
        far their clocks have run)."""
        rng, anchor = self.rng, self.anchor
        rng.seed(seed)
        if rng.random() >= OPEN_SHARE:
            return {"open": False, "created": anchor - timedelta(days=730 * rng.random() + 2)}
        severity, status = self.severity(), self.open_status()
        if status == Status.NEW:
            _target, wall = self._minutes(severity, ClockKind.FIRST_RESPONSE)
            created = anchor - wall * self._progress()
        else:
            _target, wall = self._minutes(severity, ClockKind.RESOLUTION)
            created = anchor - wall * self._progress() - timedelta(minutes=5)
        return {"open": True, "created": created, "severity": severity, "status": status}

    def batch(self, seeds) -> dict:
        rows, extras = [], []
        for seed in seeds:
            start = self._start(seed)
            row, extra = self._open(start) if start["open"] else self._resolved(start)
            rows.append(row)
            extras.append(extra)
        return {"rows": rows, "extras": extras}

    def _account(self):
        # A few accounts raise many escalations, most raise a few.
        return self.accounts[int(len(self.accounts) * self.rng.random() ** 2)]

    def _common(self, severity: Severity) -> dict:
        rng = self.rng
        account_id, arr_minor, currency = self._account()
        category = self.category()
        channel = self.channel()
        english, japanese = rng.choice(TITLES[category])
        executive = rng.random() < EXECUTIVE_SHARE
        cancellation = legal = False
        if executive:
            r = rng.random()
            cancellation, legal = r < 0.7, 0.55 <= r < 0.9
        return {
            "account_id": account_id,
            "title": japanese if currency == "JPY" else english,
            "description": DESCRIPTION.format(impact=rng.choice(IMPACTS), channel=channel.value),
            "channel": channel,
            "category": category,
            "severity": severity,
            "threat_cancellation": cancellation,
            "threat_legal": legal,
            "threat_safety": rng.random() < 0.002,
            "executive": executive,
            "arr_at_risk_minor": arr_minor if executive else None,
            "arr_at_risk_currency": currency if executive else None,
            "legal_hold": legal and rng.random() < 0.2,
            "owner_id": self.user_ids[self.owner()],
            "raised_by_id": self.user_ids[self.owner()],
            "resolution_summary": "",
            "resolution_kind": None,
            "concession_minor": None,
            "promised_at": None,
            "promise_warn_at": None,
            "promise_warned_at": None,
            "widespread_issue_id": None,
            "version": 1,
        }

    def _level(self, executive: bool, threats: bool) -> Level:
        """Executive escalations without a threat got there by level; the others by intake."""
        if executive and (not threats or self.rng.random() < 0.4):
            return Level.EXECUTIVE
        return self.level()

    def _minutes(self, severity: Severity, kind: ClockKind) -> tuple[int, timedelta]:
        wall = self.wall[severity]
        return wall[kind], timedelta(minutes=wall[kind] * wall["scale"])

    def _progress(self) -> float:
        """How far along a running clock is: mostly on track, some at risk, a few overdue."""
        r = self.rng.random()
        if r < 0.70:
            return self.rng.uniform(0.0, 0.75)
        if r < 0.92:
            return self.rng.uniform(0.75, 1.0)
        return 1.0 + self.rng.expovariate(1.5)  # overdue, mostly by less than its target

    def _clock(self, kind, severity, started_at, *, paused=False) -> dict:
        target, wall = self._minutes(severity, kind)
        due = started_at + wall
        warn = started_at + wall * 0.75
        clock = {
            "kind": kind,
            "started_at": started_at,
            "target_minutes": target,
            "due_at": None if paused else due,
            "warn_at": None if paused else warn,
            "warned_at": None,
            "breached_at": None,
            "stopped_at": None,
            "met": None,
        }
        if not paused:
            if warn <= self.anchor:
                clock["warned_at"] = _swept(warn, self.anchor)
            if due <= self.anchor:
                clock["breached_at"] = due
        return clock

    def _open(self, start: dict) -> tuple[dict, dict]:
        rng, anchor = self.rng, self.anchor
        severity, status, created = start["severity"], start["status"], start["created"]
        row = self._common(severity)
        threats = row["threat_cancellation"] or row["threat_legal"]
        extra = {"clocks": [], "updates": [], "handoffs": [], "pause": None, "tags": []}
        if status == Status.NEW:
            if row["executive"] and not threats:  # executive at intake means a threat
                row["threat_cancellation"] = True
            level = Level.L1
            extra["clocks"] = [
                self._clock(ClockKind.FIRST_RESPONSE, severity, created),
                self._clock(ClockKind.RESOLUTION, severity, created),
            ]
            first_response = None
            next_due = extra["clocks"][0]["due_at"]
            updated = created
        else:
            level = self._level(row["executive"], threats)
            _target, fr_wall = self._minutes(severity, ClockKind.FIRST_RESPONSE)
            _target, cu_wall = self._minutes(severity, ClockKind.CUSTOMER_UPDATE)
            age = anchor - created
            first_response = created + min(fr_wall * rng.uniform(0.2, 0.9), age * 0.3)
            # The customer-update clock runs from the latest update.
            last_update = max(first_response, anchor - cu_wall * self._progress())
            paused = status == Status.WAITING_ON_CUSTOMER
            if paused:
                paused_at = last_update + (anchor - last_update) * rng.uniform(0.1, 0.9)
                extra["pause"] = {"paused_at": paused_at, "reason": "Waiting for their logs"}
            extra["clocks"] = [
                self._clock(ClockKind.CUSTOMER_UPDATE, severity, last_update, paused=paused),
                self._clock(ClockKind.RESOLUTION, severity, created, paused=paused),
            ]
            times = [first_response]
            if last_update > first_response:
                between = rng.randint(0, 2)
                times += sorted(
                    first_response + (last_update - first_response) * rng.random()
                    for _ in range(between)
                )
                times.append(last_update)
            extra["updates"] = times
            extra["handoffs"] = self._handoffs(level, row, created, first_response, open_=True)
            next_due = extra["clocks"][0]["due_at"]
            updated = max(times[-1], extra["pause"]["paused_at"] if paused else times[-1])
        if rng.random() < 0.05:  # a turnaround promised to the customer
            promised = anchor + timedelta(hours=rng.uniform(2, 240))
            row["promised_at"] = promised
            row["promise_warn_at"] = promised - timedelta(days=1)
            if row["promise_warn_at"] <= anchor:
                row["promise_warned_at"] = _swept(row["promise_warn_at"], anchor)
        if rng.random() < 0.15:
            extra["watchers"] = rng.sample(WATCHERS, rng.randint(1, 2))
        extra["tags"] = rng.sample(TAGS, rng.randint(0, 2))
        row.update(
            status=status,
            level=level,
            first_response_minutes=_minutes(created, first_response),
            resolution_minutes=None,
            first_response_at=first_response,
            next_update_due_at=next_due,
            resolved_at=None,
            created_at=created,
            updated_at=updated,
        )
        return row, extra

    def _resolved(self, start: dict) -> tuple[dict, dict]:
        rng, anchor = self.rng, self.anchor
        row = self._common(self.severity())
        threats = row["threat_cancellation"] or row["threat_legal"]
        level = self._level(row["executive"], threats)
        created = start["created"]
        resolved = created + timedelta(hours=rng.lognormvariate(3.2, 1.0))
        resolved = min(resolved, anchor - timedelta(hours=1))
        kind = self.resolution()
        first_response = created + (resolved - created) * rng.uniform(0.02, 0.2)
        row.update(
            status=Status.RESOLVED,
            level=level,
            first_response_minutes=_minutes(created, first_response),
            resolution_minutes=_minutes(created, resolved),
            first_response_at=first_response,
            next_update_due_at=None,
            resolved_at=resolved,
            resolution_kind=kind,
            resolution_summary="Fixed and confirmed with the customer.",
            concession_minor=rng.randrange(10_000, 5_000_000, 1000)
            if kind == ResolutionKind.CONCESSION
            else None,
            created_at=created,
            updated_at=resolved,
        )
        if rng.random() < 0.05:
            promised = created + timedelta(hours=rng.uniform(24, 240))
            row["promised_at"] = promised
            row["promise_warn_at"] = promised - timedelta(days=1)
            if row["promise_warn_at"] <= resolved:
                row["promise_warned_at"] = _swept(row["promise_warn_at"], anchor)
        extra = {
            "clocks": [],
            "updates": [],
            "pause": None,
            "handoffs": self._handoffs(level, row, created, first_response, open_=False),
            "tags": [row["category"].value] if rng.random() < 0.3 else [],
        }
        return row, extra

    def _handoffs(self, level: Level, row: dict, created, first_response, *, open_) -> list:
        """One handoff per level gone up (the last one only, for resolved escalations)."""
        steps = list(Level)[: level.rank + 1]
        pairs = list(zip(steps, steps[1:], strict=False))
        if not open_:
            pairs = pairs[-1:]
        handoffs, at = [], first_response
        until = self.anchor if open_ else row["resolved_at"]
        span = (until - first_response) if open_ else min(timedelta(hours=6), until - at)
        for n, (low, high) in enumerate(pairs):
            at = at + span * self.rng.uniform(0.05, 0.3)
            last = n == len(pairs) - 1
            acknowledged = not (open_ and last and self.rng.random() < 0.15)
            handoff = {
                "from_level": low,
                "to_level": high,
                "created_at": min(at, until),
                "acknowledged_at": min(at + timedelta(minutes=12), until) if acknowledged else None,
            }
            if not acknowledged and self.anchor - handoff["created_at"] > timedelta(minutes=30):
                handoff["overdue_notified_at"] = _swept(
                    handoff["created_at"] + timedelta(minutes=30), self.anchor
                )
            handoffs.append(handoff)
        return handoffs

    # -- writing -------------------------------------------------------------------------------

    def write(self, batch: dict) -> dict:
        rows, extras = batch["rows"], batch["extras"]
        # Ids are given, not returned: an executemany is several times faster than an insert
        # with RETURNING, and nothing else writes to the bench book meanwhile.
        first = (db.session.scalar(sa.select(sa.func.max(ESCALATIONS.c.id))) or 0) + 1
        ids = range(first, first + len(rows))
        for escalation_id, row in zip(ids, rows, strict=True):
            row["id"] = escalation_id
        db.session.execute(sa.insert(ESCALATIONS), rows)
        clocks, updates, handoffs, pauses, tags, watchers = [], [], [], [], [], []
        manager = self.user_ids["manager@demo.test"]
        for escalation_id, row, extra in zip(ids, rows, extras, strict=True):
            for clock in extra["clocks"]:
                clocks.append({"escalation_id": escalation_id, **clock})
            for n, sent_at in enumerate(extra["updates"]):
                key, text = UPDATE_TEXT[min(n, len(UPDATE_TEXT) - 1)]
                updates.append(
                    {
                        "escalation_id": escalation_id,
                        "channel": row["channel"],
                        "summary": text,
                        "sent_at": sent_at,
                        "author_id": row["owner_id"],
                        "template_key": key,
                    }
                )
            previous_owner = row["raised_by_id"]
            for handoff in extra["handoffs"]:
                last = handoff is extra["handoffs"][-1]
                to_owner = row["owner_id"] if last else manager
                acknowledged = handoff["acknowledged_at"] is not None
                handoffs.append(
                    {
                        "escalation_id": escalation_id,
                        "from_level": handoff["from_level"],
                        "to_level": handoff["to_level"],
                        "from_owner_id": previous_owner,
                        "to_owner_id": to_owner,
                        "contact_id": None,
                        **HANDOFF_TEXT,
                        "created_at": handoff["created_at"],
                        "created_by_id": manager,
                        "acknowledged_at": handoff["acknowledged_at"],
                        "acknowledged_by_id": to_owner if acknowledged else None,
                        "overdue_notified_at": handoff.get("overdue_notified_at"),
                    }
                )
                previous_owner = to_owner
            if extra["pause"]:
                pauses.append(
                    {
                        "escalation_id": escalation_id,
                        "paused_at": extra["pause"]["paused_at"],
                        "paused_by_id": row["owner_id"],
                        "reason": extra["pause"]["reason"],
                        "resumed_at": None,
                        "resumed_by_id": None,
                        "resume_reason": "",
                    }
                )
            tags += [{"escalation_id": escalation_id, "name": name} for name in extra["tags"]]
            watchers += [
                {"escalation_id": escalation_id, "user_id": self.user_ids[email]}
                for email in extra.get("watchers", ())
            ]
        for table, values in (
            (SlaClock.__table__, clocks),
            (CustomerUpdate.__table__, updates),
            (Handoff.__table__, handoffs),
            (Pause.__table__, pauses),
            (EscalationTag.__table__, tags),
            (escalation_watchers, watchers),
        ):
            if values:
                db.session.execute(sa.insert(table), values)
        return {
            "open": sum(1 for row in rows if row["status"] != Status.RESOLVED),
            "clocks": len(clocks),
            "updates": len(updates),
            "handoffs": len(handoffs),
            "unacknowledged": sum(1 for h in handoffs if h["acknowledged_at"] is None),
        }


def seed(users: dict[str, User], count: int, *, anchor: datetime | None = None) -> dict:
    """Bring the escalation book up to `count` escalations; returns what was written."""
    started = time.monotonic()
    have = db.session.scalar(sa.select(sa.func.count(Escalation.id))) or 0
    if have >= count:
        click.echo(f"bench escalations: {have} already present")
        return {"escalations": have, "created": 0, "seconds": 0.0}
    anchor = anchor or datetime.now(UTC)
    book = _Book(users, anchor)
    totals = {"open": 0, "clocks": 0, "updates": 0, "handoffs": 0, "unacknowledged": 0}
    click.echo(f"bench escalations: {have:,} present, adding {count - have:,} (anchor {anchor})")
    # Inserted in the order they were raised, as the app would have: ids and the table's
    # physical order follow created_at, which is what the planner's statistics then see.
    seeds = [SEED * 1_000_003 + i for i in range(count)]
    seeds.sort(key=book.created_at)
    next_report = started + 10
    for start in range(have, count, BATCH):
        stop = min(start + BATCH, count)
        written = book.write(book.batch(seeds[start:stop]))
        db.session.commit()
        for key, value in written.items():
            totals[key] += value
        if time.monotonic() >= next_report or stop == count:
            next_report = time.monotonic() + 10
            click.echo(f"  escalations: {stop:,} / {count:,} ({time.monotonic() - started:.0f} s)")
    if db.engine.dialect.name == "postgresql":  # the ids were given: move the sequence on
        db.session.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('escalations', 'id'), max(id))"
                " FROM escalations"
            )
        )
        db.session.commit()
    aftercare(users)
    seconds = time.monotonic() - started
    click.echo(
        f"bench escalations: {count} ({totals['open']} open, {totals['clocks']} SLA clocks, "
        f"{totals['handoffs']} handoffs of which {totals['unacknowledged']} unacknowledged, "
        f"{totals['updates']} customer updates) in {seconds:.1f} s"
    )
    return {"escalations": count, "created": count - have, "seconds": seconds, **totals}


ROOT_CAUSES = ("product_defect", "process", "communication", "expectation_mismatch", "third_party")


def aftercare(users: dict[str, User]) -> None:
    """What happened after the resolutions, in bulk SQL (skipped when surveys exist): a third of
    the resolved escalations are closed and a third in follow-up; every resolved one has its
    first-response and resolution clocks stopped (met when within the policy's target); 30%
    answered the survey; the critical and high ones have a completed post-mortem."""
    run = db.session.execute
    if run(sa.text("SELECT count(*) FROM escalation_surveys")).scalar():
        return
    started = time.monotonic()
    json_list = "CAST('[]' AS JSON)" if db.engine.dialect.name == "postgresql" else "'[]'"
    manager = users["manager@demo.test"].id
    run(
        sa.text(
            "UPDATE escalations SET status = CASE WHEN id % 3 = 0 THEN 'closed' ELSE 'follow_up'"
            " END, closed_at = CASE WHEN id % 3 = 0 THEN resolved_at END"
            " WHERE status = 'resolved' AND id % 3 <> 2"
        )
    )
    for kind, at, minutes in (
        ("first_response", "first_response_at", "first_response_minutes"),
        ("resolution", "resolved_at", "resolution_minutes"),
    ):
        run(
            sa.text(
                "INSERT INTO sla_clocks (escalation_id, kind, started_at, target_minutes,"  # noqa: S608 - fixed names, no input
                " stopped_at, met) SELECT e.id, :kind, e.created_at, p.{target}, e.{at},"
                " e.{minutes} <= p.{target} FROM escalations e JOIN sla_policies p"
                " ON p.severity = e.severity WHERE e.resolved_at IS NOT NULL".format(
                    target=f"{kind}_minutes", at=at, minutes=minutes
                )
            ),
            {"kind": kind},
        )
    run(
        sa.text(
            "INSERT INTO escalation_surveys (escalation_id, email, language, nonce, sent_at,"  # noqa: S608 - fixed names, no input
            " expires_at, times_sent, answered_at, score, comment, reasons, reason_text)"
            " SELECT id, 'customer@example.test', 'en', 'bench-' || CAST(id AS VARCHAR(20)),"
            " resolved_at, resolved_at, 1, resolved_at, CASE WHEN id % 5 = 0 THEN 2"
            " WHEN id % 5 = 1 THEN 3 ELSE 4 + id % 2 END, '', " + json_list + ", ''"
            " FROM escalations WHERE resolved_at IS NOT NULL AND id % 10 < 3"
        )
    )
    causes = " ".join(f"WHEN {n} THEN '{cause}'" for n, cause in enumerate(ROOT_CAUSES))
    run(
        sa.text(
            "INSERT INTO post_mortems (escalation_id, root_cause_category, root_cause, went_well,"  # noqa: S608 - fixed names, no input
            " to_improve, completed_at, completed_by_id, author_id, version, created_at,"
            f" updated_at) SELECT id, CASE id % 5 {causes} END, '', '', '', resolved_at,"
            " :manager, :manager, 1, resolved_at, resolved_at FROM escalations"
            " WHERE resolved_at IS NOT NULL AND severity IN ('critical', 'high')"
        ),
        {"manager": manager},
    )
    db.session.commit()
    click.echo(
        f"bench aftercare: statuses, clocks, surveys, post-mortems in "
        f"{time.monotonic() - started:.1f} s"
    )
