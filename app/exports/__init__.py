"""Scheduled exports: schedules, their runs and files, delivery to a folder and by e-mail."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from app.exports import views  # noqa: E402,F401
