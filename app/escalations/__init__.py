"""Escalations: intake to resolution, levels and handoffs, SLA clocks, customer updates."""

from flask import Blueprint

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

from app.escalations import views  # noqa: E402, F401
