"""The "why this due time?" page of an SLA clock (clock_explain.py builds what it shows)."""

from flask import abort, render_template
from flask_login import login_required

from app.escalations import bp, clock_explain, queries
from app.escalations.labels import CLOCK_STATES
from app.models import utcnow


@bp.get("/<int:escalation_id>/clocks/<int:clock_id>/why")
@login_required
def clock_explanation(escalation_id: int, clock_id: int):
    # Whoever may read the escalation reads its clocks; another escalation's clock: not found.
    escalation = queries.load(escalation_id) or abort(404)
    clock = next((c for c in escalation.clocks if c.id == clock_id), None) or abort(404)
    why = clock_explain.explain_clock(escalation, clock, utcnow())
    return render_template(
        "escalations/clock_explain.html",
        escalation=escalation,
        why=why,
        state_label=CLOCK_STATES[why.state],
    )
