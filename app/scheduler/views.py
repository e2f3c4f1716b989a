"""The admins' page of scheduled jobs: each job with its interval, next run and latest run,
then its runs, newest first, filtered by status or job, with the error of each failure."""

from flask import render_template, request

from app.auth.permissions import roles_required
from app.inputs import page_number
from app.notifications import clock
from app.scheduler import bp, queries
from app.scheduler.jobs import JOBS
from app.scheduler.labels import duration_text, every_text, job_label
from app.scheduler.models import JobRunStatus


@bp.get("")
@roles_required()  # admins only: errors can name servers, files and addresses
def jobs():
    status = next((s for s in JobRunStatus if s.value == request.args.get("status")), None)
    job = request.args.get("job") if request.args.get("job") in JOBS else None
    now = clock.now()
    return render_template(
        "scheduler/jobs.html",
        jobs=queries.job_states(now),
        runs=queries.run_list(page_number(request.args), status=status, job=job),
        status=status.value if status else "",
        job=job or "",
        statuses=list(JobRunStatus),
        job_choices=[(name, job_label(name)) for name in JOBS],
        job_label=job_label,
        every_text=every_text,
        duration_text=duration_text,
        now=now,
    )
