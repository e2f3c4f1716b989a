"""Configuration classes; the environment picks one (see create_app and wsgi.py)."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Accept the plain scheme people paste from their hosting provider.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{BASE_DIR / 'instance' / 'crm.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Set on each PostgreSQL connection. A CRM page runs short indexed queries: a parallel
    # plan's workers took 10-25 ms to start on the bench book (more than the query's own
    # work), and JIT compiles plans for the big aggregates the pages no longer run live.
    POSTGRES_SETTINGS = {
        "jit": os.environ.get("PG_JIT", "off"),
        "max_parallel_workers_per_gather": str(_env_int("PG_PARALLEL_WORKERS", 0)),
    }
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("APP_TIMEZONE", "Asia/Tokyo")  # display and input
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = ("en", "ja")
    ACCOUNTS_PER_PAGE = 25
    # How long a process reuses the account list chart's counts for the same filters (the
    # chart says when they were counted); 0 counts on every page.
    ACCOUNT_CHART_SECONDS = _env_int("ACCOUNT_CHART_SECONDS", 60)
    LOGIN_MAX_FAILURES = 10  # per (e-mail, address) pair within LOGIN_LOCK_MINUTES
    LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
    LOGIN_LOCK_MINUTES = 15
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # When true, each response carries X-SQL-Queries (used by `make bench`).
    SQL_QUERY_HEADER = os.environ.get("SQL_QUERY_HEADER") == "1"
    # Outgoing e-mail: the scheduler's outbox job sends through this SMTP server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")  # STARTTLS after connecting
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "crm@localhost")
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 6)
    # Links in e-mails point here (there is no request to take the host from).
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")
    # The customer's survey pages and e-mail: the company's name, and how many requests one
    # address may make per window (0 = no limit; counted per worker process).
    COMPANY_NAME = os.environ.get("COMPANY_NAME", "")
    SURVEY_RATE_LIMIT = _env_int("SURVEY_RATE_LIMIT", 30)
    SURVEY_RATE_WINDOW_SECONDS = _env_int("SURVEY_RATE_WINDOW_SECONDS", 600)
    # `flask scheduler run`: seconds between runs of each job.
    SCHEDULER_SLA_SWEEP_SECONDS = _env_int("SCHEDULER_SLA_SWEEP_SECONDS", 60)
    SCHEDULER_OUTBOX_SECONDS = _env_int("SCHEDULER_OUTBOX_SECONDS", 15)
    SCHEDULER_HANDOFF_SECONDS = _env_int("SCHEDULER_HANDOFF_SECONDS", 60)
    SCHEDULER_ELIGIBILITY_SECONDS = _env_int("SCHEDULER_ELIGIBILITY_SECONDS", 24 * 3600)
    # Touchpoints: the cadence makes the next 90 days' planned touchpoints (daily); reminders
    # 3 days and 1 day ahead, and of overdue next steps.
    SCHEDULER_CADENCE_SECONDS = _env_int("SCHEDULER_CADENCE_SECONDS", 24 * 3600)
    SCHEDULER_REMINDER_SECONDS = _env_int("SCHEDULER_REMINDER_SECONDS", 15 * 60)
    # After resolutions: reminders of follow-up check-ins that fell due and of overdue
    # post-mortem action items (each reminded once).
    SCHEDULER_AFTERCARE_SECONDS = _env_int("SCHEDULER_AFTERCARE_SECONDS", 15 * 60)
    # The reports page's figures: recounted for the escalations changed since the last run.
    SCHEDULER_REPORTS_SECONDS = _env_int("SCHEDULER_REPORTS_SECONDS", 300)
    # SQLite's planner statistics (ANALYZE), refreshed daily; nothing on PostgreSQL.
    SCHEDULER_STATISTICS_SECONDS = _env_int("SCHEDULER_STATISTICS_SECONDS", 24 * 3600)
    # --- analytics: the sponsorship program results page's figures are recomputed this often.
    SCHEDULER_PROGRAM_RESULTS_SECONDS = _env_int("SCHEDULER_PROGRAM_RESULTS_SECONDS", 15 * 60)
    # --- end analytics ---
    # Scheduled exports: the job looks for due schedules and retries this often; files go to
    # EXPORT_FOLDER (one folder per schedule); a file up to EXPORT_ATTACH_MAX_BYTES is attached
    # to the e-mail, a larger one is linked. A failed run is tried EXPORT_MAX_ATTEMPTS times in
    # all, waiting EXPORT_RETRY_SECONDS, then twice that, and so on. A run whose process stopped
    # saying it is alive for EXPORT_STALE_SECONDS is marked failed.
    SCHEDULER_EXPORTS_SECONDS = _env_int("SCHEDULER_EXPORTS_SECONDS", 60)
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER", str(BASE_DIR / "instance" / "exports"))
    EXPORT_ATTACH_MAX_BYTES = _env_int("EXPORT_ATTACH_MAX_BYTES", 5 * 1024 * 1024)
    EXPORT_MAX_ATTEMPTS = _env_int("EXPORT_MAX_ATTEMPTS", 3)
    EXPORT_RETRY_SECONDS = _env_int("EXPORT_RETRY_SECONDS", 300)
    EXPORT_STALE_SECONDS = _env_int("EXPORT_STALE_SECONDS", 120)
    HANDOFF_ACK_MINUTES = _env_int("HANDOFF_ACK_MINUTES", 30)
    # Working hours of users who set none of their own, in their zone (or the app's): e-mail
    # that can wait (reminders, warnings, digests) is sent only then. Days 0 = Monday; the end
    # may be "24:00" (midnight). Each user may set their own on their profile.
    WORK_DAYS = tuple(int(day) for day in os.environ.get("WORK_DAYS", "0,1,2,3,4").split(","))
    WORK_START = os.environ.get("WORK_START", "09:00")
    WORK_END = os.environ.get("WORK_END", "18:00")
    # Each job run holds a lease row this many seconds, renewed every ..._RENEW_SECONDS while
    # it runs: a scheduler killed mid-job blocks that job for at most the lease length.
    SCHEDULER_LEASE_SECONDS = _env_int("SCHEDULER_LEASE_SECONDS", 30)
    SCHEDULER_LEASE_RENEW_SECONDS = _env_int("SCHEDULER_LEASE_RENEW_SECONDS", 10)
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (werkzeug's
    # ProxyFix). 0: the headers are ignored and the peer's address is the client's. Set it to the
    # exact number of proxies you run, or clients can forge their address.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Strict-Transport-Security on every response (production only, where cookies are Secure).
    HSTS_SECONDS = 0


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # replaced by the test fixture
    SQL_QUERY_HEADER = True
    SURVEY_RATE_LIMIT = 0  # the rate-limit test turns it on
    ACCOUNT_CHART_SECONDS = 0  # counted on every page; tests/test_charts.py turns it on
    # Always working, so no test depends on the time of day it runs at; the working-hours
    # tests give their users hours of their own.
    WORK_DAYS = (0, 1, 2, 3, 4, 5, 6)
    WORK_START = "00:00"
    WORK_END = "24:00"
    # Tests only (honoured only when TESTING): a file holding the time the scheduler and
    # notify() take as now (app/notifications/clock.py). Set by a test's own app, never here.
    TESTING_CLOCK_FILE = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the settings production cannot guess."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"production configuration needs {', '.join(missing)}")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
