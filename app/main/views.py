"""The Today page and the health check."""

import logging

import sqlalchemy as sa
from flask import jsonify, render_template
from flask_login import current_user, login_required

from app import signals
from app.extensions import db
from app.formatting import local_today
from app.main import bp
from app.models import utcnow

log = logging.getLogger(__name__)


@bp.get("/")
@login_required
def index():
    """Today: what needs the signed-in person now, in blocks the domains above add by role."""
    now = utcnow()
    today = local_today(now)
    viewer = current_user._get_current_object()
    sections = signals.page_sections(signals.today_page_sections, viewer, now=now, today=today)
    return render_template("today/index.html", sections=sections, today=today)


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 with the reason otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: database unreachable: %s", error)
        reason = type(getattr(error, "orig", None) or error).__name__
        return jsonify(status="error", database=f"unreachable: {reason}"), 503
    return jsonify(status="ok", database="ok")
