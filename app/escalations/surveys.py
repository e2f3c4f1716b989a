"""The satisfaction survey of a resolved escalation: sent by e-mail to a customer contact with
a signed one-time link (no sign-in), answered once on a public page (survey_views.py).

The link carries a random nonce signed with itsdangerous (salt "survey"); the nonce stored on
the survey is what makes the link one-time. Sending again replaces the nonce, so earlier links
stop working; the answer is recorded by an UPDATE that only matches the unanswered, unexpired
survey with that nonce, so two tabs (or two clicks) cannot both answer. One survey per
escalation: a second resolution sends nothing unless someone asks (`send_survey` again).
"""

import enum
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import request_memo
from app.accounts.models import Contact, ContactRole, Departure
from app.accounts.services import add_timeline
from app.audit import services as audit
from app.escalations.models import DONE_STATUSES, Escalation, Survey
from app.escalations.services import _audit
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import DomainError
from app.notifications.models import OutboxEmail

SURVEY_DAYS = 28
TOKEN_SALT = "survey"
TOKEN_MAX_LENGTH = 200  # a real token is about 80 characters
COMMENT_MAX = 2000
REASON_TEXT_MAX = 1000
LOW_SCORES = (1, 2)
SATISFIED_FROM = 4  # 4-5 count as satisfied (Survey.satisfied, the reports)
SUBJECT_MAX = 300  # the outbox column's length
# What went wrong after a low score: key (stored) -> what the customer reads.
REASONS = {
    "slow_response": _l("The response was slow"),
    "not_resolved": _l("The problem is not really solved"),
    "poor_communication": _l("Communication was poor"),
    "had_to_repeat": _l("I had to repeat myself"),
    "other": _l("Something else"),
}
SCORE_LABELS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neither satisfied nor dissatisfied"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}
# Who is offered first as the survey's recipient.
ROLE_ORDER = (
    ContactRole.EXECUTIVE,
    ContactRole.ECONOMIC_BUYER,
    ContactRole.CHAMPION,
    ContactRole.USER,
)


class SurveyNotAllowed(DomainError):
    pass


class LinkState(enum.Enum):
    """Why a link does not open the survey: each has its own friendly page."""

    TAMPERED = "tampered"  # not a link we signed (404)
    REPLACED = "replaced"  # a newer link was sent, or the escalation is gone (410)
    USED = "used"  # already answered (410)
    EXPIRED = "expired"  # older than SURVEY_DAYS (410)


class LinkRefused(Exception):
    def __init__(self, state: LinkState, survey: Survey | None = None):
        super().__init__(state.value)
        self.state = state
        self.survey = survey


def survey_of(escalation: Escalation) -> Survey | None:
    """The escalation's survey (there is at most one), or None; read once per request (the
    page's survey panel and its after-care section both show it)."""
    return request_memo.kept(
        ("survey of", escalation.id),
        lambda: db.session.scalars(
            sa.select(Survey).where(Survey.escalation_id == escalation.id)
        ).first(),
    )


def survey_contacts(escalation: Escalation) -> list[Contact]:
    """The account's contacts a survey may go to (an e-mail address, not left the company),
    executives and economic buyers first."""
    contacts = db.session.scalars(
        sa.select(Contact)
        .where(Contact.account_id == escalation.account_id, Contact.email != "")
        .where(sa.or_(Contact.departure.is_(None), Contact.departure != Departure.LEFT))
        .order_by(Contact.name, Contact.id)
    ).all()
    return sorted(contacts, key=lambda contact: ROLE_ORDER.index(contact.role))


def default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# Links ---------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_token(survey: Survey) -> str:
    """The signed token of the survey's current link."""
    return _serializer().dumps(survey.nonce)


def survey_path(survey: Survey) -> str:
    """The public page's path (built without a request: the scheduler and CLI send too)."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build("survey.answer", {"token": make_token(survey)})


def survey_link(survey: Survey) -> str:
    """The absolute link the e-mail carries (APP_BASE_URL: there is no request to go by)."""
    return current_app.config["APP_BASE_URL"].rstrip("/") + survey_path(survey)


def open_link(token: str, now: datetime) -> Survey:
    """The survey a link opens; raises LinkRefused saying why it does not (changes nothing)."""
    serializer = _serializer()
    expired = False
    if len(token) > TOKEN_MAX_LENGTH:
        raise LinkRefused(LinkState.TAMPERED)
    try:
        nonce = serializer.loads(token, max_age=SURVEY_DAYS * 24 * 3600)
    except SignatureExpired as error:  # signed by us, too old: say so rather than "invalid"
        expired = True
        try:
            nonce = serializer.load_payload(error.payload)
        except BadSignature:
            raise LinkRefused(LinkState.TAMPERED) from None
    except BadSignature:
        raise LinkRefused(LinkState.TAMPERED) from None
    if not isinstance(nonce, str):
        raise LinkRefused(LinkState.TAMPERED)
    survey = db.session.scalars(sa.select(Survey).where(Survey.nonce == nonce)).first()
    if survey is None:
        raise LinkRefused(LinkState.REPLACED)
    if survey.answered_at is not None:
        raise LinkRefused(LinkState.USED, survey)
    if expired or survey.expires_at <= now:
        raise LinkRefused(LinkState.EXPIRED, survey)
    return survey


# Sending -------------------------------------------------------------------------------------


def _check_can_send(escalation: Escalation, contact: Contact | None) -> None:
    if escalation.status not in DONE_STATUSES:
        raise SurveyNotAllowed(_l("The survey is sent once the escalation is resolved."))
    if contact is None or contact.account_id != escalation.account_id:
        raise SurveyNotAllowed(_l("Choose a contact of this account."))
    if not contact.email:
        raise SurveyNotAllowed(
            _l("%(name)s has no e-mail address: add one first.", name=contact.name)
        )
    if contact.departure == Departure.LEFT:
        raise SurveyNotAllowed(_l("%(name)s has left the company.", name=contact.name))


def send_survey(
    actor, escalation: Escalation, contact: Contact, now: datetime, language: str | None = None
) -> Survey:
    """Send the escalation's survey to the contact (in `language`, else the app's default), or
    send it again when it was sent and not answered yet: a new link replaces the old one.
    Raises SurveyNotAllowed with a message when it cannot be sent."""
    _check_can_send(escalation, contact)
    if language not in current_app.config["LANGUAGES"]:
        language = default_language()
    survey = survey_of(escalation)
    if survey is not None:
        return resend(actor, survey, now, contact=contact, language=language)
    survey = Survey(
        escalation_id=escalation.id,
        contact_id=contact.id,
        email=contact.email,
        language=language,
        nonce=secrets.token_urlsafe(24),
        sent_at=now,
        expires_at=now + timedelta(days=SURVEY_DAYS),
        sent_by_id=actor.id,
        times_sent=1,
        comment="",
        reasons=[],
        reason_text="",
    )
    db.session.add(survey)
    db.session.flush()  # a second survey of the escalation fails here (unique escalation_id)
    _audit(actor, escalation, "survey_sent", {"survey": [None, contact.email]})
    _queue_email(survey, escalation, contact.name)
    db.session.flush()
    return survey


def resend(
    actor,
    survey: Survey,
    now: datetime,
    *,
    contact: Contact | None = None,
    language: str | None = None,
) -> Survey:
    """Ask again (to another contact or in another language if given): a new link with a new
    expiry, the old link no longer works. Only while unanswered."""
    escalation = survey.escalation
    contact = contact or survey.contact
    _check_can_send(escalation, contact)
    if survey.answered_at is not None:
        raise SurveyNotAllowed(_l("The customer has already answered the survey."))
    old_email = survey.email
    # Only the unanswered survey with the nonce this page showed: an answer (or another send)
    # that came in meanwhile is not overwritten.
    changed = db.session.execute(
        sa.update(Survey)
        .where(
            Survey.id == survey.id,
            Survey.nonce == survey.nonce,
            Survey.answered_at.is_(None),
        )
        .values(
            nonce=secrets.token_urlsafe(24),
            contact_id=contact.id,
            email=contact.email,
            language=language if language in current_app.config["LANGUAGES"] else survey.language,
            sent_at=now,
            expires_at=now + timedelta(days=SURVEY_DAYS),
            sent_by_id=actor.id,
            times_sent=Survey.times_sent + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(survey)
    if changed != 1:
        if survey.answered_at is not None:
            raise SurveyNotAllowed(_l("The customer has already answered the survey."))
        raise SurveyNotAllowed(_l("Someone else sent the survey again just now."))
    _audit(actor, escalation, "survey_sent", {"survey": [old_email, survey.email]})
    _queue_email(survey, escalation, contact.name)
    db.session.flush()
    return survey


def _queue_email(survey: Survey, escalation: Escalation, name: str) -> OutboxEmail:
    """One outbox e-mail to the survey's address, in the survey's language: the customer is no
    user, so notify() (users only) does not apply."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    until = format_date(
        survey.expires_at.astimezone(zone).date(), format="long", locale=survey.language
    )
    with force_locale(survey.language):
        subject = gettext("How did we do? Your request “%(title)s”", title=escalation.title)
        body = gettext(
            "Dear %(name)s,\n\n"
            "We recently resolved your request “%(title)s”. Would you tell us how satisfied "
            "you are with how we handled it? It takes a minute: a score from 1 to 5 and, if "
            "you like, a comment.\n\n"
            "%(link)s\n\n"
            "This link is for you alone and works once, until %(date)s.\n\n"
            "Thank you.",
            name=name,
            title=escalation.title,
            link=survey_link(survey),
            date=until,
        )
    company = current_app.config.get("COMPANY_NAME")
    if company:
        body = f"{body}\n{company}"
    email = OutboxEmail(
        to_address=survey.email,
        # A line break in a subject would end the e-mail header early.
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        body=body + "\n",
    )
    db.session.add(email)
    return email


# Answering -----------------------------------------------------------------------------------


def answer(
    survey: Survey,
    score: int,
    comment: str,
    reasons: list[str],
    text: str,
    now: datetime,
) -> Survey:
    """Record the customer's answer, once: raises LinkRefused (used or expired) when the survey
    was answered meanwhile or has expired, and then nothing changes. What went wrong (reasons
    and text) is kept after a low score only."""
    low = score in LOW_SCORES
    values = dict(
        answered_at=now,
        score=score,
        comment=comment.strip(),
        reasons=[key for key in REASONS if key in reasons] if low else [],
        reason_text=text.strip() if low else "",
    )
    answered = db.session.execute(
        sa.update(Survey)
        .where(
            Survey.id == survey.id,
            Survey.nonce == survey.nonce,
            Survey.answered_at.is_(None),
            Survey.expires_at > now,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    nonce_seen = survey.nonce
    db.session.refresh(survey)
    if answered != 1:
        if survey.answered_at is not None:
            state = LinkState.USED
        elif survey.nonce != nonce_seen:  # sent again meanwhile: a newer link replaced it
            state = LinkState.REPLACED
        else:
            state = LinkState.EXPIRED
        raise LinkRefused(state, survey)
    escalation = survey.escalation
    audit.record(
        None,
        "escalation",
        escalation.id,
        "survey_answered",
        changes={"score": [None, score]},
        summary=escalation.title,
        account_id=escalation.account_id,
    )
    add_timeline(
        escalation.account_id,
        "survey_answered",
        f"Satisfaction survey answered: score {score}/5: {escalation.title}",
        None,
        at=now,
        data={
            "escalation_id": escalation.id,
            "title": escalation.title,
            "score": score,
            "satisfied": score >= SATISFIED_FROM,
        },
    )
    db.session.flush()
    return survey
