"""Application factory."""

import logging
from functools import partial
from pathlib import Path

import pytz
import sqlalchemy as sa
from flask import Flask, g, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app import inputs, security
from app.extensions import babel, csrf, db, login_manager, migrate
from config import Config, ProductionConfig


def create_app(config: type[Config] = Config, **overrides) -> Flask:
    """Build the app. No side effects: no tables created, no threads started."""
    if config is ProductionConfig:
        config.check()
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config)
    app.config.update(overrides)
    inputs.register(app)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    connect_subscriptions()
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    security.register(app)
    return app


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )


def select_locale() -> str | None:
    if not has_request_context():  # CLI and scheduler: the default, unless forced per user
        return None
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    from flask import current_app

    return request.accept_languages.best_match(current_app.config["LANGUAGES"])


def select_timezone() -> str | None:
    """The signed-in user's own zone; None (the app's BABEL_DEFAULT_TIMEZONE) otherwise."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.timezone:
        # Checked on save; a zone the tz database has since dropped falls back to the default.
        return current_user.timezone if current_user.timezone in pytz.all_timezones_set else None
    return None


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    # Import models so that every table is known to the metadata (migrations, relationships).
    from app.accounts import models as _accounts  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.auth import models as _auth  # noqa: F401
    from app.auth.services import load_user
    from app.escalations import models as _escalations  # noqa: F401
    from app.exports import models as _exports  # noqa: F401
    from app.knowledge import models as _knowledge  # noqa: F401
    from app.notifications import models as _notifications  # noqa: F401
    from app.reports import models as _reports  # noqa: F401
    from app.scheduler import models as _scheduler  # noqa: F401
    from app.sponsorship import models as _sponsorship  # noqa: F401
    from app.touchpoints import models as _touchpoints  # noqa: F401

    login_manager.user_loader(load_user)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # SQLite enforces foreign keys (and ON DELETE CASCADE) only when asked, per connection.
            sa.event.listen(db.engine, "connect", _sqlite_foreign_keys)
        elif db.engine.dialect.name == "postgresql" and app.config["POSTGRES_SETTINGS"]:
            settings = dict(app.config["POSTGRES_SETTINGS"])
            sa.event.listen(db.engine, "connect", partial(_postgres_settings, settings))
    if app.config.get("SQL_QUERY_HEADER"):
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", _count_query)

        @app.after_request
        def add_query_count(response):
            response.headers["X-SQL-Queries"] = str(g.get("sql_queries", 0))
            return response


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers and a writer at once: an export streaming rows does not block the progress it
    # writes, nor the pages read meanwhile (the mode is kept in the database file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _postgres_settings(settings: dict, dbapi_connection, _record) -> None:
    """The session settings of config.POSTGRES_SETTINGS, for the connection's lifetime."""
    with dbapi_connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
    dbapi_connection.commit()


def _count_query(*_args, **_kwargs) -> None:
    if has_request_context():
        g.sql_queries = g.get("sql_queries", 0) + 1


def register_blueprints(app: Flask) -> None:
    from app.accounts import bp as accounts_bp
    from app.auth import bp as auth_bp
    from app.escalations import bp as escalations_bp
    from app.escalations.admin_views import admin_bp as escalation_admin_bp
    from app.escalations.survey_views import survey_bp
    from app.exports import bp as exports_bp
    from app.knowledge import bp as knowledge_bp
    from app.main import bp as main_bp
    from app.notifications import bp as notifications_bp
    from app.reports import bp as reports_bp
    from app.scheduler import bp as scheduler_bp
    from app.sponsorship import bp as sponsorship_bp
    from app.touchpoints import bp as touchpoints_bp
    from app.touchpoints import review_bp
    from app.touchpoints.calendar_views import feed_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(escalations_bp)
    app.register_blueprint(escalation_admin_bp)
    app.register_blueprint(sponsorship_bp)
    app.register_blueprint(touchpoints_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(feed_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(knowledge_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(scheduler_bp)  # /admin/jobs: the scheduler's runs


def connect_subscriptions() -> None:
    """How the domains react to each other's signals: all listed in app/subscriptions.py."""
    from app.subscriptions import connect_all

    connect_all()


def register_errorhandlers(app: Flask) -> None:
    def render_error(code: int, title: str, message: str):
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=message), code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(_error):
        security.log_refusal("forbidden")
        return render_error(403, _("Not allowed"), _("You do not have permission to do that."))

    @app.errorhandler(404)
    def not_found(_error):
        return render_error(404, _("Not found"), _("That page or record does not exist."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return render_error(405, _("Not available"), _("That action is not available here."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        security.log_refusal("csrf", error.description)
        return render_error(
            400,
            _("Form expired"),
            _("The form expired or was sent from elsewhere. Please try again."),
        )

    @app.errorhandler(413)
    def too_large(_error):
        return render_error(413, _("File too large"), _("The uploaded file is too large."))

    @app.errorhandler(StaleDataError)
    @app.errorhandler(sa.exc.IntegrityError)
    def saved_meanwhile(error):
        # Two saves raced past the form's version check (StaleDataError), or two first saves
        # of a one-per-record row (a post-mortem, a survey) met a unique key: the database
        # kept the first, refused the second.
        db.session.rollback()
        app.logger.warning("a save lost a race: %s", type(error).__name__)
        return render_error(
            409,
            _("Changed by someone else"),
            _(
                "Someone else saved this record at the same moment. Nothing of yours was saved: "
                "open it again to see the current version."
            ),
        )

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return render_error(
            500, _("Something went wrong"), _("The error was logged. Please try again.")
        )


def register_template_helpers(app: Flask) -> None:
    from app import formatting
    from app.audit.readable import history_rows

    formatting.register(app)
    app.jinja_env.globals["audit_history_rows"] = history_rows

    @app.context_processor
    def notification_count():
        return {"unread_notifications": unread_notifications}


def unread_notifications() -> int:
    """The header's unread count: read with the signed-in user (app/auth/services.py), else
    queried when a template first calls it; once per request either way."""
    if not current_user.is_authenticated:
        return 0
    from app.notifications import services

    try:
        return services.request_unread_count(current_user)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()  # the error page still renders while the database is down
        services.remember_unread_count(0)
        return 0


def register_commands(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.demo import seed_demo_command
    from app.exports.cli import exports_cli
    from app.scheduler.cli import scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(exports_cli)
    app.cli.add_command(seed_demo_command)  # demo data, above every domain (app/demo/)
