"""Cross-cutting pages: Today (each person's day, filled by the domains above) and the load
balancer health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import views  # noqa: E402, F401
