"""Reports and trends: escalation figures over a date range, tier and owner, read from rollup
tables that the scheduler keeps up to date (rollup.py), drawn as SVG charts."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import views  # noqa: E402, F401
