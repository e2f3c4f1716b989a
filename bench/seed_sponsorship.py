"""The sponsorship program on the bench book for `make bench` (`flask seed-bench`, seed.py).

What a program of a few years would leave on 50,000 accounts: about 3,000 sponsorships
(SIZES: active, nominations, in exit review, ended, nominations declined; in proportion on
other sizes of book), with the checklist and two objectives of every approved one, a
baseline like the one `services.account_metrics` takes at approval, and the audit rows the
services would have written. Sponsors are executives with the program's training: the
program allows `max_active_per_executive` sponsorships each, so the bench adds executives
until the ones in the program fill about EXECUTIVE_LOAD of that capacity (a tenth more
without all the training, who cannot sponsor yet).

Accounts in the program are mostly ones the entry rules pick (strategic tier, poor health or
a recent executive escalation), and not churned; a few active sponsorships are laid out to
meet an exit rule today (term ended, account churned), as a daily review would find them.
Health history alone makes a few more meet "health held".

The program results compare a year's change: every account gets one ARR entry and one
health entry HISTORY_DAYS ago (the account seed's history covers the last few months only).

Bulk inserts, bit by bit idempotent: executives and training records missing are added;
history is added for accounts without an entry older than a year; the sponsorships are
written in one transaction, skipped when the book already holds as many.
"""

import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import click
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.accounts.models import Account, ArrEntry, HealthScoreEntry, LifecycleStatus, Tier
from app.audit.models import AuditEvent
from app.auth.models import Role, User, UserRole, new_session_token
from app.escalations.models import OPEN_STATUSES, Escalation
from app.extensions import db
from app.formatting import local_today
from app.sponsorship import services
from app.sponsorship.models import (
    Criterion,
    CriterionKind,
    CriterionSide,
    ExitReason,
    Objective,
    ObjectiveStatus,
    Sponsorship,
    SponsorshipStatus,
    SponsorshipTask,
    TrainingRecord,
)

SEED = 20_261_123
BOOK = 50_000  # SIZES are for a book of this many accounts
SIZES = {
    "active": 2_000,
    "nominated": 300,
    "exit_review": 200,
    "exited": 400,
    "declined": 100,
    # Active sponsorships that meet an exit rule today: the term ended a day or so ago, or
    # the account churned since it entered.
    "term_ended_today": 10,
    "churned_today": 10,
}
EXECUTIVE_LOAD = 0.85  # of the program's capacity, among the executives with the training
UNTRAINED_SHARE = 0.10
HISTORY_DAYS = 395  # a year and a month: the results page's "a year ago" falls after it
BENCH_EXECUTIVE_EMAIL = "bench-exec-{:04d}@demo.test"
PASSWORD = "demo12345"  # as the demo users
SPONSORSHIPS = Sponsorship.__table__

FIRST_NAMES = ["Akira", "Yui", "Daniel", "Mei", "Oliver", "Haruka", "Sophie", "Ren", "Lucas"]
LAST_NAMES = ["Fujita", "Kimura", "Schmidt", "Nakamura", "Walker", "Ito", "Moreau", "Ueda"]
OBJECTIVES = [
    ("Renew for three years", "Renewal", "3-year contract"),
    ("No executive escalation for a quarter", "Executive escalations", "0 per quarter"),
    ("Health score back above 70", "Health score", "≥ 70"),
    ("Quarterly business review held", "QBRs", "4 per year"),
    ("Expand to a second business unit", "ARR", "+20%"),
]
EXIT_NOTES = {
    ExitReason.CRITERIA_MET: "Health held above the exit threshold.",
    ExitReason.TERM_ENDED: "Term ended; the account team carries on.",
    ExitReason.CHURNED: "The customer did not renew.",
    ExitReason.OTHER: "The customer asked to end the program.",
}
DECLINE_REASON = "Not a strategic fit this year; revisit at renewal."


def seed(users: dict[str, User], *, now: datetime | None = None) -> dict:
    """Bring the bench book's sponsorship program up to size; returns what was written."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    today = local_today()
    settings = services.program()
    if settings is None:
        raise click.ClickException("the program settings are missing: run `flask db upgrade`")
    accounts = db.session.scalar(sa.select(sa.func.count(Account.id))) or 0
    sizes = {
        name: max(1, round(size * accounts / BOOK)) if accounts else 0
        for name, size in SIZES.items()
    }
    total = sum(
        sizes[name] for name in ("active", "nominated", "exit_review", "exited", "declined")
    )
    executives = _executives(users, settings, now, sizes["active"] + sizes["exit_review"])
    trained = _training(users, executives, settings, today, now)
    db.session.commit()
    history = _history(now)
    db.session.commit()
    have = db.session.scalar(sa.select(sa.func.count(Sponsorship.id))) or 0
    written = {}
    if have < total:
        written = _Program(users, trained, settings, now, today).write(sizes)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # the ids were given: move the sequence on
            db.session.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('sponsorships', 'id'), max(id))"
                    " FROM sponsorships"
                )
            )
            db.session.commit()
    seconds = time.monotonic() - started
    new = (
        f"{written['sponsorships']} new: {written['tasks']} checklist tasks, "
        f"{written['objectives']} objectives, {written['audit']} audit rows"
        if written
        else "already present"
    )
    click.echo(
        f"bench sponsorships: {have + written.get('sponsorships', 0)} sponsorships ({new}), "
        f"{len(executives)} executives ({len(trained)} with the training), "
        f"{history['arr']} ARR and {history['health']} health entries a year back "
        f"in {seconds:.1f} s"
    )
    return {"seconds": seconds, **written, **history}


# ---- executives and their training ---------------------------------------------------------


def _executives(users: dict[str, User], settings, now: datetime, in_program: int) -> list[int]:
    """The executives' ids, demo ones first, after adding the bench ones that are missing."""
    trained = math.ceil(in_program / (settings.max_active_per_executive * EXECUTIVE_LOAD))
    count = math.ceil(trained * (1 + UNTRAINED_SHARE))
    emails = [BENCH_EXECUTIVE_EMAIL.format(n) for n in range(1, count + 1)]
    have = dict(
        db.session.execute(sa.select(User.email, User.id).where(User.email.in_(emails))).all()
    )
    missing = [email for email in emails if email not in have]
    if missing:
        # One hash for all: werkzeug salts each hash, but hashing hundreds of times would take
        # longer than the rest of the seed.
        password_hash = generate_password_hash(PASSWORD)
        rows = []
        for email in missing:
            n = int(email.split("-")[2].split("@")[0])
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            last = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
            rows.append(
                {
                    "email": email,
                    "name": f"{first} {last} ({n:04d})",
                    "password_hash": password_hash,
                    "active": True,
                    "locale": "ja" if n % 2 else "en",
                    "session_token": new_session_token(),
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(User), rows)
        have = dict(
            db.session.execute(sa.select(User.email, User.id).where(User.email.in_(emails))).all()
        )
        db.session.execute(
            sa.insert(UserRole), [{"user_id": have[e], "role": Role.EXECUTIVE} for e in missing]
        )
    demo = [users["exec@demo.test"].id, users["exec2@demo.test"].id]
    return demo + [have[email] for email in emails]


def _training(users, executives: list[int], settings, today: date, now: datetime) -> list[int]:
    """Training records: every executive has all the required modules but exec2@ (the first
    only, as in the demo) and one bench executive in UNTRAINED_SHARE + 1. Returns the ids of
    the executives with all the modules."""
    modules = list(settings.required_modules)
    admin = users["admin@demo.test"].id
    exec2 = users["exec2@demo.test"].id
    every = round(1 / UNTRAINED_SHARE) + 1
    done = set(db.session.execute(sa.select(TrainingRecord.user_id, TrainingRecord.module)))
    rows, trained = [], []
    for n, user_id in enumerate(executives):
        partial = user_id == exec2 or (n >= 2 and n % every == 0)
        wanted = modules[:1] if partial else modules
        if not partial:
            trained.append(user_id)
        for position, module in enumerate(wanted):
            if (user_id, module) in done:
                continue
            completed = today - timedelta(days=30 + (n * 7 + position * 11) % 700)
            rows.append(
                {
                    "user_id": user_id,
                    "module": module,
                    "completed_on": completed,
                    "recorded_by_id": admin,
                    "recorded_at": now,
                }
            )
    if rows:
        db.session.execute(sa.insert(TrainingRecord), rows)
    return trained


# ---- a year of history ----------------------------------------------------------------------


def _history(now: datetime) -> dict:
    """One ARR entry and one health entry HISTORY_DAYS ago for every account without an entry
    older than a year (INSERT ... SELECT: values follow from the account id, so they are the
    same on both databases)."""
    then = now - timedelta(days=HISTORY_DAYS)
    year_ago = now - timedelta(days=365)
    lacking_arr = ~sa.exists().where(
        ArrEntry.account_id == Account.id, ArrEntry.recorded_at <= year_ago
    )
    # 80% to 110% of today's ARR, in the same currency.
    arr_then = sa.cast(Account.arr_minor * (80 + Account.id % 31) / 100, sa.BigInteger)
    # Counted first: the rowcount of an INSERT ... SELECT is -1 with psycopg.
    arr = db.session.scalar(sa.select(sa.func.count(Account.id)).where(lacking_arr))
    if arr:
        at = sa.literal(then, ArrEntry.recorded_at.type)
        db.session.execute(
            sa.insert(ArrEntry).from_select(
                ["account_id", "arr_minor", "currency", "recorded_at"],
                sa.select(Account.id, arr_then, Account.currency, at).where(lacking_arr),
            )
        )
    lacking_health = ~sa.exists().where(
        HealthScoreEntry.account_id == Account.id, HealthScoreEntry.recorded_at <= year_ago
    )
    score_then = (Account.id * 37 + 11) % 71 + 20  # 20 to 90
    health = db.session.scalar(sa.select(sa.func.count(Account.id)).where(lacking_health))
    if health:
        at = sa.literal(then, HealthScoreEntry.recorded_at.type)
        db.session.execute(
            sa.insert(HealthScoreEntry).from_select(
                ["account_id", "score", "recorded_at"],
                sa.select(Account.id, score_then, at).where(lacking_health),
            )
        )
    return {"arr": arr, "health": health}


# ---- the sponsorships -------------------------------------------------------------------------


class _Program:
    def __init__(self, users, trained: list[int], settings, now: datetime, today: date):
        self.rng = random.Random(SEED)
        self.now, self.today, self.settings = now, today, settings
        self.trained = trained
        self.admin = users["admin@demo.test"].id
        self.people = [users[e].id for e in ("csm@demo.test", "csm2@demo.test", "ae@demo.test")]
        exits = {
            c.kind: c
            for c in db.session.scalars(
                sa.select(Criterion).where(Criterion.side == CriterionSide.EXIT)
            )
        }
        self.exit_rules = {
            kind: services.rules_text([exits[kind]]) if kind in exits else []
            for kind in (CriterionKind.TERM_ENDED, CriterionKind.CHURNED)
        }
        self.accounts = {
            row.id: row
            for row in db.session.execute(
                sa.select(
                    Account.id,
                    Account.name,
                    Account.status,
                    Account.tier,
                    Account.health_score,
                    Account.nps,
                    Account.arr_minor,
                    Account.currency,
                )
            )
        }
        # Accounts with a recent executive escalation, and the latest one: auto-nominations.
        recent = now - timedelta(days=90)
        self.executive_escalation = dict(
            db.session.execute(
                sa.select(Escalation.account_id, sa.func.max(Escalation.id))
                .where(Escalation.executive, Escalation.created_at >= recent)
                .group_by(Escalation.account_id)
            ).all()
        )
        taken = set(
            db.session.scalars(
                sa.select(Sponsorship.account_id).where(
                    Sponsorship.status.in_(
                        [
                            SponsorshipStatus.NOMINATED,
                            SponsorshipStatus.ACTIVE,
                            SponsorshipStatus.EXIT_REVIEW,
                        ]
                    )
                )
            )
        )
        self.used = set(taken)

    # -- choosing accounts ------------------------------------------------------------------

    def _pick(self, count: int, wanted, *, strict: bool = True) -> list[int]:
        pool = [i for i, a in self.accounts.items() if i not in self.used and wanted(a)]
        self.rng.shuffle(pool)
        chosen = sorted(pool[:count])
        if strict and len(chosen) < count:
            raise click.ClickException(f"not enough accounts for {count} sponsorships")
        self.used.update(chosen)
        return chosen

    def _qualifies(self, account) -> bool:
        return account.status != LifecycleStatus.CHURNED and (
            account.tier == Tier.STRATEGIC
            or (account.health_score is not None and account.health_score <= 30)
            or account.id in self.executive_escalation
        )

    # -- one sponsorship ------------------------------------------------------------------------

    def _row(self, account_id: int, status: SponsorshipStatus, nominated_at: datetime) -> dict:
        return {
            "account_id": account_id,
            "status": status,
            "sponsor_id": None,
            "nominated_by_id": self.rng.choice(self.people),
            "nomination_reason": "Strategic account with recent escalations; needs an "
            "executive who owns the relationship.",
            "nominated_at": nominated_at,
            "escalation_id": None,
            "decided_by_id": None,
            "decline_reason": "",
            "started_on": None,
            "planned_end_on": None,
            "exit_on": None,
            "exit_reason": None,
            "exit_note": "",
            "exit_rules": [],
            "baseline": {},
            "version": 1,
            "created_at": nominated_at,
            "updated_at": nominated_at,
        }

    def _approved(self, row: dict, started_on: date, sponsor: int, metrics: dict) -> None:
        rng = self.rng
        account = self.accounts[row["account_id"]]
        taken_at = datetime.combine(started_on, clock_time(9, 0), UTC)
        health = account.health_score
        row.update(
            sponsor_id=sponsor,
            decided_by_id=self.admin,
            started_on=started_on,
            planned_end_on=services.add_months(started_on, self.settings.default_term_months),
            nominated_at=taken_at - timedelta(days=rng.randint(2, 20)),
            baseline={
                "health": None
                if health is None
                else max(0, min(100, health + rng.randint(-20, 5))),
                "nps": account.nps,
                "arr_minor": int(account.arr_minor * rng.uniform(0.85, 1.05)),
                "currency": account.currency,
                "open_escalations": metrics.get("open", 0),
                "escalations_90d": metrics.get("recent", 0),
                "taken_at": taken_at.isoformat(),
            },
            updated_at=taken_at,
        )
        row["created_at"] = row["nominated_at"]

    def _metrics(self, account_ids: list[int]) -> dict[int, dict]:
        """Open escalations and escalations in the last 90 days, per account (as the baseline
        counts them at approval; taken now, which is near enough for the bench)."""
        recent = self.now - timedelta(days=90)
        metrics = {}
        for start in range(0, len(account_ids), 5_000):
            chunk = account_ids[start : start + 5_000]
            rows = db.session.execute(
                sa.select(
                    Escalation.account_id,
                    sa.func.count(Escalation.id).filter(Escalation.status.in_(OPEN_STATUSES)),
                    sa.func.count(Escalation.id).filter(Escalation.created_at >= recent),
                )
                .where(Escalation.account_id.in_(chunk))
                .group_by(Escalation.account_id)
            )
            for account_id, open_count, recent_count in rows:
                metrics[account_id] = {"open": open_count, "recent": recent_count}
        return metrics

    # -- the program ------------------------------------------------------------------------------

    def write(self, sizes: dict) -> dict:
        rng, today, now = self.rng, self.today, self.now
        churned = LifecycleStatus.CHURNED
        # In the program today, and about to leave it.
        leaving = sizes["term_ended_today"] + sizes["churned_today"]
        active = self._pick(max(0, sizes["active"] - leaving), self._qualifies)
        term_ended = self._pick(sizes["term_ended_today"], self._qualifies)
        churned_now = self._pick(sizes["churned_today"], lambda a: a.status == churned)
        review_term = self._pick(sizes["exit_review"] * 4 // 5, self._qualifies)
        review_churned = self._pick(
            sizes["exit_review"] - len(review_term), lambda a: a.status == churned
        )
        auto = self._pick(
            sizes["nominated"] // 2,
            lambda a: a.id in self.executive_escalation and a.status != churned,
            strict=False,
        )
        nominated = self._pick(sizes["nominated"] - len(auto), self._qualifies)
        exited = self._pick(sizes["exited"], lambda a: True)
        declined = self._pick(sizes["declined"], lambda a: True)
        in_program = active + term_ended + churned_now + review_term + review_churned
        metrics = self._metrics(sorted(in_program + exited))

        # Sponsors: each trained executive up to the program's limit, at random.
        limit = self.settings.max_active_per_executive
        load = dict.fromkeys(self.trained, 0)
        free = list(self.trained)

        def sponsor() -> int:
            if not free:
                raise click.ClickException("not enough trained executives for the program")
            user_id = rng.choice(free)
            load[user_id] += 1
            if load[user_id] >= limit:
                free.remove(user_id)
            return user_id

        rows = []
        for account_id in in_program:
            if account_id in term_ended or account_id in review_term:
                # The term ended: yesterday or so (today's review), or weeks ago (in review).
                days = rng.randint(1, 3) if account_id in term_ended else rng.randint(5, 60)
                end = today - timedelta(days=days)
                started_on = services.add_months(end, -self.settings.default_term_months)
            else:
                started_on = today - timedelta(days=rng.randint(1, 330))
            if account_id in review_term or account_id in review_churned:
                status = SponsorshipStatus.EXIT_REVIEW
            else:
                status = SponsorshipStatus.ACTIVE
            row = self._row(account_id, status, now)
            self._approved(row, started_on, sponsor(), metrics.get(account_id, {}))
            if status == SponsorshipStatus.EXIT_REVIEW:
                kind = (
                    CriterionKind.TERM_ENDED if account_id in review_term else CriterionKind.CHURNED
                )
                row["exit_rules"] = self.exit_rules[kind]
                row["updated_at"] = now - timedelta(days=rng.randint(1, 30))
            rows.append(row)
        for account_id in exited:
            started_on = today - timedelta(days=rng.randint(400, 1_100))
            row = self._row(account_id, SponsorshipStatus.EXITED, now)
            self._approved(row, started_on, rng.choice(self.trained), metrics.get(account_id, {}))
            reason = rng.choices(list(EXIT_NOTES), weights=(40, 35, 15, 10))[0]
            exit_on = min(started_on + timedelta(days=rng.randint(120, 380)), today)
            row.update(
                exit_on=exit_on,
                exit_reason=reason,
                exit_note=EXIT_NOTES[reason],
                updated_at=datetime.combine(exit_on, clock_time(9, 0), UTC),
            )
            rows.append(row)
        for account_id in auto + nominated:
            at = now - timedelta(hours=rng.uniform(1, 30 * 24))
            row = self._row(account_id, SponsorshipStatus.NOMINATED, at)
            if account_id in self.executive_escalation:
                escalation_id = self.executive_escalation[account_id]
                row.update(
                    nominated_by_id=None,
                    escalation_id=escalation_id,
                    nomination_reason=f"Executive escalation #{escalation_id}",
                )
            rows.append(row)
        for account_id in declined:
            at = now - timedelta(days=rng.uniform(1, 700))
            row = self._row(account_id, SponsorshipStatus.DECLINED, at)
            row.update(decided_by_id=self.admin, decline_reason=DECLINE_REASON)
            row["updated_at"] = at + timedelta(days=rng.randint(1, 10))
            rows.append(row)

        # In the order they were nominated, as the app would have numbered them.
        rows.sort(key=lambda r: r["nominated_at"])
        first = (db.session.scalar(sa.select(sa.func.max(SPONSORSHIPS.c.id))) or 0) + 1
        for sponsorship_id, row in enumerate(rows, start=first):
            row["id"] = sponsorship_id
        db.session.execute(sa.insert(SPONSORSHIPS), rows)
        tasks, objectives, audit = self._plan(rows)
        for table, values in (
            (SponsorshipTask.__table__, tasks),
            (Objective.__table__, objectives),
            (AuditEvent.__table__, audit),
        ):
            for start in range(0, len(values), 5_000):
                db.session.execute(sa.insert(table), values[start : start + 5_000])
        return {
            "sponsorships": len(rows),
            "tasks": len(tasks),
            "objectives": len(objectives),
            "audit": len(audit),
        }

    def _plan(self, rows: list[dict]) -> tuple[list, list, list]:
        """Checklist and objectives of every approved sponsorship; the audit rows of what
        happened to each (nominate, approve or decline, exit review, exit)."""
        rng = self.rng
        responsibilities = list(self.settings.responsibilities)
        tasks, objectives, audit = [], [], []
        for row in rows:
            status = row["status"]
            account = self.accounts[row["account_id"]]

            def event(action, at, changes, actor, row=row, account=account):
                audit.append(
                    {
                        "occurred_at": at,
                        "actor_id": actor,
                        "entity_type": "sponsorship",
                        "entity_id": row["id"],
                        "account_id": row["account_id"],
                        "action": action,
                        "summary": account.name[:300],
                        "changes": changes,
                    }
                )

            event(
                "nominate",
                row["nominated_at"],
                {
                    "status": [None, "nominated"],
                    "nomination_reason": [None, row["nomination_reason"]],
                },
                row["nominated_by_id"],
            )
            if status == SponsorshipStatus.DECLINED:
                event(
                    "decline",
                    row["updated_at"],
                    {"status": ["nominated", "declined"], "decline_reason": [None, DECLINE_REASON]},
                    self.admin,
                )
            if row["started_on"] is None:
                continue
            started = datetime.combine(row["started_on"], clock_time(9, 0), UTC)
            event(
                "approve",
                started,
                {
                    "status": ["nominated", "active"],
                    "sponsor_id": [None, row["sponsor_id"]],
                    "started_on": [None, row["started_on"].isoformat()],
                    "planned_end_on": [None, row["planned_end_on"].isoformat()],
                },
                self.admin,
            )
            age = (self.today - row["started_on"]).days
            for position, text in enumerate(responsibilities):
                # The first tasks are done within weeks; the later ones as the term goes on.
                done = status == SponsorshipStatus.EXITED or age > 20 + 60 * position
                done = done and rng.random() < 0.9
                tasks.append(
                    {
                        "sponsorship_id": row["id"],
                        "position": position,
                        "text": text[:300],
                        "done_at": started + timedelta(days=7 + 45 * position) if done else None,
                        "done_by_id": row["sponsor_id"] if done else None,
                    }
                )
            for n, (text, metric, target) in enumerate(rng.sample(OBJECTIVES, 2)):
                if status == SponsorshipStatus.EXITED:
                    state = (
                        ObjectiveStatus.ACHIEVED if rng.random() < 0.7 else ObjectiveStatus.MISSED
                    )
                else:
                    state = rng.choice(
                        [ObjectiveStatus.OPEN, ObjectiveStatus.ON_TRACK, ObjectiveStatus.AT_RISK]
                    )
                objectives.append(
                    {
                        "sponsorship_id": row["id"],
                        "text": text,
                        "metric": metric,
                        "target": target,
                        "due_on": row["started_on"] + timedelta(days=90 * (n + 1)),
                        "status": state,
                        "version": 1,
                    }
                )
            if status == SponsorshipStatus.EXIT_REVIEW:
                event(
                    "exit_review",
                    row["updated_at"],
                    {
                        "status": ["active", "exit_review"],
                        "exit_rules": [None, [r["text"] for r in row["exit_rules"]]],
                    },
                    None,
                )
            if status == SponsorshipStatus.EXITED:
                event(
                    "exit",
                    row["updated_at"],
                    {
                        "status": ["active", "exited"],
                        "exit_on": [None, row["exit_on"].isoformat()],
                        "exit_reason": [None, row["exit_reason"].value],
                    },
                    row["sponsor_id"],
                )
        return tasks, objectives, audit
