"""The reports page, its figures as CSV, and Refresh now (admins)."""

import threading
from collections import OrderedDict

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth.models import Role, User
from app.auth.permissions import roles_required
from app.auth.services import active_users
from app.extensions import db
from app.formatting import local_today
from app.models import utcnow
from app.reports import bp, figures, queries, services
from app.reports.forms import RefreshForm, ReportFilterForm
from app.reports.timing import REPEAT_COUNT, REPEAT_DAYS

OWNER_ROLES = (Role.ADMIN, Role.MANAGER, Role.CSM, Role.AE)
# The figures' HTML (charts and tables) per report, language, zone and query: drawing them is
# most of the page's time, and they change only when the rollups are refreshed.
RENDERED_SIZE = 128
_rendered: OrderedDict[tuple, Markup] = OrderedDict()
_rendered_lock = threading.Lock()


def _figures_html(report, args: dict) -> Markup:
    key = (
        queries.cache_key(report.filters, report.as_of),
        str(get_locale()),
        str(get_timezone()),
        tuple(sorted(args.items())),
    )
    with _rendered_lock:
        if report.as_of is not None and key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    html = Markup(
        render_template(
            "reports/_figures.html",
            report=report,
            figures=figures,
            args=args,
            repeat_count=REPEAT_COUNT,
            repeat_days=REPEAT_DAYS,
        )
    )
    if report.as_of is not None:  # not computed yet: nothing to keep
        with _rendered_lock:
            _rendered[key] = html
            while len(_rendered) > RENDERED_SIZE:
                _rendered.popitem(last=False)
    return html


def _filter_form() -> ReportFilterForm:
    owners = active_users(*OWNER_ROLES, columns=(User.id, User.name))
    return ReportFilterForm(request.args, owners, local_today())


@bp.get("/")
@login_required
def index():
    form = _filter_form()
    report = figures_html = None
    args = {k: v for k, v in request.args.items() if k in ("start", "end", "tier", "owner")}
    if form.validate():
        report = queries.build(form.filters())
        form.start.data, form.end.data = report.filters.start, report.filters.end  # shown
        figures_html = _figures_html(report, args)
    return render_template(
        "reports/index.html",
        form=form,
        report=report,
        figures_html=figures_html,
        refresh_form=RefreshForm() if current_user.is_admin else None,
        args=args,
    )


@bp.get("/<name>.csv")
@login_required
def figure_csv(name: str):
    figure = figures.FIGURES.get(name)
    if figure is None:
        abort(404)
    form = _filter_form()
    if not form.validate():
        abort(400)
    filters = form.filters()
    report = queries.build(filters)
    filename = f"{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        figures.csv_text(figure, report),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/refresh")
@roles_required()
def refresh():
    if RefreshForm().validate_on_submit():
        services.refresh_now(current_user, utcnow())
        db.session.commit()
        flash(_("The report figures are up to date."), "success")
    return redirect(url_for("reports.index", **request.args))
