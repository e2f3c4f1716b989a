"""Settings: one page listing every admin page, a line each, for everyone who may read them
(everyone signed in reads them; only admins change them). A few pages only admins read
(ADMIN_ONLY_PAGES) are listed for admins only."""

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from app.auth import bp
from app.i18n import lazy_gettext as _l

# (endpoint, title, what it is for): the Settings menu and this page, in the same order.
SETTINGS_PAGES = (
    ("auth.list_users", _l("Users"), _l("Who signs in, their roles and language.")),
    (
        "escalation_admin.sla_policies",
        _l("SLA policies"),
        _l("Response and resolution targets by severity, and the calendar they count in."),
    ),
    (
        "escalation_admin.calendars_list",
        _l("Business calendars"),
        _l("Working hours, public holidays and closures the SLA clocks follow."),
    ),
    (
        "escalation_admin.health_cadence",
        _l("Health update cadence"),
        _l("How often an open escalation's health is checked."),
    ),
    (
        "escalation_admin.reply_templates",
        _l("Reply templates"),
        _l("Ready-made customer updates in each language."),
    ),
    (
        "sponsorship.program_settings",
        _l("Program settings"),
        _l("Why the sponsorship program exists, sponsor duties, terms and touchpoint cadences."),
    ),
    (
        "sponsorship.program_settings#criteria",
        _l("Entry and exit criteria"),
        _l("The rules that put an account into the program and take it out."),
    ),
)

# Pages only admins read, listed to them after the others (endpoints of the domains above).
ADMIN_ONLY_PAGES = (
    (
        "scheduler.jobs",
        _l("Scheduled jobs"),
        _l("The background jobs, their runs and the errors of those that failed."),
    ),
)


# (language, admin or not, the app's root path) -> the pages: fixed texts and addresses, so
# the top bar's menu, on every page, is built once per language rather than once per request.
_PAGES_CACHE: dict[tuple, list[tuple[str, str, str]]] = {}


def settings_pages() -> list[tuple[str, str, str]]:
    """(url, title, description) of every settings page the signed-in user may read."""
    admin = bool(getattr(current_user, "is_admin", False))
    key = (get_locale(), admin, request.script_root)
    pages = _PAGES_CACHE.get(key)
    if pages is None:
        pages = []
        for target, title, text in SETTINGS_PAGES + (ADMIN_ONLY_PAGES if admin else ()):
            endpoint, _, anchor = target.partition("#")
            pages.append((url_for(endpoint, _anchor=anchor or None), str(title), str(text)))
        if len(_PAGES_CACHE) < 100:
            _PAGES_CACHE[key] = pages
    return list(pages)


@bp.get("/admin")
@login_required
def settings():
    return render_template("auth/settings.html", pages=settings_pages())


bp.add_app_template_global(settings_pages)  # the Settings menu in the top bar
