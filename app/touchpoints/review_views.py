"""The executive review pages: an executive's sponsored accounts (their own at /review/,
anyone's at /review/<id>: everyone signed in reads everything), one account's review, the
review form (the sponsor themself or an admin), and the account and portfolio brief PDFs with
the history of the briefs generated."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from app.accounts.charts import health_trend
from app.accounts.models import Account
from app.auth.models import User
from app.auth.permissions import can_steward_sponsorship, require
from app.extensions import db
from app.formatting import local_today
from app.forms import choices
from app.i18n import lazy_gettext as _l
from app.inputs import page_number
from app.models import DomainError, utcnow
from app.sponsorship.models import IN_PROGRAM, Sponsorship
from app.touchpoints import briefs, pdf, review, review_bp
from app.touchpoints.labels import REVIEW_DECISION_LABELS
from app.touchpoints.models import BriefKind, ReviewDecision

# The touchpoint's prep brief (the touchpoints pages): linked from the next touchpoint.
PREP = "touchpoints.prep_brief"


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices(REVIEW_DECISION_LABELS),
        default=ReviewDecision.CONTINUE.value,
        validators=[InputRequired(message=_l("Pick a decision."))],
    )
    note = TextAreaField(
        _l("Review note"),
        validators=[
            InputRequired(message=_l("Write what you concluded.")),
            Length(max=review.NOTE_MAX),
        ],
        description=_l("Proposing exit moves the sponsorship to exit review with this note."),
    )
    back = HiddenField(default="account", validators=[AnyOf(["account", "portfolio"])])
    submit = SubmitField(_l("Record the review"))


def _executive(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not review.is_executive(user):
        abort(404)
    return user


@review_bp.get("/")
@login_required
def index():
    """An executive's own accounts; for everyone else (or ?all=1) the list of executives."""
    if review.is_executive(current_user) and not request.args.get("all"):
        return _portfolio_page(current_user)
    return render_template("review/index.html", executives=review.executives_with_counts())


@review_bp.get("/<int:user_id>")
@login_required
def executive(user_id: int):
    return _portfolio_page(_executive(user_id))


def _portfolio_page(executive: User):
    reviews = review.portfolio(executive, local_today(), utcnow())
    return render_template(
        "review/portfolio.html",
        executive=executive,
        reviews=reviews,
        pdf=False,
        prep=PREP in current_app.view_functions,
    )


@review_bp.get("/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    return _account_page(db.get_or_404(Account, account_id))


def _account_page(account: Account, form: ReviewForm | None = None, status: int = 200):
    today = local_today()
    account_review = review.account_review(account, today, utcnow())
    sponsorship = account_review.sponsorship
    can_review = sponsorship is not None and can_steward_sponsorship(current_user, sponsorship)
    if form is None and can_review:
        form = ReviewForm()
    page = render_template(
        "review/account.html",
        r=account_review,
        timeline=review.recent_timeline(account.id),
        form=form if can_review else None,
        pdf=False,
        prep=PREP in current_app.view_functions,
    )
    return page, status


@review_bp.post("/sponsorships/<int:sponsorship_id>/reviews")
@login_required
def record(sponsorship_id: int):
    sponsorship = db.get_or_404(Sponsorship, sponsorship_id)
    require(can_steward_sponsorship(current_user, sponsorship))
    form = ReviewForm()
    if sponsorship.status not in IN_PROGRAM:  # the page has no form to show the refusal on
        flash(_("Only an active sponsorship or one in exit review is reviewed."), "error")
        return _account_page(sponsorship.account, None, 422)
    if form.validate_on_submit():
        decision = ReviewDecision(form.decision.data)
        was = sponsorship.status
        try:
            review.record_review(current_user, sponsorship, decision, form.note.data, utcnow())
        except DomainError as error:
            form.note.errors = [*form.note.errors, str(error)]
        else:
            db.session.commit()
            flash(_flash(decision, was, sponsorship), "success")
            if form.back.data == "portfolio" and sponsorship.sponsor_id:
                target = url_for("review.executive", user_id=sponsorship.sponsor_id)
            else:
                target = url_for("review.account", account_id=sponsorship.account_id)
            return redirect(target + f"#account-{sponsorship.account_id}")
    db.session.rollback()
    return _account_page(sponsorship.account, form, 422)


def _flash(decision: ReviewDecision, was, sponsorship: Sponsorship) -> str:
    if decision is ReviewDecision.PROPOSE_EXIT and was != sponsorship.status:
        return _(
            "Review recorded: %(account)s moved to exit review.", account=sponsorship.account.name
        )
    if decision is ReviewDecision.CONTINUE and was != sponsorship.status:
        return _(
            "Review recorded: %(account)s stays in the program.", account=sponsorship.account.name
        )
    return _("Review recorded for %(account)s.", account=sponsorship.account.name)


# Briefs -----------------------------------------------------------------------------------


@review_bp.get("/accounts/<int:account_id>/brief.pdf")
@login_required
def account_brief(account_id: int):
    """One account's brief: the review, the coverage map, the recent timeline, what changed
    since the previous brief. A GET that records the download (a log, like an access log)."""
    account = db.get_or_404(Account, account_id)
    now = utcnow()
    account_review = review.account_review(account, local_today(now), now)
    sponsorship = account_review.sponsorship
    executive = sponsorship.sponsor if sponsorship and sponsorship.sponsor else current_user
    context = dict(
        r=account_review,
        timeline=review.recent_timeline(account.id),
        trend=health_trend(account.id, now),
        form=None,
    )
    rendered = briefs.render(
        BriefKind.ACCOUNT,
        "review/account.html",
        context,
        [account_review],
        executive,
        account,
        current_user,
        now,
    )
    return _download(BriefKind.ACCOUNT, rendered, account, now)


@review_bp.get("/<int:user_id>/portfolio.pdf")
@login_required
def portfolio_brief(user_id: int):
    """All of one executive's accounts: a summary table, then a section per account."""
    executive = _executive(user_id)
    now = utcnow()
    rendered = briefs.portfolio_pdf(executive, current_user, now)
    return _download(BriefKind.PORTFOLIO, rendered, executive, now)


def _download(kind: BriefKind, rendered, subject, now):
    """The brief (already recorded) committed and sent."""
    db.session.commit()
    day = local_today(now).isoformat()
    return pdf.pdf_response(
        rendered,
        f"{subject.name} {day}.pdf",
        f"{kind.value}-brief-{subject.id}-{day}.pdf",
    )


@review_bp.get("/<int:user_id>/briefs")
@login_required
def brief_history(user_id: int):
    executive = _executive(user_id)
    page = db.paginate(
        briefs.history(executive.id),
        page=page_number(request.args),
        per_page=briefs.PER_PAGE,
        error_out=False,
    )
    return render_template("review/briefs.html", executive=executive, page=page)
