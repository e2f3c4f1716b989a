"""The executive sponsorship program."""

from flask import Blueprint

bp = Blueprint("sponsorship", __name__, url_prefix="/sponsorships")

from app.sponsorship import admin_views, audit_text, views  # noqa: E402, F401
