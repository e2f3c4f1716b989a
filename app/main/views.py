"""Home and health check."""

import logging

import sqlalchemy as sa
from flask import jsonify, redirect, url_for
from flask_login import login_required

from app.extensions import db
from app.main import bp

log = logging.getLogger(__name__)


@bp.get("/")
@login_required
def index():
    return redirect(url_for("accounts.list_accounts"))


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
