"""Security events, response headers and the trusted proxies.

Refused requests (403, CSRF failures, throttled sign-ins) are logged on the `app.security`
logger, one line each with the user, the route and the client address, so a log system can
alert on them.
"""

import logging

from flask import request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("app.security")

CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"


def log_refusal(kind: str, detail: str = "") -> None:
    """One warning line for a refused request: what, who, which route, from where."""
    user = current_user.get_id() if current_user and current_user.is_authenticated else "-"
    user = user.partition(":")[0]  # the id, never the session key
    log.warning(
        "request refused: kind=%s user=%s method=%s route=%s path=%s ip=%s detail=%s",
        kind,
        user,
        request.method,
        request.endpoint or "-",
        request.path,
        request.remote_addr or "-",
        detail or "-",
    )


def register(app) -> None:
    """Trust the configured number of proxies; add the security headers to every response."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    hsts_seconds = app.config.get("HSTS_SECONDS", 0)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if current_user and current_user.is_authenticated:
            # Pages of a signed-in user stay out of shared and back-button caches.
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        if hsts_seconds:
            headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        return response
