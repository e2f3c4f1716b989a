"""Threat suggestions on an escalation: the owner confirms or dismisses what the detector read in
the description, customer updates and notes; the dismissed ones listed for improving the rules."""

from flask import Response, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, Label, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth.models import Role
from app.auth.permissions import can_work_escalation, require
from app.escalations import bp, threat_suggestions
from app.escalations import views as escalation_views  # the page; imported by views itself
from app.escalations.models import SuggestionStatus, ThreatFlag, ThreatSource, ThreatSuggestion
from app.escalations.threats import explain
from app.extensions import db
from app.formatting import label
from app.i18n import lazy_gettext as _l
from app.models import DomainError, utcnow
from app.pagination import paginate_by_ids

PER_PAGE = 25
ANCHOR = "#threat-suggestions"
LANGUAGES = {"en": _l("English"), "ja": _l("Japanese")}


class ConfirmThreatForm(FlaskForm):
    """Set the suggested flag (carries the suggestion's version)."""

    version = HiddenField()
    submit = SubmitField(_l("Confirm"))


class DismissThreatForm(FlaskForm):
    """Not a threat: why, optionally, for whoever improves the rules."""

    version = HiddenField()
    reason = TextAreaField(
        _l("Why it is not a threat (optional)"),
        validators=[Optional(), Length(max=threat_suggestions.MAX_REASON)],
    )
    submit = SubmitField(_l("Dismiss"))


class RuleFilterForm(FlaskForm):
    """The rules page's filter (a GET form: it only chooses what to show)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default=SuggestionStatus.DISMISSED.value)
    flag = SelectField(_l("Flag"), default="")
    language = SelectField(_l("Language"), default="")
    source = SelectField(_l("Source"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.status.choices = [(s.value, label(s)) for s in SuggestionStatus] + everything
        self.flag.choices = everything + [(f.value, label(f)) for f in ThreatFlag]
        self.language.choices = everything + [(k, str(v)) for k, v in LANGUAGES.items()]
        self.source.choices = everything + [(s.value, label(s)) for s in ThreatSource]

    def filters(self) -> threat_suggestions.RuleFilters:
        def of(enum_cls, value):
            return enum_cls(value) if value else None

        return threat_suggestions.RuleFilters(
            status=of(SuggestionStatus, self.status.data),
            flag=of(ThreatFlag, self.flag.data),
            language=self.language.data or None,
            source=of(ThreatSource, self.source.data),
        )


def _for(form, suggestion):
    """The form of this suggestion: its fields' ids made unique on a page of several."""
    form.suggestion_id = suggestion.id
    for field in form:
        if field.type != "CSRFTokenField":
            field.id = f"threat-{suggestion.id}-{field.name}"
            field.label = Label(field.id, field.label.text)
    return form


def page_context(escalation, viewer, forms: dict) -> dict:
    """What the escalation page shows of this part (forms: the failed forms to show again)."""
    suggestions = threat_suggestions.for_page(escalation)
    failed = forms.pop("threat_dismiss_form", None)
    context = dict(
        threats=suggestions,
        threat_pieces=threat_suggestions.pieces,
        threat_why=explain,
        threat_error=forms.pop("threat_error", None),
        threat_forms={},
        can_decide_threats=can_work_escalation(viewer, escalation),
    )
    if context["can_decide_threats"]:
        for suggestion in suggestions.pending:
            confirm = _for(ConfirmThreatForm(formdata=None), suggestion)
            dismiss = _for(DismissThreatForm(formdata=None), suggestion)
            if failed is not None and failed.suggestion_id == suggestion.id:
                dismiss = failed
            confirm.version.data = dismiss.version.data = suggestion.version
            context["threat_forms"][suggestion.id] = (confirm, dismiss)
    return context


def flash_found(found) -> None:
    """After a customer update or a note (a sponsor's comment too) was scanned: say a possible
    threat was found, for the owner to decide (`found`: what threat_suggestions.scan returned)."""
    if found:
        flags = ", ".join(label(s.flag) for s in found)
        flash(
            _(
                "A possible threat was found (%(flags)s). It is shown at the top of the page: "
                "confirm it to set the flag, or dismiss it.",
                flags=flags,
            ),
            "warning",
        )


def _suggestion(escalation_id: int, suggestion_id: int):
    """The escalation and its suggestion, for someone who may work the escalation."""
    escalation = escalation_views._load(escalation_id)
    suggestion = db.get_or_404(ThreatSuggestion, suggestion_id)
    if suggestion.escalation_id != escalation.id:
        abort(404)
    require(can_work_escalation(current_user, escalation))
    return escalation, suggestion


def _page_again(escalation, status: int, **forms):
    db.session.rollback()  # nothing half saved
    context = escalation_views._page_context(escalation, **forms)
    return render_template("escalations/show.html", **context), status


def _stale(escalation, suggestion, form):
    if str(form.version.data) == str(suggestion.version):
        return None
    message = _(
        "Someone else decided or changed this suggestion while you were reading it. Nothing "
        "was saved: here it is as it is now."
    )
    return _page_again(escalation, 409, threat_error=message)


@bp.post("/<int:escalation_id>/threat-suggestions/<int:suggestion_id>/confirm")
@login_required
def confirm_threat(escalation_id: int, suggestion_id: int):
    escalation, suggestion = _suggestion(escalation_id, suggestion_id)
    form = ConfirmThreatForm()
    if not form.validate_on_submit():
        abort(400)
    stale = _stale(escalation, suggestion, form)
    if stale is not None:
        return stale
    flag = label(suggestion.flag)
    try:
        threat_suggestions.confirm(current_user, suggestion, utcnow())
    except DomainError as error:
        return _page_again(escalation, 422, threat_error=str(error))
    db.session.commit()
    flash(_("The %(flag)s flag is set.", flag=flag), "success")
    return escalation_views._back(escalation)


@bp.post("/<int:escalation_id>/threat-suggestions/<int:suggestion_id>/dismiss")
@login_required
def dismiss_threat(escalation_id: int, suggestion_id: int):
    escalation, suggestion = _suggestion(escalation_id, suggestion_id)
    form = _for(DismissThreatForm(), suggestion)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page_again(escalation, 422, threat_dismiss_form=form)
    stale = _stale(escalation, suggestion, form)
    if stale is not None:
        return stale
    try:
        threat_suggestions.dismiss(current_user, suggestion, form.reason.data or "", utcnow())
    except DomainError as error:
        return _page_again(escalation, 422, threat_error=str(error))
    db.session.commit()
    flash(_("Suggestion dismissed: the flag stays unset."), "success")
    return escalation_views._back(escalation, ANCHOR)


def _rule_filters():
    require(current_user.has_role(Role.ADMIN, Role.MANAGER))
    return RuleFilterForm(request.args)


@bp.get("/threat-suggestions")
@login_required
def threat_suggestions_page():
    form = _rule_filters()
    page, status = None, 200
    if form.validate():
        page = paginate_by_ids(
            threat_suggestions.rule_suggestions(form.filters()),
            ThreatSuggestion,
            request.args.get("page", 1, type=int),
            *threat_suggestions.RULE_OPTIONS,
            per_page=PER_PAGE,
        )
    else:
        status = 422
    args = {k: v for k, v in request.args.items() if k in ("status", "flag", "language", "source")}
    return render_template(
        "escalations/threat_suggestions.html",
        form=form,
        page=page,
        args=args,
        pieces=threat_suggestions.pieces,
        why=explain,
        languages=LANGUAGES,
    ), status


@bp.get("/threat-suggestions.csv")
@login_required
def threat_suggestions_csv():
    form = _rule_filters()
    if not form.validate():
        abort(400)
    return Response(
        threat_suggestions.csv_text(form.filters()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="threat-suggestions.csv"'},
    )
