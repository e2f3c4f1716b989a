"""Touchpoint pages."""

from app.touchpoints import labels  # noqa: F401
