"""The executive review on the bench book (`make bench`, bench/run.py).

- `prepare()` (with the app context): an executive, bench-review@demo.test, who sponsors ACCOUNTS
  (40) active sponsorships of the seeded program (taken over from their sponsors: bench data,
  the program's per-executive limit is not applied), each account with what a brief shows:
  a completed and a planned touchpoint with the account's decision makers and the executive,
  a review, timeline notes and a handoff to the executive level on an open escalation when it
  has one (the seed gives escalations, health history and objectives). Running it again adds
  nothing. Returns the executive's id, an account id and the review page's path.
- `time_briefs(python, env, cwd)`: the account brief and the portfolio brief of that executive
  rendered in a child process each (the view itself, in a transaction rolled back, so no Brief
  row is left): seconds (first run, and median of REPEAT; also the median CPU seconds, which a
  busy machine does not inflate) and the child's peak RSS (MB, from
  ru_maxrss: WeasyPrint's C parts are not seen by tracemalloc), with the RSS before rendering.
  Targets: account brief under ACCOUNT_SECONDS, portfolio under PORTFOLIO_SECONDS and
  PORTFOLIO_MB.

    python -c "from bench.review import main; main()"      # prepare; prints REVIEW_BENCH_JSON
"""

import json
import subprocess
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

ACCOUNTS = 40
EMAIL = "bench-review@demo.test"
PASSWORD = "demo12345"  # as the demo users
REPEAT = 3
ACCOUNT_SECONDS = 0.5
PORTFOLIO_SECONDS = 8.0
PORTFOLIO_MB = 400.0
TIMEOUT = 600


def prepare(accounts: int = ACCOUNTS) -> dict:
    """The bench executive with `accounts` sponsored accounts and their content (idempotent)."""
    from app.accounts.models import Contact, ContactRole, TimelineEvent
    from app.auth.models import Role, User
    from app.escalations.models import OPEN_STATUSES, Escalation, Handoff, Level
    from app.extensions import db
    from app.sponsorship.models import (
        ProgramSettings,
        Sponsorship,
        SponsorshipStatus,
        TrainingRecord,
    )
    from app.touchpoints.models import (
        ExecutiveReview,
        ReviewDecision,
        Touchpoint,
        TouchpointKind,
        TouchpointStatus,
    )

    now = datetime.now(UTC)
    executive = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    if executive is None:
        executive = User(email=EMAIL, name="Bench Review Executive", active=True, locale="en")
        executive.password_hash = generate_password_hash(PASSWORD)
        executive.set_roles([Role.EXECUTIVE.value])
        db.session.add(executive)
        db.session.flush()
        settings = db.session.get(ProgramSettings, 1)
        for module in settings.required_modules if settings else []:
            db.session.add(
                TrainingRecord(
                    user_id=executive.id,
                    module=module,
                    completed_on=now.date() - timedelta(days=60),
                    recorded_by_id=executive.id,
                )
            )
    mine = db.session.scalar(
        sa.select(sa.func.count(Sponsorship.id)).where(
            Sponsorship.sponsor_id == executive.id, Sponsorship.status == SponsorshipStatus.ACTIVE
        )
    )
    if mine < accounts:
        taken = db.session.scalars(
            sa.select(Sponsorship.id)
            .where(
                Sponsorship.status == SponsorshipStatus.ACTIVE,
                Sponsorship.sponsor_id != executive.id,
            )
            .order_by(Sponsorship.id)
            .limit(accounts - mine)
        ).all()
        db.session.execute(
            sa.update(Sponsorship).where(Sponsorship.id.in_(taken)).values(sponsor_id=executive.id)
        )
    sponsorships = db.session.execute(
        sa.select(Sponsorship.id, Sponsorship.account_id)
        .where(
            Sponsorship.sponsor_id == executive.id, Sponsorship.status == SponsorshipStatus.ACTIVE
        )
        .order_by(Sponsorship.id)
    ).all()
    account_ids = [account_id for _id, account_id in sponsorships]
    covered = set(
        db.session.scalars(
            sa.select(Touchpoint.account_id).where(Touchpoint.account_id.in_(account_ids))
        )
    )
    contacts = {}
    for contact in db.session.scalars(
        sa.select(Contact).where(
            Contact.account_id.in_(account_ids),
            Contact.role.in_((ContactRole.EXECUTIVE, ContactRole.ECONOMIC_BUYER)),
        )
    ):
        contacts.setdefault(contact.account_id, []).append(contact)
    escalations = dict(
        db.session.execute(
            sa.select(Escalation.account_id, sa.func.min(Escalation.id))
            .where(Escalation.account_id.in_(account_ids), Escalation.status.in_(OPEN_STATUSES))
            .group_by(Escalation.account_id)
        ).all()
    )
    for n, (sponsorship_id, account_id) in enumerate(sponsorships):
        if account_id in covered:
            continue
        for status, days in ((TouchpointStatus.COMPLETED, -30 - n), (TouchpointStatus.PLANNED, 14)):
            touchpoint = Touchpoint(
                account_id=account_id,
                sponsorship_id=sponsorship_id,
                kind=TouchpointKind.BUSINESS_REVIEW,
                status=status,
                starts_at=now + timedelta(days=days),
                title="Quarterly business review",
                agenda="Renewal, roadmap, open escalations.",
                timezone="Asia/Tokyo",
            )
            touchpoint.executives = [executive]
            touchpoint.contacts = contacts.get(account_id, [])[:2]
            db.session.add(touchpoint)
        db.session.add(
            ExecutiveReview(
                sponsorship_id=sponsorship_id,
                reviewer_id=executive.id,
                decision=ReviewDecision.CONTINUE,
                note="Steady quarter; renewal conversation planned with the CFO.",
                created_at=now - timedelta(days=20),
            )
        )
        db.session.add_all(
            TimelineEvent(
                account_id=account_id,
                kind="note",
                summary=f"Call with the customer's team ({k})",
                body=f"Call with the customer's team ({k}): agreed next steps on the rollout.",
                occurred_at=now - timedelta(days=2 * k + 1),
            )
            for k in range(8)
        )
        if account_id in escalations:
            db.session.add(
                Handoff(
                    escalation_id=escalations[account_id],
                    from_level=Level.L2,
                    to_level=Level.EXECUTIVE,
                    to_owner_id=executive.id,
                    created_by_id=executive.id,
                    what_happened="Outage during month-end close.",
                    what_was_tried="Failover, patch.",
                    why_unresolved="Root cause in the vendor's platform.",
                    what_is_needed="Call their CIO and commit to the remediation plan.",
                    created_at=now - timedelta(days=3),
                )
            )
    db.session.commit()
    return {
        "executive_id": executive.id,
        "accounts": len(sponsorships),
        "account_id": account_ids[0] if account_ids else None,
        "path": f"/review/{executive.id}",
    }


def main() -> None:
    """Prepare with the app of wsgi.py (run by bench/run.py with the app's environment)."""
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        facts = prepare()
        db.session.remove()
    print("REVIEW_BENCH_JSON " + json.dumps(facts))


# Run in a child process with the app's environment: renders one brief REPEAT times through
# its view, each in a transaction rolled back; prints one line "BRIEF_JSON {...}".
BRIEF_SCRIPT = """
import json, logging, resource, sys, time

from wsgi import app  # first: the app imports every model

from flask_login import login_user

from app.auth.models import User
from app.extensions import db
from app.touchpoints import review_views

logging.getLogger("weasyprint").setLevel(logging.ERROR)

kind = sys.argv[1]
executive_id, account_id, repeat = (int(value) for value in sys.argv[2:5])


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


runs = []
with app.test_request_context(base_url="http://localhost/"):
    session = db.session()
    session.commit = session.flush
    login_user(db.session.get(User, executive_id))
    before = peak_mb()
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        if kind == "account":
            response = review_views.account_brief(account_id)
        else:
            response = review_views.portfolio_brief(executive_id)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        runs.append({"seconds": seconds, "cpu_seconds": cpu, "bytes": len(response.data)})
        db.session.rollback()
print("BRIEF_JSON " + json.dumps({"runs": runs, "rss_before_mb": before, "peak_rss_mb": peak_mb()}))
"""


def time_briefs(python: str, env: dict, cwd, facts: dict) -> dict:
    """Time the account and the portfolio brief, each in a child process (see the docstring)."""
    results = {}
    for kind in ("account", "portfolio"):
        done = subprocess.run(
            [
                python,
                "-c",
                BRIEF_SCRIPT,
                kind,
                str(facts["executive_id"]),
                str(facts["account_id"]),
                str(REPEAT),
            ],
            cwd=cwd,
            env={**env, "SQL_QUERY_HEADER": "0"},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        line = next((x for x in done.stdout.splitlines() if x.startswith("BRIEF_JSON ")), None)
        if done.returncode != 0 or line is None:
            tail = "\n".join((done.stderr or done.stdout).splitlines()[-20:])
            raise RuntimeError(f"timing the {kind} brief failed ({done.returncode}):\n{tail}")
        found = json.loads(line.removeprefix("BRIEF_JSON "))
        seconds = sorted(run["seconds"] for run in found["runs"])
        found["first_seconds"] = found["runs"][0]["seconds"]
        found["median_seconds"] = seconds[len(seconds) // 2]
        cpu = sorted(run["cpu_seconds"] for run in found["runs"])
        found["median_cpu_seconds"] = cpu[len(cpu) // 2]
        limit = ACCOUNT_SECONDS if kind == "account" else PORTFOLIO_SECONDS
        misses = []
        if found["median_seconds"] >= limit:
            misses.append(f">= {limit} s")
        if kind == "portfolio" and found["peak_rss_mb"] >= PORTFOLIO_MB:
            misses.append(f">= {PORTFOLIO_MB:.0f} MB")
        found["target"] = "PASS" if not misses else "MISS: " + ", ".join(misses)
        results[kind] = found
    return results
