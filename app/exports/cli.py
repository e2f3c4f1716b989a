"""`flask exports run SCHEDULE_ID`: run one export schedule now, as the scheduler would."""

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app.exports import runner
from app.exports.models import ExportSchedule, RunStatus, RunTrigger
from app.extensions import db

exports_cli = AppGroup("exports", help="Scheduled exports.")


@exports_cli.command("run")
@click.argument("schedule_id", type=int)
def run_command(schedule_id):
    """Run the export schedule SCHEDULE_ID now; print the file, or the error (exit code 1)."""
    schedule = db.session.get(ExportSchedule, schedule_id)
    if schedule is None:
        raise click.ClickException(f"there is no export schedule {schedule_id}")
    try:
        run = runner.start(schedule, trigger=RunTrigger.COMMAND)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            f"an export of schedule {schedule_id} started by hand is already running or waits "
            "for its retry"
        ) from None
    click.echo(f"export run {run.id} of schedule {schedule.id} ({schedule.name}) started")
    run = runner.execute(run.id)
    if run.status is RunStatus.SUCCEEDED:
        click.echo(f"file: {runner.file_path(run)}")
        click.echo(f"rows: {run.rows}" + (f", pages: {run.pages}" if run.pages else ""))
        click.echo(f"size: {run.file_size} bytes")
        click.echo(f"sha256: {run.sha256}")
        if run.replaced:
            replaced = ", ".join(f"{char} x{count}" for char, count in run.replaced.items())
            click.echo(f"characters the encoding cannot hold, written as '?': {replaced}")
        return
    click.echo(f"failed: {run.error}", err=True)
    if run.status is RunStatus.RETRYING:
        click.echo(
            f"the scheduler tries again at {run.next_attempt_at:%Y-%m-%d %H:%M} UTC", err=True
        )
    raise SystemExit(1)
