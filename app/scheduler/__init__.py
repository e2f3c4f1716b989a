"""The scheduler process (`flask scheduler run`), its database-guarded jobs, the record of
their runs, and the admins' page of jobs and runs (/admin/jobs)."""

from flask import Blueprint

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")

from app.scheduler import views  # noqa: E402, F401
