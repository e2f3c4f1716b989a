"""Executive touchpoints, the calendar and its feed, relationship coverage, the executive
review of sponsored accounts and its PDF briefs."""

from flask import Blueprint

bp = Blueprint("touchpoints", __name__, url_prefix="/touchpoints")
review_bp = Blueprint("review", __name__, url_prefix="/review")

from app.touchpoints import calendar_views, review_views, views  # noqa: E402, F401
