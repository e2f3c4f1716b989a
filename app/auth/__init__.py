"""Users, roles, sign-in and user administration."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import admin_index, views  # noqa: E402, F401
