"""Account list, page, create/edit/delete, contacts, notes, CSV import and export."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app import signals
from app.accounts import bp, charts, importing, services
from app.accounts.forms import AccountForm, ContactForm, DepartureForm, ImportForm, NoteForm
from app.accounts.labels import HEALTH_BANDS, RENEWAL_WINDOWS, SORTS, STATUS_LABELS, TIER_LABELS
from app.accounts.models import Account, Channel, Contact, ContactRole, Departure, ImportBatch
from app.audit.services import history_for_account
from app.auth.models import Role, User
from app.auth.permissions import (
    can_create_account,
    can_delete_account,
    can_edit_account,
    require,
)
from app.auth.services import active_users, user_choices
from app.extensions import db
from app.formatting import from_minor_units, local_today
from app.forms import ConfirmForm
from app.models import DomainError, utcnow
from app.pagination import LIST_COUNT_CAP, paginate_by_ids
from app.versioning import conflict_page


def _owner_choices(form: AccountForm) -> None:
    none = [("", _("— nobody —"))]
    form.csm_owner_id.choices = none + user_choices(Role.CSM)
    form.ae_owner_id.choices = none + user_choices(Role.AE)


@bp.get("/")
@login_required
def list_accounts():
    filters = services.AccountFilters.from_args(request.args)
    today = local_today()
    stmt = services.filtered_accounts(filters, current_user, today)
    distribution = charts.recent_book_distribution(
        stmt,
        filters.selection_key(current_user, today),
        utcnow(),
        current_app.config["ACCOUNT_CHART_SECONDS"],
    )
    # The list's own total is live, counted up to the cap ("1,000+"): the chart above gives
    # the whole selection's size as of its counting.
    page = paginate_by_ids(
        stmt,
        Account,
        request.args.get("page", 1, type=int),
        joinedload(Account.csm_owner),
        joinedload(Account.ae_owner),
        count_cap=LIST_COUNT_CAP,
    )
    return render_template(
        "accounts/list.html",
        page=page,
        filters=filters,
        owners=active_users(Role.CSM, Role.AE, columns=(User.id, User.name)),
        tiers=TIER_LABELS,
        statuses=STATUS_LABELS,
        bands=HEALTH_BANDS,
        windows=RENEWAL_WINDOWS,
        sorts=SORTS,
        can_create=can_create_account(current_user),
        distribution=distribution,
    )


@bp.get("/export.csv")
@login_required
def export_accounts():
    filters = services.AccountFilters.from_args(request.args)
    stmt = services.export_statement(filters, current_user, local_today())
    filename = f"accounts-{local_today().isoformat()}.csv"
    return Response(
        stream_with_context(importing.export_csv(stmt)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_account():
    require(can_create_account(current_user))
    form = AccountForm()
    _owner_choices(form)
    if request.method == "GET":
        owner_field = form.csm_owner_id if current_user.has_role(Role.CSM) else form.ae_owner_id
        if current_user.has_role(Role.CSM, Role.AE):
            owner_field.data = str(current_user.id)
    elif form.validate_on_submit():
        values = importing.account_values(form)
        if not can_edit_account(current_user, Account(**values)):
            form.csm_owner_id.errors.append(_("Make yourself the CSM or AE owner of the account."))
        else:
            try:
                account = services.create_account(current_user, values)
            except services.DomainTaken as error:
                form.domain.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Account %(name)s created.", name=account.name), "success")
                return redirect(url_for("accounts.show_account", account_id=account.id))
    status = 422 if form.errors else 200
    return render_template("accounts/form.html", form=form, account=None), status


@bp.get("/<int:account_id>")
@login_required
def show_account(account_id: int):
    account = services.account_page(account_id) or abort(404)
    page = request.args.get("page", 1, type=int)
    return render_template(
        "accounts/show.html",
        account=account,
        trend=charts.health_trend(account.id, utcnow()),
        timeline=services.timeline(account.id, page),
        history=history_for_account(account.id, limit=50),
        can_edit=can_edit_account(current_user, account),
        can_delete=can_delete_account(current_user, account),
        sections=signals.page_sections(signals.account_page_sections, account, viewer=current_user),
        note_form=NoteForm(),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@login_required
def edit_account(account_id: int):
    account = db.get_or_404(Account, account_id)
    require(can_edit_account(current_user, account))
    form = AccountForm(obj=account)
    _owner_choices(form)
    if request.method == "GET":
        form.arr.data = str(from_minor_units(account.arr_minor, account.currency))
        form.csm_owner_id.data = str(account.csm_owner_id or "")
        form.ae_owner_id.data = str(account.ae_owner_id or "")
        form.tier.data, form.status.data = account.tier.value, account.status.value
    elif form.validate_on_submit():
        if form.is_stale(account):
            return conflict_page("accounts/form.html", form, account, account=account)
        try:
            services.update_account(current_user, account, importing.account_values(form))
        except services.DomainTaken as error:
            form.domain.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Account %(name)s saved.", name=account.name), "success")
            return redirect(url_for("accounts.show_account", account_id=account.id))
    status = 422 if form.errors else 200
    return render_template("accounts/form.html", form=form, account=account), status


@bp.post("/<int:account_id>/delete")
@login_required
def delete_account(account_id: int):
    account = db.get_or_404(Account, account_id)
    require(can_delete_account(current_user, account))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = account.name
    try:
        services.delete_account(current_user, account)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.show_account", account_id=account.id))
    db.session.commit()
    flash(_("Account %(name)s deleted.", name=name), "success")
    return redirect(url_for("accounts.list_accounts"))


@bp.post("/<int:account_id>/notes")
@login_required
def add_note(account_id: int):
    account = db.get_or_404(Account, account_id)
    require(can_edit_account(current_user, account))
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(current_user, account, form.body.data)
        db.session.commit()
        flash(_("Note added to the timeline."), "success")
    else:
        flash(_("The note is empty or too long (5,000 characters at most)."), "error")
    return redirect(url_for("accounts.show_account", account_id=account.id) + "#timeline")


def _contact_values(form: ContactForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "title": (form.title.data or "").strip(),
        "email": (form.email.data or "").strip().lower(),
        "phone": (form.phone.data or "").strip(),
        "role": ContactRole(form.role.data),
        "preferred_channel": Channel(form.preferred_channel.data),
    }


@bp.route("/<int:account_id>/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact(account_id: int):
    account = db.get_or_404(Account, account_id)
    require(can_edit_account(current_user, account))
    form = ContactForm()
    if form.validate_on_submit():
        contact = services.add_contact(current_user, account, _contact_values(form))
        db.session.commit()
        flash(_("Contact %(name)s added.", name=contact.name), "success")
        return redirect(url_for("accounts.show_account", account_id=account.id) + "#contacts")
    status = 422 if form.errors else 200
    return render_template(
        "accounts/contact_form.html", form=form, account=account, contact=None
    ), status


def _editable_contact(account_id: int, contact_id: int) -> Contact:
    """The account's contact, for someone who may edit the account (404, 403 otherwise)."""
    contact = db.get_or_404(Contact, contact_id)
    if contact.account_id != account_id:
        abort(404)
    require(can_edit_account(current_user, contact.account))
    return contact


def _departure_form(contact: Contact) -> DepartureForm:
    """The "left or changed role" form as the contact stands (today's date when still there)."""
    form = DepartureForm(formdata=None)
    form.departure.data = contact.departure.value if contact.departure else "left"
    form.departed_on.data = contact.departed_on or local_today()
    return form


def _contact_page(contact: Contact, departure_form: DepartureForm) -> dict:
    return {
        "account": contact.account,
        "contact": contact,
        "confirm": ConfirmForm(),
        "departure_form": departure_form,
    }


@bp.route("/<int:account_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@login_required
def edit_contact(account_id: int, contact_id: int):
    contact = _editable_contact(account_id, contact_id)
    account = contact.account
    form = ContactForm(obj=contact)
    page = _contact_page(contact, _departure_form(contact))
    if request.method == "GET":
        form.role.data = contact.role.value
        form.preferred_channel.data = contact.preferred_channel.value
    elif form.validate_on_submit():
        if form.is_stale(contact):
            return conflict_page("accounts/contact_form.html", form, contact, **page)
        services.update_contact(current_user, contact, _contact_values(form))
        db.session.commit()
        flash(_("Contact %(name)s saved.", name=contact.name), "success")
        return redirect(url_for("accounts.show_account", account_id=account.id) + "#contacts")
    status = 422 if form.errors else 200
    return render_template("accounts/contact_form.html", form=form, **page), status


@bp.post("/<int:account_id>/contacts/<int:contact_id>/departure")
@login_required
def mark_departure(account_id: int, contact_id: int):
    contact = _editable_contact(account_id, contact_id)
    departure_form = DepartureForm()
    if not departure_form.validate_on_submit():
        form = ContactForm(formdata=None, obj=contact)
        form.role.data = contact.role.value
        form.preferred_channel.data = contact.preferred_channel.value
        page = _contact_page(contact, departure_form)
        return render_template("accounts/contact_form.html", form=form, **page), 422
    services.mark_departed(
        current_user,
        contact,
        Departure(departure_form.departure.data),
        departure_form.departed_on.data,
        departure_form.note.data or "",
        now=utcnow(),
    )
    db.session.commit()
    flash(_("%(name)s is marked as having left or changed role.", name=contact.name), "success")
    return redirect(url_for("accounts.show_account", account_id=account_id) + "#contacts")


@bp.post("/<int:account_id>/contacts/<int:contact_id>/departure/undo")
@login_required
def undo_departure(account_id: int, contact_id: int):
    contact = _editable_contact(account_id, contact_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.undo_departure(current_user, contact)
    db.session.commit()
    flash(_("%(name)s is marked as still here.", name=contact.name), "success")
    return redirect(url_for("accounts.show_account", account_id=account_id) + "#contacts")


@bp.post("/<int:account_id>/contacts/<int:contact_id>/delete")
@login_required
def delete_contact(account_id: int, contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    if contact.account_id != account_id:
        abort(404)
    require(can_edit_account(current_user, contact.account))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = contact.name
    services.remove_contact(current_user, contact)
    db.session.commit()
    flash(_("Contact %(name)s removed.", name=name), "success")
    return redirect(url_for("accounts.show_account", account_id=account_id) + "#contacts")


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_accounts():
    require(can_create_account(current_user))
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = importing.stage(current_user, upload.filename or "upload.csv", upload.read())
        except importing.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("accounts.preview_import", batch_id=batch.id))
    status = 422 if form.errors else 200
    return render_template("accounts/import.html", form=form, columns=importing.COLUMNS), status


def _own_batch(batch_id: int) -> ImportBatch:
    batch = db.get_or_404(ImportBatch, batch_id)
    require(can_create_account(current_user) and batch.user_id == current_user.id)
    return batch


@bp.get("/import/<int:batch_id>")
@login_required
def preview_import(batch_id: int):
    batch = _own_batch(batch_id)
    try:
        results = importing.validate(batch.content, current_user)
    except importing.ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.import_accounts"))
    return render_template(
        "accounts/import_preview.html",
        batch=batch,
        results=results,
        valid=sum(r.ok for r in results),
        confirm=ConfirmForm(),
    )


@bp.post("/import/<int:batch_id>")
@login_required
def confirm_import(batch_id: int):
    batch = _own_batch(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if batch.imported_at is not None:
        flash(_("This file was already imported."), "error")
        return redirect(url_for("accounts.preview_import", batch_id=batch.id))
    try:
        count = importing.run(current_user, batch)
    except (importing.ImportFileError, DomainError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("accounts.preview_import", batch_id=batch.id))
    db.session.commit()
    flash(ngettext("%(num)d account imported.", "%(num)d accounts imported.", count), "success")
    return redirect(url_for("accounts.list_accounts", sort="name"))
