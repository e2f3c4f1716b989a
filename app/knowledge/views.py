"""Knowledge pages: search and list, a note, writing one (also from a post-mortem), changing and
deleting it; suggestions as JSON for the intake form, and the escalation page's section."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import signals
from app.audit.services import history_for
from app.auth.permissions import require
from app.extensions import db
from app.forms import ConfirmForm
from app.inputs import as_id, page_number
from app.knowledge import bp, rights, services
from app.knowledge.forms import NoteForm
from app.models import DomainError
from app.versioning import conflict_page

FORM_TEMPLATE = "knowledge/form.html"
MAX_QUERY_CHARS = 200


def _load(note_id: int):
    return services.load_note(note_id) or abort(404)


@bp.get("/")
@login_required
def index():
    q = " ".join((request.args.get("q") or "").split())[:MAX_QUERY_CHARS]
    page, matched = services.note_list(q, page_number(request.args))
    return render_template(
        "knowledge/list.html",
        page=page,
        q=q,
        matched=matched,
        args={"q": q or None},
        may_write=rights.can_write(current_user),
        snippet=services.snippet,
    )


@bp.get("/suggest")
@login_required
def suggest():
    """The notes most like what is being typed (title, description, tags), as JSON."""
    notes = services.best_notes(request.args.get("q") or "")
    found = [
        {
            "id": note.id,
            "title": note.title,
            "url": url_for("knowledge.show", note_id=note.id),
            "snippet": services.snippet(note),
        }
        for note in notes
    ]
    return jsonify(notes=found)


@bp.get("/<int:note_id>")
@login_required
def show(note_id: int):
    note = _load(note_id)
    return render_template(
        "knowledge/show.html",
        note=note,
        may_write=rights.can_write(current_user),
        may_delete=rights.can_delete(current_user, note),
        confirm=ConfirmForm(),
        history=history_for(services.ENTITY, note.id),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(rights.can_write(current_user))
    post_mortem = _post_mortem(request.args.get("post_mortem"))
    form = NoteForm()
    if request.method == "GET" and post_mortem is not None:
        for name, value in services.from_post_mortem(post_mortem).items():
            form[name].data = value
    if form.validate_on_submit():
        note = services.create_note(
            current_user, form.values(), form.tag_list(), post_mortem=post_mortem
        )
        db.session.commit()
        flash(_("Knowledge note saved."), "success")
        return redirect(url_for("knowledge.show", note_id=note.id))
    written = services.notes_from_post_mortem(post_mortem.id) if post_mortem else []
    page = render_template(
        FORM_TEMPLATE, form=form, note=None, post_mortem=post_mortem, written=written
    )
    return page, 422 if form.errors else 200


def _post_mortem(value):
    """The post-mortem a new note is written from (?post_mortem=<id>); 404 when it is not
    there, None when none is asked for."""
    if value is None or value == "":
        return None
    post_mortem_id = as_id(value)
    found = services.load_post_mortem(post_mortem_id) if post_mortem_id else None
    return found or abort(404)


@bp.route("/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit(note_id: int):
    note = _load(note_id)
    require(rights.can_write(current_user))
    form = NoteForm(obj=note)
    if request.method == "GET":
        form.tags.data = ", ".join(note.tags)
    elif form.validate_on_submit():
        if form.is_stale(note):
            return conflict_page(FORM_TEMPLATE, form, note, note=note, post_mortem=None)
        changes = services.update_note(current_user, note, form.values(), form.tag_list())
        db.session.commit()
        flash(_("Knowledge note saved.") if changes else _("Nothing changed."), "success")
        return redirect(url_for("knowledge.show", note_id=note.id))
    page = render_template(FORM_TEMPLATE, form=form, note=note, post_mortem=None)
    return page, 422 if form.errors else 200


@bp.post("/<int:note_id>/delete")
@login_required
def delete(note_id: int):
    note = _load(note_id)
    require(rights.can_delete(current_user, note))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title = note.title
    try:
        services.delete_note(current_user, note)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("knowledge.show", note_id=note.id))
    db.session.commit()
    flash(_("Knowledge note “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("knowledge.index"))


# The escalation page's section (app/subscriptions.py) ------------------------------------------


def escalation_sections(escalation, **_) -> signals.Section | None:
    """The section "Knowledge notes that may help": notes like the escalation's title, tags
    and text."""
    notes = services.notes_for_escalation(escalation)
    if not notes:
        return None
    return signals.Section("head", "knowledge/_escalation_notes.html", {"notes": notes}, order=60)
