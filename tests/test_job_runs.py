"""Each run of a scheduler job is recorded (app/scheduler/runs.py): started, then succeeded or
failed with its error, the failure kept though the job's own work is rolled back; the admins'
page /admin/jobs lists the jobs and their runs; the admin's Today page shows the failures of
the week by job label."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.extensions import db
from app.models import utcnow
from app.scheduler import jobs, runs
from app.scheduler.labels import JOB_LABELS
from app.scheduler.models import JobLease, JobRun, JobRunStatus
from tests.conftest import login

DAY = timedelta(days=1)


def all_runs(app) -> list[JobRun]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id)))
        db.session.expunge_all()
        return rows


def dummy_job(monkeypatch, app, run):
    """A job named "dummy" that does `run(now)`, under the outbox's interval."""
    monkeypatch.setitem(jobs.JOBS, "dummy", jobs.Job("SCHEDULER_OUTBOX_SECONDS", run))


def add_run(app, job="outbox", status=JobRunStatus.SUCCEEDED, started_at=None, **values):
    started_at = started_at or utcnow()
    with app.app_context():
        row = JobRun(
            job=job,
            status=status,
            started_at=started_at,
            finished_at=values.pop("finished_at", started_at + timedelta(seconds=2)),
            host="sched-1",
            pid=4242,
            **values,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


# Recording ----------------------------------------------------------------------------------


def test_a_run_that_ends_well_is_recorded_with_what_it_did(app, monkeypatch):
    now = utcnow()
    dummy_job(monkeypatch, app, lambda at: {"sent": 2})
    with app.app_context():
        assert jobs.run_job("dummy", now) is True
    (run,) = all_runs(app)
    assert (run.job, run.status, run.scheduled) == ("dummy", JobRunStatus.SUCCEEDED, False)
    assert run.started_at == now and now <= run.finished_at < now + timedelta(seconds=30)
    assert run.outcome == "sent: 2" and run.error == ""
    assert run.host and run.pid > 0


def test_a_failed_run_keeps_its_record_though_the_jobs_work_is_rolled_back(app, monkeypatch):
    def failing(at):
        db.session.add(
            Account(
                name="Half done KK",
                domain="half.example.com",
                tier="growth",
                arr_minor=0,
                currency="JPY",
            )
        )
        db.session.flush()  # written, not committed: the job dies before its commit
        raise RuntimeError("SMTP server said no\nsecond line")

    dummy_job(monkeypatch, app, failing)
    now = utcnow()
    with app.app_context(), pytest.raises(RuntimeError):
        jobs.run_job("dummy", now, scheduled=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0
        assert db.session.get(JobLease, "dummy").expires_at is None  # the lease is given back
    (run,) = all_runs(app)
    assert run.status is JobRunStatus.FAILED and run.scheduled is True
    assert run.finished_at is not None and run.outcome == ""
    assert run.error_summary == "RuntimeError: SMTP server said no second line"
    assert "Traceback (most recent call last)" in run.error and "in failing" in run.error

    # The next run of the job records a run of its own, the failure stays.
    dummy_job(monkeypatch, app, lambda at: None)
    with app.app_context():
        assert jobs.run_job("dummy", now + DAY) is True
    assert [r.status for r in all_runs(app)] == [JobRunStatus.FAILED, JobRunStatus.SUCCEEDED]


def test_a_run_left_running_by_a_dead_process_is_marked_failed_when_the_job_runs_again(
    app, monkeypatch
):
    now = utcnow()
    dead = add_run(app, job="dummy", status=JobRunStatus.RUNNING, started_at=now - DAY)
    other = add_run(app, job="outbox", status=JobRunStatus.RUNNING, started_at=now)
    with app.app_context():
        db.session.execute(sa.update(JobRun).where(JobRun.id == dead).values(finished_at=None))
        db.session.commit()
    dummy_job(monkeypatch, app, lambda at: None)
    with app.app_context():
        assert jobs.run_job("dummy", now) is True
    by_id = {run.id: run for run in all_runs(app)}
    assert by_id[dead].status is JobRunStatus.FAILED and by_id[dead].finished_at is None
    assert by_id[other].status is JobRunStatus.RUNNING  # another job's run is not touched


def test_old_runs_go_when_their_job_runs_again(app, monkeypatch):
    """Failures are kept thirty days, successes two (the outbox alone runs every 15 s)."""
    now = utcnow()
    failed = JobRunStatus.FAILED
    old = add_run(app, job="dummy", status=failed, started_at=now - 31 * DAY)
    kept = add_run(app, job="dummy", status=failed, started_at=now - 29 * DAY)
    old_success = add_run(app, job="dummy", started_at=now - 3 * DAY)
    recent_success = add_run(app, job="dummy", started_at=now - DAY)
    other_old = add_run(app, job="outbox", status=failed, started_at=now - 31 * DAY)
    dummy_job(monkeypatch, app, lambda at: None)
    with app.app_context():
        assert jobs.run_job("dummy", now) is True
    ids = [run.id for run in all_runs(app)]
    assert old not in ids and old_success not in ids
    assert kept in ids and recent_success in ids and other_old in ids and len(ids) == 4


def test_a_skipped_run_is_not_recorded(app, monkeypatch):
    now = utcnow()
    dummy_job(monkeypatch, app, lambda at: None)
    with app.app_context():
        db.session.add(JobLease(name="dummy", holder="elsewhere", expires_at=now + DAY))
        db.session.commit()
        assert jobs.run_job("dummy", now) is False
    assert all_runs(app) == []


def test_a_record_that_cannot_be_written_does_not_stop_the_job(app, monkeypatch, caplog):
    ran = []
    dummy_job(monkeypatch, app, ran.append)

    # As before the migration that makes the table: the record fails, the job runs.
    missing = sa.table("job_runs_not_migrated", sa.column("id"), sa.column("job"))
    monkeypatch.setattr(runs, "runs", missing)
    now = utcnow()
    with app.app_context():
        assert jobs.run_job("dummy", now) is True
    assert ran == [now] and all_runs(app) == []
    assert "its run could not be recorded" in caplog.text


def test_the_error_text_is_bounded_and_keeps_the_end_of_the_traceback():
    def deep(n):
        if n == 0:
            raise ValueError("x" * 20000)
        deep(n - 1)

    try:
        deep(200)
    except ValueError as error:
        text = runs.error_text(error)
    assert len(text) <= runs.ERROR_CHARS
    first, _, rest = text.partition("\n\n")
    assert first.startswith("ValueError: xxx") and len(first) == runs.HEAD_CHARS
    assert rest.startswith("…") and rest.rstrip().endswith("x")


def test_every_job_has_a_label_and_a_description():
    assert set(JOB_LABELS) == set(jobs.JOBS)


# The page -----------------------------------------------------------------------------------


def test_an_admin_sees_every_job_and_the_runs_with_their_errors(app, client, make_user):
    now = utcnow()
    add_run(app, job="outbox", started_at=now - timedelta(minutes=1), outcome="sent: 3, failed: 0")
    add_run(
        app,
        job="sla_sweep",
        status=JobRunStatus.FAILED,
        started_at=now - timedelta(minutes=2),
        error="OperationalError: <script>alert(1)</script> lost\n\nTraceback (most recent call"
        ' last):\n  File "sweep.py", line 3',
    )
    login(client, app, make_user("admin"))
    html = client.get("/admin/jobs").get_data(as_text=True)
    for label, _text in JOB_LABELS.values():
        assert f"<strong>{label}</strong>" in html
    assert "Every 15 seconds" in html  # the outbox's interval
    assert "sla_sweep</" not in html and ">outbox<" not in html  # labels, never the names
    assert "sent: 3, failed: 0" in html
    assert "<script>alert(1)</script>" not in html
    assert "OperationalError: &lt;script&gt;alert(1)&lt;/script&gt; lost" in html
    assert re.search(r'<pre class="job-error">OperationalError: &lt;script&gt;', html)
    # The failure count links to the job's failed runs.
    assert 'href="/admin/jobs?status=failed&amp;job=sla_sweep#runs">1</a>' in html

    failed = client.get("/admin/jobs?status=failed").get_data(as_text=True)
    runs_part = failed.partition('id="runs"')[2]
    assert "SLA sweep" in runs_part and "sent: 3, failed: 0" not in runs_part
    outbox = client.get("/admin/jobs?job=outbox").get_data(as_text=True).partition('id="runs"')[2]
    assert "sent: 3, failed: 0" in outbox and "OperationalError" not in outbox
    # Hostile or unknown filters are ignored, not errors.
    for query in ("status=nope", "job=%3Cb%3E", "page=-3", "page=99999999999999"):
        assert client.get(f"/admin/jobs?{query}").status_code == 200


def test_the_page_says_when_a_job_has_not_run_and_when_it_is_late(app, client, make_user):
    now = utcnow()
    add_run(app, job="eligibility_review", started_at=now - timedelta(days=3))
    login(client, app, make_user("admin"))
    html = client.get("/admin/jobs").get_data(as_text=True)
    row = html.partition('id="job-eligibility_review"')[2].partition("</tr>")[0]
    assert "Every day" in row and "Late" in row
    row = html.partition('id="job-outbox"')[2].partition("</tr>")[0]
    assert "Not run yet" in row and "When the scheduler starts" in row


@pytest.mark.parametrize("role", ["csm", "ae", "manager", "executive"])
def test_only_admins_see_the_jobs_page_and_its_link(app, client, make_user, role):
    login(client, app, make_user(role))
    assert client.get("/admin/jobs").status_code == 403
    assert "/admin/jobs" not in client.get("/admin").get_data(as_text=True)


def test_the_settings_menu_links_the_jobs_page_for_admins(app, client, make_user):
    login(client, app, make_user("admin"))
    menu = client.get("/profile").get_data(as_text=True)
    menu = menu.partition('<details class="settings-menu">')[2].partition("</details>")[0]
    assert '<a href="/admin/jobs" >Scheduled jobs</a>' in menu
    assert '<a href="/admin/jobs">Scheduled jobs</a>' in client.get("/admin").get_data(as_text=True)


def test_the_jobs_page_reads_the_same_number_of_queries_however_many_runs(app, client, make_user):
    login(client, app, make_user("admin"))

    def add(count):
        with app.app_context():
            now = utcnow()
            db.session.add_all(
                JobRun(
                    job=list(jobs.JOBS)[i % len(jobs.JOBS)],
                    status=JobRunStatus.FAILED if i % 3 else JobRunStatus.SUCCEEDED,
                    started_at=now - timedelta(minutes=i),
                    finished_at=now - timedelta(minutes=i) + timedelta(seconds=1),
                    host="sched",
                    pid=1,
                    error="RuntimeError: boom" if i % 3 else "",
                )
                for i in range(count)
            )
            db.session.commit()

    add(3)
    few = client.get("/admin/jobs")
    add(80)
    many = client.get("/admin/jobs")
    later = client.get("/admin/jobs?page=3&status=failed")
    assert few.status_code == many.status_code == later.status_code == 200
    counts = {r.headers["X-SQL-Queries"] for r in (few, many, later)}
    assert len(counts) == 1, counts
    assert int(counts.pop()) <= 8  # user, session, latest runs, leases, failures, count, rows


# Today --------------------------------------------------------------------------------------


def today_block(client) -> str:
    html = client.get("/").get_data(as_text=True)
    start = html.find('id="today-failed-jobs"')
    return "" if start < 0 else html[start : html.find("</section>", start)]


def test_the_admin_today_page_shows_the_failed_jobs_of_the_week(app, client, make_user):
    now = utcnow()
    add_run(
        app,
        job="outbox",
        status=JobRunStatus.FAILED,
        started_at=now - timedelta(hours=2),
        error="SMTPServerDisconnected: Connection unexpectedly closed\n\nTraceback (most...",
    )
    add_run(app, job="sla_sweep", status=JobRunStatus.FAILED, started_at=now - 8 * DAY)
    add_run(app, job="aftercare", status=JobRunStatus.SUCCEEDED, started_at=now)
    login(client, app, make_user("admin"))
    block = today_block(client)
    assert "Failed jobs this week" in block and '<span class="count">1</span>' in block
    assert ">E-mail outbox</a>" in block
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in block
    assert "Traceback" not in block  # the first line only
    assert "SLA sweep" not in block and "Aftercare" not in block
    assert 'href="/admin/jobs?status=failed#runs"' in block


def test_a_run_that_never_ended_says_so_on_today(app, client, make_user):
    add_run(app, job="exports", status=JobRunStatus.FAILED, finished_at=None, error="")
    login(client, app, make_user("admin"))
    block = today_block(client)
    assert "Scheduled exports" in block and "Stopped before it finished" in block


def test_the_block_is_for_admins_and_says_what_empty_means(app, client, make_user):
    add_run(app, job="outbox", status=JobRunStatus.FAILED, error="RuntimeError: boom")
    login(client, app, make_user("manager"))
    assert today_block(client) == ""
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    with app.app_context():
        db.session.execute(sa.delete(JobRun))
        db.session.commit()
    assert "No scheduled job failed in the last seven days." in today_block(admin)


def test_the_block_reads_in_japanese(app, client, make_user):
    """Needs the ja catalog merged (/tmp/ja/jobs.json)."""
    add_run(app, job="outbox", status=JobRunStatus.FAILED, error="RuntimeError: boom")
    login(client, app, make_user("admin", locale="ja"))
    block = today_block(client)
    assert "今週失敗したジョブ" in block and "メール送信" in block and "E-mail outbox" not in block
