"""The satisfaction survey's pages: the customer's public page behind the one-time link, and
the "send survey" / "send again" action on the escalation page.

The public pages (endpoints in PUBLIC) need no sign-in. They have a layout of their own that
shows nothing of the system but the company name and the escalation's title, work without
script, are rate-limited per client address, and no Referer carrying the token ever leaves
them. Their language is the survey's (chosen when it was sent), else the browser's.
"""

import threading
import time
from collections import deque

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app import security
from app.accounts.models import Contact
from app.auth.permissions import can_work_escalation, require
from app.escalations import queries, surveys
from app.escalations.labels import LANGUAGE_NAMES
from app.escalations.models import DONE_STATUSES, Escalation
from app.escalations.surveys import LinkRefused, LinkState
from app.extensions import csrf, db
from app.forms import MultiCheckboxField
from app.i18n import lazy_gettext as _l
from app.models import DomainError, utcnow

survey_bp = Blueprint("survey", __name__)

PUBLIC = {"survey.answer", "survey.thanks"}
SENT_MEANWHILE = _l("Someone else sent the survey meanwhile: the current state is shown here.")
REFUSED_PAGES = {
    LinkState.TAMPERED: (
        404,
        _l("This link does not work"),
        _l("Please check that you opened the whole link from the e-mail."),
    ),
    LinkState.REPLACED: (
        410,
        _l("This link is no longer valid"),
        _l("A newer link may have been sent to you: please use the most recent e-mail."),
    ),
    LinkState.USED: (
        410,
        _l("You have already answered"),
        _l("Thank you: your answer was recorded. Each link can be used once."),
    ),
    LinkState.EXPIRED: (
        410,
        _l("This link has expired"),
        _l("The survey could be answered for %(days)d days.", days=surveys.SURVEY_DAYS),
    ),
}


# Forms ---------------------------------------------------------------------------------------


class ScoreChoice:
    """ "1 – Very dissatisfied", put together when the page is drawn, in the page's language
    (an f-string at import would fix the words in the language of the first import)."""

    def __init__(self, number: int, text):
        self.number, self.text = number, text

    def __str__(self) -> str:
        return f"{self.number} – {self.text}"


class SurveyAnswerForm(FlaskForm):
    score = RadioField(
        _l("How satisfied are you with how we handled your request?"),
        choices=[(str(n), ScoreChoice(n, text)) for n, text in surveys.SCORE_LABELS.items()],
        validate_choice=False,
    )
    reasons = MultiCheckboxField(
        _l("What went wrong?"), choices=list(surveys.REASONS.items()), validate_choice=False
    )
    reason_text = TextAreaField(
        _l("Tell us more (optional)"),
        validators=[
            Optional(),
            Length(
                max=surveys.REASON_TEXT_MAX,
                message=_l(
                    "Please keep this under %(max)d characters.", max=surveys.REASON_TEXT_MAX
                ),
            ),
        ],
    )
    comment = TextAreaField(
        _l("Anything else you would like to tell us? (optional)"),
        validators=[
            Optional(),
            Length(
                max=surveys.COMMENT_MAX,
                message=_l("Please keep this under %(max)d characters.", max=surveys.COMMENT_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Send my answer"))

    def validate_score(self, field):
        if field.data not in {str(n) for n in surveys.SCORE_LABELS}:
            raise ValidationError(_l("Choose a score from 1 to 5."))

    def validate_reasons(self, field):
        if any(key not in surveys.REASONS for key in field.data or []):
            raise ValidationError(_l("Choose from the reasons listed."))


class SendSurveyForm(FlaskForm):
    contact_id = SelectField(_l("Send the satisfaction survey to"), validate_choice=False)
    language = SelectField(
        _l("Language of the e-mail and the survey"),
        choices=list(LANGUAGE_NAMES.items()),
        validate_choice=False,
    )
    # How many times the survey had been sent when the page was shown: a second click, or a
    # colleague's send meanwhile, is refused instead of sending twice.
    sent_times = HiddenField()
    submit = SubmitField(_l("Send survey"))

    def validate_contact_id(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a contact from the list."))

    def validate_language(self, field):
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_l("Choose a language from the list."))


def send_form(escalation: Escalation, survey, formdata=None) -> SendSurveyForm | None:
    """The send / send-again form, or None when there is nothing to send (not resolved yet,
    already answered)."""
    if escalation.status not in DONE_STATUSES or (survey and survey.answered_at):
        return None
    contacts = surveys.survey_contacts(escalation)
    form = SendSurveyForm(formdata=formdata)  # None: as the page shows it, never the request's
    form.contact_id.choices = [(str(c.id), f"{c.name} <{c.email}>") for c in contacts]
    if survey is not None:
        form.submit.label.text = _l("Send again")
    if formdata is None:
        form.contact_id.data = str(survey.contact_id) if survey and survey.contact_id else None
        if form.contact_id.data is None and contacts:
            form.contact_id.data = str(contacts[0].id)
        form.language.data = survey.language if survey else surveys.default_language()
        form.sent_times.data = str(survey.times_sent if survey else 0)
    return form


def survey_panel(escalation: Escalation, viewer, form: SendSurveyForm | None = None) -> dict:
    """What templates/escalations/_survey.html needs: `survey`, and `survey_form` for those who
    may send it (None otherwise, or when there is nothing to send)."""
    survey = surveys.survey_of(escalation)
    if form is None and can_work_escalation(viewer, escalation):
        form = send_form(escalation, survey)
    return {
        "survey": survey,
        "survey_form": form,
        "survey_expired": bool(survey and not survey.answered_at and survey.expires_at <= utcnow()),
        "survey_days": surveys.SURVEY_DAYS,
        "survey_reasons": surveys.REASONS,
        "survey_scores": surveys.SCORE_LABELS,
    }


@survey_bp.app_context_processor
def survey_panel_in_templates() -> dict:
    """`survey_panel(escalation)` for templates/escalations/_survey.html, so that including the
    partial is all the escalation page needs (a send that failed leaves its form, with the
    errors, in `g.survey_send_form`)."""

    def panel(escalation: Escalation) -> dict:
        return survey_panel(escalation, current_user, g.get("survey_send_form"))

    return {"survey_panel": panel}


# Owner's action ------------------------------------------------------------------------------


@survey_bp.post("/escalations/<int:escalation_id>/survey/send")
@login_required
def send(escalation_id: int):
    escalation = queries.load(escalation_id) or abort(404)
    require(can_work_escalation(current_user, escalation))
    survey = surveys.survey_of(escalation)
    form = send_form(escalation, survey, formdata=request.form)
    back = url_for("escalations.show", escalation_id=escalation.id) + "#survey"
    if form is None:
        flash(_("There is no survey to send on this escalation now."), "error")
        return redirect(back)
    if not form.validate_on_submit():
        return _escalation_page(escalation, form), 422
    sent, status = _send(form, escalation, survey)
    if sent is None:
        return _escalation_page(escalation, form), status
    flash(_("Survey sent to %(email)s.", email=sent.email), "success")
    return redirect(back)


def _send(form: SendSurveyForm, escalation: Escalation, survey) -> tuple:
    """(the survey sent and committed, None) or (None, the status of the refusal, its message
    on the form)."""
    if form.sent_times.data != str(survey.times_sent if survey else 0):
        form.contact_id.errors.append(SENT_MEANWHILE)  # a second click or a colleague
        return None, 409
    try:
        contact = db.session.get(Contact, int(form.contact_id.data))
        sent = surveys.send_survey(
            current_user, escalation, contact, utcnow(), language=form.language.data
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.contact_id.errors.append(str(error))
        return None, 422
    except IntegrityError:  # a colleague's first send got there first (one per escalation)
        db.session.rollback()
        form.contact_id.errors.append(SENT_MEANWHILE)
        return None, 409
    return sent, None


def _escalation_page(escalation: Escalation, form: SendSurveyForm):
    """The escalation page with the send form's errors next to its fields."""
    from app.escalations.views import _page_context

    escalation = queries.load(escalation.id)
    survey = surveys.survey_of(escalation)
    fresh = send_form(escalation, survey)
    if fresh is not None:  # the choices and the count as they are now, the person's picks kept
        fresh.contact_id.data, fresh.language.data = form.contact_id.data, form.language.data
        fresh.contact_id.errors = list(form.contact_id.errors)
        fresh.language.errors = list(form.language.errors)
    context = _page_context(escalation)
    g.survey_send_form = fresh
    return render_template("escalations/show.html", **context)


# Public pages --------------------------------------------------------------------------------


class RateLimiter:
    """At most `limit` requests per `window` seconds from one client address, counted in this
    process's memory (sliding window). With several workers each counts its own share: the
    bound is per process, which is enough to stop a script walking tokens or flooding the
    form; the stored nonce, not the limit, is what keeps a link single-use."""

    MAX_ADDRESSES = 10_000  # beyond this, addresses with no recent request are forgotten

    def __init__(self):
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, limit: int, window: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.MAX_ADDRESSES:
                self._forget_idle(now - window)
            hits = self._hits.setdefault(address, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, since: float) -> None:
        for address in [a for a, hits in self._hits.items() if not hits or hits[-1] <= since]:
            del self._hits[address]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


def rate_limiter():
    """The app's survey rate limiter (one per app)."""
    return current_app.extensions.setdefault("survey_rate_limiter", RateLimiter())


@survey_bp.before_request
def limit_public_pages():
    if request.endpoint not in PUBLIC:
        return None
    limit = current_app.config.get("SURVEY_RATE_LIMIT", 30)
    window = current_app.config.get("SURVEY_RATE_WINDOW_SECONDS", 600)
    if not limit or rate_limiter().allow(request.remote_addr or "-", limit, window):
        return None
    security.log_refusal("rate_limit")
    page = _public_page(
        "survey/message.html",
        _browser_language(),
        title=_l("Too many requests"),
        message=_l("Please wait a few minutes and open the link again."),
    )
    return page, 429, {"Retry-After": str(window)}


@survey_bp.after_request
def private_headers(response):
    # The token is in the address: never sent on as a Referer, never kept by a shared cache,
    # never indexed.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _browser_language() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or surveys.default_language()


def _survey_language(survey) -> str:
    """The survey's language (the e-mail's), unless the page's own switch asked for another."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        return asked
    if survey is not None and survey.language in current_app.config["LANGUAGES"]:
        return survey.language
    return _browser_language()


def _public_page(template: str, language: str, **context) -> str:
    """A public page in `language` (not the signed-in user's, nor a cached one)."""
    g.pop("_translations", None)  # the template gettext's per-request cache (app.formatting)
    try:
        with force_locale(language):
            return render_template(
                template,
                company=current_app.config.get("COMPANY_NAME") or "",
                language=language,
                languages=LANGUAGE_NAMES,
                **context,
            )
    finally:
        g.pop("_translations", None)


def _refused(refusal: LinkRefused):
    status, title, message = REFUSED_PAGES[refusal.state]
    language = _survey_language(refusal.survey)
    page = _public_page("survey/message.html", language, title=title, message=message)
    return page, status


@survey_bp.route("/survey/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, to answer a stale one with the form kept
def answer(token: str):
    now = utcnow()
    try:
        survey = surveys.open_link(token, now)
    except LinkRefused as refusal:
        return _refused(refusal)
    form = SurveyAnswerForm()
    if form.validate_on_submit():
        try:
            surveys.answer(
                survey,
                int(form.score.data),
                form.comment.data or "",
                form.reasons.data or [],
                form.reason_text.data or "",
                now,
            )
        except LinkRefused as refusal:  # answered in another tab a moment ago
            db.session.rollback()
            return _refused(refusal)
        db.session.commit()
        return redirect(url_for("survey.thanks", lang=_survey_language(survey)))
    escalation = survey.escalation
    page = _public_page(
        "survey/answer.html",
        _survey_language(survey),
        form=form,
        title=escalation.title,
        resolved_at=escalation.resolved_at,
        expires_at=survey.expires_at,
        token=token,
    )
    return page, 422 if form.errors else 200


@survey_bp.get("/survey/thanks")
def thanks():
    return _public_page(
        "survey/message.html",
        _browser_language(),
        title=_l("Thank you"),
        message=_l("Your answer was recorded. It helps us serve you better."),
    )
