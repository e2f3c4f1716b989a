"""Knowledge notes: what was learned from escalations, searchable in Japanese and English."""

from flask import Blueprint

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")

from app.knowledge import labels, views  # noqa: E402,F401
