"""In-app notifications and e-mail through an outbox."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def notification_text(notification) -> str:
    """What a notification says, in the reader's language."""
    from app.notifications.messages import text_of

    return text_of(notification)


from app.notifications import views  # noqa: E402, F401
