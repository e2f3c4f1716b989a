"""Export schedule pages: creating a schedule through the form (and each refusal shown next to
its field with nothing saved), edit conflicts, who sees and downloads what (downloads audited),
Run now with its progress, enabling and disabling, the timing preview, the "Schedule this
export" link of a list page, a deactivated owner's schedules stopped, and query counts."""

import re
from datetime import UTC, datetime, time
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth import services as user_services
from app.auth.models import User
from app.escalations.models import Severity
from app.exports import runner, services, timing
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    ExportRun,
    ExportSchedule,
    Frequency,
    RunStatus,
    RunTrigger,
)
from app.extensions import db
from app.models import utcnow
from app.notifications.models import Notification
from tests.conftest import csrf_token, login


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", name="Aiko Admin", email="aiko@example.test"),
        "exec": make_user("executive", name="Kenji Exec", email="kenji@example.test"),
        "exec2": make_user("executive", name="Emi Exec", email="emi@example.test"),
        "manager": make_user("manager", name="Maria Manager", email="maria@example.test"),
        "csm": make_user("csm", name="Sakura CSM", email="sakura@example.test"),
        "other_csm": make_user("csm", name="Other CSM", email="other@example.test"),
    }


@pytest.fixture(autouse=True)
def export_folder(app, tmp_path, monkeypatch):
    """Each test's files in a folder of its own."""
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))
    return tmp_path / "exports"


@pytest.fixture
def started(monkeypatch):
    """Run now's runs, kept instead of run in a background thread: the test executes them."""
    runs = []
    monkeypatch.setattr(runner, "run_in_background", runs.append)
    return runs


def valid_form(**values) -> dict:
    """A weekly escalation register as CSV to the export folder, as the form sends it."""
    data = {
        "name": "Weekly register",
        "kind": "escalations",
        "file_format": "csv",
        "encoding": "utf8_bom",
        "executive_id": "",
        "escalations-view": "open",
        "escalations-severity": "high",
        "escalations-sort": "newest",
        "frequency": "weekly",
        "weekday": "0",
        "month_day": "",
        "cron": "",
        "run_time": "09:00",
        "timezone": "Asia/Tokyo",
        "keep_files": "10",
        "enabled": "y",
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def make_schedule(app, owner_id, *, recipients=(), **values) -> int:
    """A schedule made through the service; its id."""
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        if isinstance(values.get("executive"), int):
            values["executive"] = db.session.get(User, values["executive"])
        defaults = dict(
            name="Register",
            kind=ExportKind.ESCALATIONS,
            file_format=ExportFormat.CSV,
            encoding=CsvEncoding.UTF8_BOM,
            filters={},
            executive=None,
            frequency=Frequency.DAILY,
            weekday=None,
            month_day=None,
            cron="",
            run_time=time(7, 0),
            timezone="Asia/Tokyo",
            recipients=[db.session.get(User, i) for i in recipients],
            keep_files=10,
            enabled=True,
        )
        schedule = services.create_schedule(owner, defaults | values)
        db.session.commit()
        return schedule.id


def schedules(app) -> list[ExportSchedule]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ExportSchedule)))


def field_errors(html: str, field: str) -> str:
    """The error text shown next to a form field (its `<id>-error` block)."""
    found = re.search(rf'id="{re.escape(field)}-error">(.*?)</div>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def execute(app, run_id) -> ExportRun:
    with app.app_context():
        runner.execute(run_id)
        run = db.session.get(ExportRun, run_id)
        db.session.expunge(run)
        return run


# Creating ---------------------------------------------------------------------------------


def test_an_admin_creates_a_weekly_schedule_through_the_form(app, client, people):
    login(client, app, people["admin"])
    form = client.get("/exports/new")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Files up to 5 MB are attached" in page
    assert 'value="Asia/Tokyo"' in page

    data = valid_form(recipient_ids=str(people["exec"]))
    response = post(client, "/exports/new", data)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True), "name")
    (schedule,) = schedules(app)
    assert response.headers["Location"] == f"/exports/{schedule.id}"
    assert (schedule.kind, schedule.file_format) == (ExportKind.ESCALATIONS, ExportFormat.CSV)
    assert schedule.filters == {"view": "open", "severity": "high", "sort": "newest"}
    assert (schedule.frequency, schedule.weekday, schedule.run_time) == (
        Frequency.WEEKLY,
        0,
        time(9, 0),
    )
    local = schedule.next_run_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert schedule.next_run_at > utcnow()

    shown = client.get(f"/exports/{schedule.id}").get_data(as_text=True)
    assert "Export schedule saved." in shown
    assert "Every Monday at 09:00 (Asia/Tokyo)" in shown
    assert len(re.findall(r'<ol class="exp-next">(.*?)</ol>', shown, re.S)[0].split("<li>")) == 6
    assert "Kenji Exec" in shown  # the recipient
    assert "Severity: <strong>High</strong>" in shown
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "export_schedule")
        ).one()
        assert event.action == "create" and event.changes["recipients"][1] == ["kenji@example.test"]
        assert event.changes["run_time"] == [None, "09:00"]


def cron_reason(app, expression: str) -> str:
    with app.test_request_context():
        with pytest.raises(timing.ScheduleError) as refused:
            timing.check_cron(expression)
        return str(refused.value)


INVALID = {
    "unknown timezone": ("timezone", {"timezone": "Mars/Olympus"}, "Not a valid choice"),
    "weekday missing": ("weekday", {"weekday": ""}, "Choose the day of the week."),
    "day 0": (
        "month_day",
        {"frequency": "monthly", "month_day": "0"},
        "Enter a day of the month from 1 to 31.",
    ),
    "day 32": (
        "month_day",
        {"frequency": "monthly", "month_day": "32"},
        "Enter a day of the month from 1 to 31.",
    ),
    "day missing": (
        "month_day",
        {"frequency": "monthly", "month_day": ""},
        "Enter a day of the month from 1 to 31.",
    ),
    "keep 0": ("keep_files", {"keep_files": "0"}, "Keep between 1 and 1000 files."),
    "keep 1001": ("keep_files", {"keep_files": "1001"}, "Keep between 1 and 1000 files."),
    "PDF of a table": ("file_format", {"file_format": "pdf"}, "exports are written as CSV, XLSX"),
    "no time": ("run_time", {"run_time": "25:99"}, "Enter the time as HH:MM, e.g. 07:30."),
    "every minute": (
        "cron",
        {"frequency": "cron", "cron": "* * * * *"},
        "Runs must be at least 15 minutes apart",
    ),
    "no name": ("name", {"name": "  "}, "Give the schedule a name."),
    "only invisible": ("name", {"name": "\u202e\u200b "}, "Give the schedule a name."),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_each_invalid_value_is_refused_next_to_its_field_and_nothing_saved(
    app, client, people, case
):
    field, values, message = INVALID[case]
    login(client, app, people["admin"])
    response = post(client, "/exports/new", valid_form(**values))
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)
    assert schedules(app) == []


@pytest.mark.parametrize("expression", ["61 * * * *", "0 9 * *", "0 9 * * MONDAY"])
def test_a_bad_cron_expression_is_refused_with_its_reason(app, client, people, expression):
    login(client, app, people["manager"])
    response = post(client, "/exports/new", valid_form(frequency="cron", cron=expression))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    reason = cron_reason(app, expression)
    assert reason and reason in field_errors(page, "cron")
    assert reason in page  # and the preview says the same without script
    assert schedules(app) == []


def test_an_executive_schedules_their_own_portfolio_brief_only(app, client, people):
    login(client, app, people["exec"])
    form = client.get("/exports/new").get_data(as_text=True)
    options = re.search(r'<select [^>]*id="executive_id"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert "Kenji Exec" in options and "Emi Exec" not in options
    brief = valid_form(kind="portfolio", file_format="pdf")
    refused = post(client, "/exports/new", brief | {"executive_id": str(people["exec2"])})
    assert refused.status_code == 422
    assert "Executives schedule their own portfolio brief only." in field_errors(
        refused.get_data(as_text=True), "executive_id"
    )
    assert schedules(app) == []
    saved = post(client, "/exports/new", brief | {"executive_id": str(people["exec"])})
    assert saved.status_code == 302
    (schedule,) = schedules(app)
    assert schedule.executive_id == people["exec"] and schedule.filters == {}


def test_an_admin_picks_any_active_executive_for_a_brief(app, client, people):
    login(client, app, people["admin"])
    brief = valid_form(kind="portfolio", file_format="pdf", executive_id=str(people["exec2"]))
    assert post(client, "/exports/new", brief).status_code == 302
    refused = post(client, "/exports/new", brief | {"executive_id": str(people["csm"])})
    assert "Choose an active executive." in field_errors(
        refused.get_data(as_text=True), "executive_id"
    )
    assert len(schedules(app)) == 1


def test_a_manager_schedules_no_portfolio_brief(app, client, people):
    login(client, app, people["manager"])
    brief = valid_form(kind="portfolio", file_format="pdf", executive_id=str(people["exec"]))
    response = post(client, "/exports/new", brief)
    assert response.status_code == 422
    assert "Only admins and executives schedule portfolio briefs." in field_errors(
        response.get_data(as_text=True), "kind"
    )


@pytest.mark.parametrize("role", ["csm", "ae"])
def test_a_csm_or_ae_cannot_create_a_schedule(app, client, people, make_user, role):
    login(client, app, make_user(role))
    assert client.get("/exports/new").status_code == 403
    assert post(client, "/exports/new", valid_form()).status_code == 403
    assert client.get("/exports/preview?frequency=daily").status_code == 403
    assert schedules(app) == []
    assert "Schedule this export" not in client.get("/escalations/").get_data(as_text=True)
    assert ">Exports</a>" not in client.get("/escalations/").get_data(as_text=True)


# Editing ----------------------------------------------------------------------------------


def test_a_save_on_an_old_version_shows_the_conflict_and_keeps_the_other_change(
    app, client, people
):
    schedule_id = make_schedule(app, people["manager"], name="Mine")
    login(client, app, people["manager"])
    form = client.get(f"/exports/{schedule_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    with app.test_request_context():  # an admin renames it meanwhile
        schedule = db.session.get(ExportSchedule, schedule_id)
        admin = db.session.get(User, people["admin"])
        values = {
            "name": "Renamed by admin",
            "kind": schedule.kind,
            "file_format": schedule.file_format,
            "encoding": schedule.encoding,
            "filters": schedule.filters,
            "executive": None,
            "frequency": schedule.frequency,
            "run_time": schedule.run_time,
            "timezone": schedule.timezone,
            "recipients": [],
            "keep_files": 10,
            "enabled": True,
        }
        services.update_schedule(admin, schedule, values)
        db.session.commit()
    response = post(
        client,
        f"/exports/{schedule_id}/edit",
        valid_form(name="Mine, changed", version=version, frequency="daily"),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this record" in page
    assert "Renamed by admin" in page  # the saved value beside the user's own
    with app.app_context():
        assert db.session.get(ExportSchedule, schedule_id).name == "Renamed by admin"
    again = post(
        client,
        f"/exports/{schedule_id}/edit",
        valid_form(name="Mine, changed", version=str(int(version) + 1), frequency="daily"),
    )
    assert again.status_code == 302
    with app.app_context():
        saved = db.session.get(ExportSchedule, schedule_id)
        assert (saved.name, saved.frequency) == ("Mine, changed", Frequency.DAILY)
        update = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_id == schedule_id, AuditEvent.action == "update")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert update.changes["name"] == ["Renamed by admin", "Mine, changed"]


def test_an_edit_refused_saves_nothing(app, client, people):
    schedule_id = make_schedule(app, people["manager"], name="Mine")
    login(client, app, people["manager"])
    response = post(
        client,
        f"/exports/{schedule_id}/edit",
        valid_form(name="Changed", version="1", frequency="cron", cron="0 25 * * *"),
    )
    assert response.status_code == 422
    assert cron_reason(app, "0 25 * * *") in field_errors(response.get_data(as_text=True), "cron")
    with app.app_context():
        assert db.session.get(ExportSchedule, schedule_id).name == "Mine"


# Seeing, running, downloading -------------------------------------------------------------


def test_a_recipient_sees_the_schedule_and_downloads_an_unrelated_csm_does_not(
    app, client, people, make_account, make_escalation, started
):
    account = make_account(name="株式会社みなと物流")
    make_escalation(account, title="Invoices fail", severity=Severity.HIGH)
    schedule_id = make_schedule(app, people["admin"], name="Register", recipients=[people["csm"]])
    login(client, app, people["admin"])
    response = post(client, f"/exports/{schedule_id}/run", {})
    assert response.status_code == 302
    (run_id,) = started
    run = execute(app, run_id)
    assert run.status is RunStatus.SUCCEEDED, run.error

    client = login(app.test_client(), app, people["csm"])
    assert "Register" in client.get("/exports/").get_data(as_text=True)
    page = client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert f'href="/exports/runs/{run_id}/download"' in page
    assert f'title="{run.sha256}"' in page
    download = client.get(f"/exports/runs/{run_id}/download")
    assert download.status_code == 200
    assert run.file_name in download.headers["Content-Disposition"]
    assert download.headers["Content-Disposition"].startswith("attachment")
    body = download.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "株式会社みなと物流".encode() in body
    assert client.head(f"/exports/runs/{run_id}/download").status_code == 200  # not audited

    client = login(app.test_client(), app, people["other_csm"])
    assert client.get(f"/exports/{schedule_id}").status_code == 404
    assert client.get(f"/exports/runs/{run_id}/download").status_code == 404
    assert client.get(f"/exports/runs/{run_id}/progress").status_code == 404
    assert "Register" not in client.get("/exports/").get_data(as_text=True)
    assert run.file_name not in client.get("/exports/runs").get_data(as_text=True)
    with app.app_context():
        downloads = db.session.execute(
            sa.select(AuditEvent.actor_id, AuditEvent.changes).where(
                AuditEvent.entity_type == "export_schedule", AuditEvent.action == "download"
            )
        ).all()
        assert downloads == [
            (people["csm"], {"run": [None, run_id], "file_name": [None, run.file_name]})
        ]


def test_run_now_runs_the_export_and_shows_its_progress(app, client, people, make_account, started):
    for n in range(3):
        make_account(name=f"Account {n}")
    schedule_id = make_schedule(
        app,
        people["admin"],
        name="Accounts",
        kind=ExportKind.ACCOUNTS,
        file_format=ExportFormat.XLSX,
    )
    login(client, app, people["admin"])
    response = post(client, f"/exports/{schedule_id}/run", {})
    assert response.headers["Location"] == f"/exports/{schedule_id}#runs"
    (run_id,) = started
    page = client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert "Export started." in page
    assert f'data-progress-url="/exports/runs/{run_id}/progress"' in page
    progress = client.get(f"/exports/runs/{run_id}/progress").get_json()
    assert progress["status"] == "running" and progress["finished"] is False
    assert progress["download_url"] is None

    again = post(client, f"/exports/{schedule_id}/run", {})
    assert again.status_code == 302 and started == [run_id]
    assert "already running" in client.get(f"/exports/{schedule_id}").get_data(as_text=True)

    run = execute(app, run_id)
    assert (run.status, run.trigger, run.triggered_by_id) == (
        RunStatus.SUCCEEDED,
        RunTrigger.MANUAL,
        people["admin"],
    )
    progress = client.get(f"/exports/runs/{run_id}/progress").get_json()
    assert progress["finished"] is True and progress["status"] == "succeeded"
    assert progress["rows"] == 3
    assert progress["download_url"] == f"/exports/runs/{run_id}/download"
    history = client.get("/exports/runs?status=succeeded").get_data(as_text=True)
    assert run.file_name in history and "Accounts" in history
    assert run.file_name not in client.get("/exports/runs?status=failed").get_data(as_text=True)


def test_a_file_no_longer_kept_is_gone_not_an_error(app, client, people, started, export_folder):
    schedule_id = make_schedule(app, people["admin"])
    login(client, app, people["admin"])
    post(client, f"/exports/{schedule_id}/run", {})
    run = execute(app, started[0])
    (export_folder / f"schedule-{schedule_id}" / run.file_name).unlink()
    response = client.get(f"/exports/runs/{run.id}/download")
    assert response.status_code == 404  # gone by hand: not told as retention
    assert "missing from the export folder" in response.get_data(as_text=True)
    with app.app_context():
        db.session.get(ExportRun, run.id).expired_at = utcnow()
        db.session.commit()
    response = client.get(f"/exports/runs/{run.id}/download")
    assert response.status_code == 410
    assert "no longer kept" in response.get_data(as_text=True)
    assert "download" not in client.get(f"/exports/{schedule_id}").get_data(as_text=True).split(
        'id="runs"'
    )[1].split("</section>")[0].replace("Download", "")


def test_disable_and_enable_with_their_audit(app, client, people):
    schedule_id = make_schedule(app, people["manager"])
    login(client, app, people["manager"])
    page = client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert 'data-confirm="Disable this schedule?' in page
    assert post(client, f"/exports/{schedule_id}/enabled", {"enabled": "0"}).status_code == 302
    with app.app_context():
        schedule = db.session.get(ExportSchedule, schedule_id)
        assert (schedule.enabled, schedule.next_run_at) == (False, None)
    assert "Schedule disabled." in client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert post(client, f"/exports/{schedule_id}/enabled", {"enabled": "1"}).status_code == 302
    assert post(client, f"/exports/{schedule_id}/enabled", {"enabled": "x"}).status_code == 400
    with app.app_context():
        schedule = db.session.get(ExportSchedule, schedule_id)
        assert schedule.enabled and schedule.next_run_at > utcnow()
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity_id == schedule_id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["create", "disable", "enable"]
    client = login(app.test_client(), app, people["exec"])  # not owner, admin or recipient
    assert post(client, f"/exports/{schedule_id}/enabled", {"enabled": "0"}).status_code == 404


# The preview and the list page link -------------------------------------------------------


def test_the_preview_reads_a_cron_expression_and_lists_its_next_runs(app, client, people):
    login(client, app, people["manager"])
    answer = client.get(
        "/exports/preview",
        query_string={"frequency": "cron", "cron": "0 9 * * 1", "timezone": "Asia/Tokyo"},
    ).get_json()
    assert answer["ok"] is True and answer["zone"] == "Asia/Tokyo"
    assert answer["reading"].endswith("(Asia/Tokyo)")
    assert len(answer["runs"]) == 5
    for run in answer["runs"]:
        local = datetime.fromisoformat(run["at"]).astimezone(ZoneInfo("Asia/Tokyo"))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        assert run["text"].startswith("Mon")
    firsts = [datetime.fromisoformat(r["at"]) for r in answer["runs"]]
    assert firsts == sorted(firsts) and firsts[0] > datetime.now(UTC)
    refused = client.get(
        "/exports/preview", query_string={"frequency": "cron", "cron": "0 9 * * 8"}
    ).get_json()
    assert refused["ok"] is False and refused["field"] == "cron" and refused["error"]


def test_schedule_this_export_on_a_list_page_keeps_its_filters(app, client, people):
    login(client, app, people["admin"])
    listing = client.get("/escalations/?view=mine&severity=high&status=investigating&q=outage")
    link = re.search(
        r'<a class="btn" href="([^"]+)">Schedule this export</a>', listing.get_data(as_text=True)
    ).group(1)
    link = unescape(link)
    assert urlsplit(link).path == "/exports/new"
    assert parse_qs(urlsplit(link).query)["kind"] == ["escalations"]
    form = client.get(link).get_data(as_text=True)
    assert re.search(
        r'<option selected value="escalations">|<option value="escalations" selected', form
    )
    for name, value in (("view", "mine"), ("severity", "high"), ("status", "investigating")):
        select = re.search(rf'<select [^>]*id="escalations-{name}"[^>]*>(.*?)</select>', form, re.S)
        assert re.search(rf'<option selected value="{value}">', select.group(1)), name
    assert re.search(r'<input [^>]*name="escalations-q" type="text" value="outage"', form)
    data = valid_form(
        **{
            "escalations-view": "mine",
            "escalations-severity": "high",
            "escalations-status": "investigating",
            "escalations-q": "outage",
            "accounts-tier": "strategic",  # another kind's filters are not used
        }
    )
    assert post(client, "/exports/new", data).status_code == 302
    (schedule,) = schedules(app)
    assert schedule.filters == {
        "view": "mine",
        "q": "outage",
        "severity": "high",
        "status": "investigating",
        "sort": "newest",
    }


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("/accounts/?tier=strategic", "accounts"),
        ("/sponsorships/?status=active", "sponsorships"),
        ("/touchpoints/?scope=all&status=completed", "touchpoints"),
    ],
)
def test_every_list_page_links_to_a_prefilled_schedule(app, client, people, page, kind):
    login(client, app, people["manager"])
    html = client.get(page).get_data(as_text=True)
    link = unescape(re.search(r'href="(/exports/new\?[^"]+)"', html).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["kind"] == [kind]
    wanted = dict(parse_qs(urlsplit(page).query))
    assert all(query[name] == value for name, value in wanted.items())
    form = client.get(link).get_data(as_text=True)
    for name, (value,) in wanted.items():
        select = re.search(rf'<select [^>]*id="{kind}-{name}"[^>]*>(.*?)</select>', form, re.S)
        assert re.search(rf'<option selected value="{value}">', select.group(1)), name


def test_a_new_schedule_starts_on_what_each_list_shows_unfiltered(app, client, people):
    login(client, app, people["manager"])
    form = client.get("/exports/new").get_data(as_text=True)
    view = re.search(r'<select [^>]*id="escalations-view"[^>]*>(.*?)</select>', form, re.S)
    # "All open", as the escalation list opens: not "Mine", its first option.
    assert re.search(r'<option selected value="open">', view.group(1))


# A deactivated owner, the list ------------------------------------------------------------


def test_a_deactivated_owners_schedules_stop_and_admins_are_told(app, client, people):
    schedule_id = make_schedule(app, people["manager"], name="Maria's register")
    brief_id = make_schedule(
        app,
        people["admin"],
        name="Emi's brief",
        kind=ExportKind.PORTFOLIO,
        file_format=ExportFormat.PDF,
        executive=people["exec2"],
    )
    with app.test_request_context():
        admin = db.session.get(User, people["admin"])
        follow_ups = user_services.set_active(admin, db.session.get(User, people["manager"]), False)
        user_services.set_active(admin, db.session.get(User, people["exec2"]), False)
        db.session.commit()
        assert any(f.endpoint == "exports.index" for f in follow_ups)
        schedule = db.session.get(ExportSchedule, schedule_id)
        assert (schedule.enabled, schedule.stopped_reason, schedule.next_run_at) == (
            False,
            "owner_deactivated",
            None,
        )
        told = db.session.scalars(
            sa.select(Notification).where(Notification.user_id == people["admin"])
        ).all()
        assert any("Maria's register" in n.subject for n in told)
        brief = db.session.get(ExportSchedule, brief_id)
        assert (brief.enabled, brief.stopped_reason) == (False, "executive_deactivated")
    login(client, app, people["admin"])
    page = client.get(f"/exports/?owner={people['manager']}").get_data(as_text=True)
    assert "Maria&#39;s register" in page and "Stopped" in page


def test_the_list_takes_the_same_queries_for_3_or_10_schedules(app, client, people, started):
    def fill(count):
        for n in range(count):
            schedule_id = make_schedule(app, people["manager"], name=f"Schedule {n:02d}")
            with app.test_request_context():
                schedule = db.session.get(ExportSchedule, schedule_id)
                runner.start(schedule, trigger=RunTrigger.SCHEDULED, due_at=utcnow())
                db.session.commit()

    login(client, app, people["manager"])
    fill(3)
    few = client.get("/exports/")
    fill(7)
    many = client.get("/exports/")
    assert few.get_data(as_text=True).count("Schedule 0") == 3
    assert many.get_data(as_text=True).count("Schedule 0") == 10
    assert few.headers["X-SQL-Queries"] == many.headers["X-SQL-Queries"]
    assert int(many.headers["X-SQL-Queries"]) <= 8
    runs_few = client.get("/exports/runs").headers["X-SQL-Queries"]
    fill(2)
    assert client.get("/exports/runs").headers["X-SQL-Queries"] == runs_few


def test_the_list_searches_by_name_and_says_when_it_is_empty(app, client, people):
    login(client, app, people["manager"])
    empty = client.get("/exports/").get_data(as_text=True)
    assert "No export schedules yet." in empty and 'href="/exports/new"' in empty
    make_schedule(app, people["manager"], name="Weekly register")
    make_schedule(app, people["manager"], name="Monthly book")
    found = client.get("/exports/?q=weekly").get_data(as_text=True)
    assert "Weekly register" in found and "Monthly book" not in found
    assert "No schedule is named like that." in client.get("/exports/?q=zzz").get_data(as_text=True)


def test_a_new_schedule_starts_weekly_in_the_users_zone_with_its_preview(app, client, people):
    with app.app_context():
        db.session.get(User, people["manager"]).timezone = "America/New_York"
        db.session.commit()
    login(client, app, people["manager"])
    page = client.get("/exports/new").get_data(as_text=True)
    zone = re.search(r'<select [^>]*id="timezone"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert '<option selected value="America/New_York">' in zone
    assert "Every Monday at 07:00 (America/New_York)" in page
    assert len(re.findall(r"<li><time datetime=", page)) == 5


def test_run_now_is_refused_when_the_owner_may_no_longer_run_it(app, client, people, started):
    schedule_id = make_schedule(app, people["manager"])
    with app.app_context():
        manager = db.session.get(User, people["manager"])
        manager.set_roles(["csm"])
        db.session.commit()
    login(client, app, people["admin"])
    post(client, f"/exports/{schedule_id}/run", {})
    assert started == []
    page = client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert "Not started: Its owner may no longer own export schedules." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportRun)) == 0


def test_a_japanese_excel_file_says_its_charset_and_its_replacements_show(
    app, client, people, make_account, make_escalation, started
):
    account = make_account(name="株式会社髙島屋")
    make_escalation(account, title="請求書 😀 \u202e", severity=Severity.HIGH)
    schedule_id = make_schedule(
        app, people["admin"], encoding=CsvEncoding.CP932, filters={"view": "all"}
    )
    login(client, app, people["admin"])
    post(client, f"/exports/{schedule_id}/run", {})
    run = execute(app, started[0])
    assert run.status is RunStatus.SUCCEEDED, run.error

    download = client.get(f"/exports/runs/{run.id}/download")
    assert download.headers["Content-Type"] == "text/csv; charset=windows-31j"
    assert "株式会社髙島屋" in download.get_data().decode("cp932")
    # What the page's script writes into the run's row when it finishes: an invisible
    # character by its code point, so it cannot turn the text around it.
    progress = client.get(f"/exports/runs/{run.id}/progress").get_json()
    assert progress["replaced"] == "U+202E ×1, 😀 ×1"
    page = client.get(f"/exports/{schedule_id}").get_data(as_text=True)
    assert "U+202E ×1, 😀 ×1" in page and "\u202e" not in page.split('id="runs"')[1]
