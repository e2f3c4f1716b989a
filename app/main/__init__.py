"""Cross-cutting pages: the home redirect and the load balancer health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import views  # noqa: E402, F401
