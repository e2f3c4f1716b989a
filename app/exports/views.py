"""Export schedule pages: the schedules one may see, creating and changing a schedule (with a
preview of its next runs), the schedule with its runs, Run now, enable and disable, the
history of every run, downloads and the progress of a run in progress."""

import unicodedata
from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime, format_decimal, get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Account
from app.audit import services as audit
from app.auth.models import Role, User
from app.auth.permissions import require
from app.exports import bp, kinds, rights, runner, services, timing
from app.exports.forms import ScheduleForm, schedule_form
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
from app.exports.timing import ScheduleError
from app.extensions import db
from app.formatting import label
from app.forms import ConfirmForm, halfwidth
from app.inputs import as_id, page_number
from app.models import DomainError, utcnow
from app.versioning import conflict_page

FORM_TEMPLATE = "exports/form.html"
NEXT_RUNS = 5


@bp.app_template_global()
def may_schedule_exports() -> bool:
    """Whether the signed-in user owns schedules: the nav link and "Schedule this export"."""
    return current_user.is_authenticated and rights.can_own_schedules(current_user)


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """A file's size as people read it: 820 bytes, 14.2 KB, 3.1 MB."""
    if size is None:
        return "—"
    if size < 1024:
        return _("%(n)s bytes", n=format_decimal(size))
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{format_decimal(round(size, 1))} {unit}"
    return ""


@bp.app_template_filter("shown_char")
def shown_char(char: str) -> str:
    """A replaced character as the run's record shows it: itself, or its code point when it is
    invisible or would change the text around it (a direction override, a combining mark)."""
    if len(char) == 1 and unicodedata.category(char)[0] in "CZM":
        return f"U+{ord(char):04X}"
    return char


@bp.app_template_global()
def replaced_text(run: ExportRun) -> str:
    """The characters the encoding could not hold, with their counts: "😀 ×2, U+202E ×1"."""
    items = sorted((run.replaced or {}).items())
    return ", ".join(f"{shown_char(char)} ×{count}" for char, count in items)


def _visible(schedule_id: int) -> ExportSchedule:
    """The schedule, if the user may see it: 404 otherwise (its existence is not told)."""
    schedule = services.load_schedule(schedule_id)
    if schedule is None or not rights.can_see(current_user, schedule):
        abort(404)
    return schedule


def _visible_run(run_id: int) -> ExportRun:
    run = services.load_run(run_id)
    if run is None or not rights.can_see(current_user, run.schedule):
        abort(404)
    return run


def _user_zone() -> str:
    zone = get_timezone()
    return getattr(zone, "key", None) or getattr(zone, "zone", None) or str(zone)


def run_time_text(moment: datetime, zone: str) -> str:
    """A run time as people read it, in the schedule's zone: "Mon, Jan 5, 2026 09:00"."""
    tz, locale = ZoneInfo(zone), get_locale()
    day = format_skeleton("yMMMEd", moment, tzinfo=tz, locale=locale)
    return f"{day} {format_skeleton('Hm', moment, tzinfo=tz, locale=locale)}"


# The list -------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    owner_id = as_id(request.args.get("owner"))
    owner = db.session.get(User, owner_id) if owner_id else None
    page, last_runs = services.schedule_list(
        current_user, page_number(request.args), q, owner.id if owner else None
    )
    args = {"q": q or None, "owner": owner.id if owner else None}
    return render_template(
        "exports/list.html",
        page=page,
        last_runs=last_runs,
        q=q,
        owner=owner,
        args=args,
        describe=timing.describe,
        may_own=rights.can_own_schedules(current_user),
        stopped_reasons=services.STOPPED_REASONS,
    )


# Creating and changing ------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(rights.can_own_schedules(current_user))
    form = _form(current_user)
    if request.method == "GET":
        _prefill(form, request.args)
    elif form.validate_on_submit():
        try:
            schedule = services.create_schedule(current_user, _values(form))
        except DomainError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Export schedule saved."), "success")
            return redirect(url_for("exports.show", schedule_id=schedule.id))
    return _form_page(form, None)


@bp.route("/<int:schedule_id>/edit", methods=["GET", "POST"])
@login_required
def edit(schedule_id: int):
    schedule = _visible(schedule_id)
    require(rights.can_manage(current_user, schedule))
    form = _form(schedule.owner, keep=schedule.recipients)
    if request.method == "GET":
        _fill_from(form, schedule)
    elif form.validate_on_submit():
        if form.is_stale(schedule):
            return conflict_page(FORM_TEMPLATE, form, schedule, **_form_context(form, schedule))
        try:
            changes = services.update_schedule(current_user, schedule, _values(form))
        except DomainError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Export schedule saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("exports.show", schedule_id=schedule.id))
    return _form_page(form, schedule)


def _form(owner: User, keep=()) -> ScheduleForm:
    """The form with the pick-lists for this owner (whose data the export holds)."""
    form = schedule_form(owner)
    form.executive_id.choices = [("", "—")] + services.executive_choices(owner)
    form.recipient_ids.choices = services.recipient_choices(list(keep))
    form.show_limits(current_app.config["EXPORT_ATTACH_MAX_BYTES"])
    if request.method == "GET":
        form.timezone.data = _user_zone()
        if owner.has_role(Role.EXECUTIVE) and not owner.is_admin:
            form.executive_id.data = str(owner.id)  # their own brief is the only choice
    return form


def _prefill(form: ScheduleForm, args) -> None:
    """A new schedule from a list page's "Schedule this export": its kind and filters."""
    kind_value = args.get("kind") or ""
    if kind_value not in {k.value for k in ExportKind}:
        form.kind.data = ExportKind.ESCALATIONS.value
        return
    kind = ExportKind(kind_value)
    form.kind.data = kind.value
    definition = kinds.KINDS[kind]
    form.file_format.data = definition.formats[0].value
    form.name.data = str(definition.title)
    form.fill_filters(kind, definition.clean_filters(args))


def _fill_from(form: ScheduleForm, schedule: ExportSchedule) -> None:
    """An edit form's fields from the saved schedule."""
    form.version.data = schedule.version
    form.name.data = schedule.name
    form.kind.data = schedule.kind.value
    form.file_format.data = schedule.file_format.value
    form.encoding.data = schedule.encoding.value
    form.executive_id.data = str(schedule.executive_id or "")
    form.frequency.data = schedule.frequency.value
    form.weekday.data = "" if schedule.weekday is None else str(schedule.weekday)
    form.month_day.data = schedule.month_day
    form.cron.data = schedule.cron or ""
    form.run_time.data = schedule.run_time
    form.timezone.data = schedule.timezone
    form.recipient_ids.data = [str(u.id) for u in schedule.recipients]
    form.keep_files.data = schedule.keep_files
    form.enabled.data = schedule.enabled
    form.fill_filters(schedule.kind, schedule.filters or {})


def _values(form: ScheduleForm) -> dict:
    """What create_schedule/update_schedule take from a validated form."""
    kind = ExportKind(form.kind.data)
    executive_id = as_id(form.executive_id.data)
    return dict(
        name=form.name.data or "",
        kind=kind,
        file_format=ExportFormat(form.file_format.data),
        encoding=CsvEncoding(form.encoding.data),
        filters=form.filters_of(kind),
        executive=db.session.get(User, executive_id) if executive_id else None,
        frequency=Frequency(form.frequency.data),
        weekday=int(form.weekday.data) if form.weekday.data else None,
        month_day=form.month_day.data,
        cron=form.cron.data or "",
        run_time=form.run_time.data,
        timezone=form.timezone.data,
        recipients=services.users_by_ids([int(i) for i in form.recipient_ids.data or []]),
        keep_files=form.keep_files.data,
        enabled=bool(form.enabled.data),
    )


def _show_error(form: ScheduleForm, error: DomainError) -> None:
    """A refusal next to the field it is about (ScheduleError.field), else above the form."""
    name = getattr(error, "field", None)
    field = form._fields.get(name) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _form_page(form: ScheduleForm, schedule: ExportSchedule | None):
    failed = request.method == "POST" and (
        form.form_errors or any(f.errors for f in form._fields.values())
    )
    page = render_template(FORM_TEMPLATE, form=form, **_form_context(form, schedule))
    return page, 422 if failed else 200


def _form_context(form: ScheduleForm, schedule: ExportSchedule | None) -> dict:
    return dict(
        schedule=schedule,
        scope_note=kinds.scope(schedule.owner if schedule else current_user).note,
        preview=_form_preview(form),
        hidden_filters=_hidden_filters(form),
        kind_formats={
            kind.value: [f.value for f in definition.formats]
            for kind, definition in kinds.KINDS.items()
        },
    )


def _form_preview(form: ScheduleForm) -> dict:
    """The reading and next runs of what the form holds now (shown without script)."""
    values = _timing_values(
        frequency=form.frequency.data,
        weekday=form.weekday.data,
        month_day=form.month_day.data,
        cron=form.cron.data,
        run_time=form.run_time.data,
        timezone=form.timezone.data,
    )
    return _preview(values)


def _hidden_filters(form: ScheduleForm) -> dict[str, str]:
    """What a hidden filter (an account's escalations) reads as: the account's name."""
    shown = {}
    for _kind, fields in form.filter_groups:
        for name, f in fields:
            value = form[name].data
            if f.hidden and value:
                shown[name] = _account_name(value)
    return shown


def _account_name(value) -> str:
    """A hidden account filter as people read it: the account's name, else the value as is."""
    account_id = as_id(value)
    account = db.session.get(Account, account_id) if account_id else None
    return account.name if account else str(value)


# The preview ----------------------------------------------------------------------------------


def _timing_values(*, frequency, weekday, month_day, cron, run_time, timezone) -> dict:
    """Timing values as typed (strings or parsed form data) -> what services.preview reads;
    a value that cannot be read is left None and reported by the check."""
    if isinstance(month_day, str):
        text = halfwidth(month_day)
        month_day = int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None
    if isinstance(run_time, str):
        run_time = _parse_time(halfwidth(run_time))
    weekday = str(weekday or "")
    return dict(
        frequency=Frequency(frequency) if frequency in {f.value for f in Frequency} else None,
        weekday=int(weekday) if weekday in {str(d) for d in range(7)} else None,
        month_day=month_day,
        cron=halfwidth(cron or "")[:120],
        run_time=run_time,
        timezone=timezone or "",
    )


def _parse_time(text: str) -> time | None:
    try:
        return datetime.strptime(text, "%H:%M").time()
    except ValueError:
        return None


def _preview(values: dict) -> dict:
    """{ok, reading, runs, zone} or {ok: False, field, error}."""
    if values["frequency"] is None:
        return {"ok": False, "field": "frequency", "error": _("Choose how often it runs.")}
    try:
        reading, runs = services.preview(values, utcnow(), NEXT_RUNS)
    except ScheduleError as error:
        return {"ok": False, "field": error.field, "error": str(error)}
    zone = values["timezone"]
    return {
        "ok": True,
        "reading": reading,
        "zone": zone,
        "runs": [{"at": r.isoformat(), "text": run_time_text(r, zone)} for r in runs],
    }


@bp.get("/preview")
@login_required
def preview():
    """The reading and next five runs of the form's timing, for exports.js (JSON)."""
    require(rights.can_own_schedules(current_user))
    args = request.args
    values = _timing_values(
        frequency=args.get("frequency"),
        weekday=args.get("weekday"),
        month_day=args.get("month_day"),
        cron=args.get("cron"),
        run_time=args.get("run_time"),
        timezone=args.get("timezone"),
    )
    return jsonify(_preview(values))


# The schedule and its runs --------------------------------------------------------------------


@bp.get("/<int:schedule_id>")
@login_required
def show(schedule_id: int):
    schedule = _visible(schedule_id)
    now = utcnow()
    runs = services.run_list(current_user, page_number(request.args), schedule=schedule)
    next_runs = timing.next_runs(schedule, now, NEXT_RUNS) if schedule.enabled else []
    return render_template(
        "exports/show.html",
        schedule=schedule,
        runs=runs,
        reading=timing.describe(schedule),
        next_runs=[run_time_text(r, schedule.timezone) for r in next_runs],
        can_manage=rights.can_manage(current_user, schedule),
        confirm=ConfirmForm(),
        history=audit.history_for(services.ENTITY, schedule.id),
        downloadable=services.downloadable,
        error_text=runner.error_text,
        list_url=kinds.list_url(schedule.kind, schedule.filters or {}),
        filters=_filter_labels(schedule),
        scope_note=kinds.scope(schedule.owner).note,
        stopped_reasons=services.STOPPED_REASONS,
    )


def _filter_labels(schedule: ExportSchedule) -> list[tuple[str, str]]:
    """The schedule's filters as the list page names them: (label, chosen option)."""
    definition = kinds.KINDS[schedule.kind]
    saved = schedule.filters or {}
    shown = []
    for f in definition.filter_fields:
        value = saved.get(f.name)
        if value in (None, ""):
            continue
        text = str(value)
        if f.hidden and f.name == "account_id":
            text = _account_name(value)
        elif f.choices is not None:
            text = str(dict(f.choices(schedule.owner)).get(str(value), value))
        shown.append((str(f.label), text))
    return shown


@bp.post("/<int:schedule_id>/run")
@login_required
def run_now(schedule_id: int):
    schedule = _visible(schedule_id)
    require(rights.can_manage(current_user, schedule))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reason = runner.stop_reason(schedule)
    if reason is not None:  # its owner (or the brief's executive) may no longer run it
        flash(_("Not started: %(reason)s", reason=services.STOPPED_REASONS[reason]), "error")
        return redirect(url_for("exports.show", schedule_id=schedule.id))
    if services.running_run(schedule) is not None:
        flash(_("An export of this schedule is already running."), "error")
        return redirect(url_for("exports.show", schedule_id=schedule.id) + "#runs")
    try:
        run = runner.start(schedule, trigger=RunTrigger.MANUAL, actor=current_user)
        db.session.commit()
    except IntegrityError:  # another click (or the command line) started one just now
        db.session.rollback()
        flash(_("An export of this schedule is already running."), "error")
        return redirect(url_for("exports.show", schedule_id=schedule_id) + "#runs")
    runner.run_in_background(run.id)
    flash(_("Export started."), "success")
    return redirect(url_for("exports.show", schedule_id=schedule.id) + "#runs")


@bp.post("/<int:schedule_id>/enabled")
@login_required
def set_enabled(schedule_id: int):
    schedule = _visible(schedule_id)
    require(rights.can_manage(current_user, schedule))
    wanted = request.form.get("enabled")
    if wanted not in ("0", "1") or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changed = services.set_enabled(current_user, schedule, wanted == "1", utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        if changed:
            flash(_("Schedule enabled.") if wanted == "1" else _("Schedule disabled."), "success")
    return redirect(url_for("exports.show", schedule_id=schedule.id))


@bp.get("/runs")
@login_required
def runs():
    status_value = request.args.get("status") or ""
    status = next((s for s in RunStatus if s.value == status_value), None)
    page = services.run_list(current_user, page_number(request.args), status=status)
    return render_template(
        "exports/runs.html",
        runs=page,
        status=status.value if status else "",
        statuses=list(RunStatus),
        downloadable=services.downloadable,
        error_text=runner.error_text,
    )


@bp.get("/runs/<int:run_id>/download")
@login_required
def download(run_id: int):
    run = _visible_run(run_id)
    if run.status is not RunStatus.SUCCEEDED:
        return _no_file(404, _("This run has no file: it did not succeed."))
    path = services.run_file(run)
    if run.expired_at is not None:
        return _no_file(
            410,
            ngettext(
                "This file is no longer kept: only the last file of a schedule is kept. Run "
                "the export again for a new one.",
                "This file is no longer kept: only the last %(num)d files of a schedule are "
                "kept. Run the export again for a new one.",
                run.schedule.keep_files,
            ),
        )
    if path is None or not path.is_file():
        return _no_file(
            404,
            _(
                "The file is missing from the export folder on this server. Ask an admin to "
                "check the export folder; running the export again makes a new one."
            ),
        )
    if request.method != "HEAD":  # a HEAD request gets no file: nothing was downloaded
        services.record_download(current_user, run)
        db.session.commit()
    response = send_file(path, as_attachment=True, download_name=run.file_name, max_age=0)
    # Set whole: send_file would add "charset=utf-8" to a text type, cp932 files included.
    response.headers["Content-Type"] = runner.content_type(run.schedule)
    return response


def _no_file(code: int, message: str):
    title = _("File not available")
    return render_template("error.html", code=code, title=title, message=message), code


@bp.get("/runs/<int:run_id>/progress")
@login_required
def progress(run_id: int):
    """A run's progress for exports.js: status, rows so far, whether it is done, its file."""
    run = _visible_run(run_id)
    finished = run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
    download_url = None
    if services.downloadable(run):
        download_url = url_for("exports.download", run_id=run.id)
    return jsonify(
        status=run.status.value,
        status_label=label(run.status),
        rows=run.rows,
        pages=run.pages,
        pages_text=ngettext("%(num)d page", "%(num)d pages", run.pages)
        if run.pages is not None
        else None,
        finished=finished,
        finished_text=format_datetime(run.finished_at, "short") if run.finished_at else None,
        download_url=download_url,
        file_name=run.file_name if download_url else None,
        size_text=file_size(run.file_size) if run.file_size is not None else None,
        sha256=run.sha256,
        error=runner.error_text(run) or None,
        replaced=replaced_text(run) or None,
    )
