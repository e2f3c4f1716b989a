"""In-app notifications and e-mail through an outbox."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from app.notifications import views  # noqa: E402, F401
