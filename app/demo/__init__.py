"""Demo data for `make run`: `flask seed-demo` loads the demo users, a book of 36 accounts,
nine escalations (three executive; one resolved with its check-in due, one followed up, one
closed with its post-mortem), an active sponsorship with its success plan, touchpoints and
two export schedules, and three knowledge notes.

Not product code: it sits above every domain and calls their services, so demo records obey
the rules real ones do (audit rows, timeline, SLA clocks, notices). Running it again adds only
what is missing. The bench's much larger book is seeded by bench/seed.py.
"""

import click
from flask.cli import with_appcontext

from app.demo import accounts, escalations, exports, knowledge, sponsorship, touchpoints, users
from app.extensions import db
from app.models import utcnow
from app.reports import rollup


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo users and account book (running it twice changes nothing)."""
    people = users.ensure_users()
    new_accounts = accounts.seed(people)
    new_escalations = escalations.seed(people)
    sponsorship.seed(people)
    touchpoints.seed(people)
    exports.seed(people)
    knowledge.seed(people)
    db.session.commit()
    # The reports page's figures now, not at the scheduler's first pass.
    rollup.refresh(utcnow())
    db.session.commit()
    click.echo(
        f"demo data: {len(people)} users, {new_accounts} new accounts, {new_escalations} new "
        f"escalations (password for every demo user: {users.PASSWORD})"
    )
