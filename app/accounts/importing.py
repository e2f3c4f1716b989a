"""CSV import and export of the account book.

Import is two steps: the upload is decoded, validated row by row with the same form the
account page uses, and kept as an ImportBatch for the preview; on confirmation the rows
are validated again (the book may have changed) and every valid row is written in one
transaction. Export writes the same columns, so a file exported here imports back.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.accounts import services
from app.accounts.forms import AccountForm
from app.accounts.models import ImportBatch
from app.auth.models import Role, User, UserRole
from app.auth.permissions import can_edit_account
from app.extensions import db
from app.formatting import from_minor_units, to_minor_units
from app.models import utcnow

COLUMNS = (
    "name",
    "domain",
    "industry",
    "tier",
    "arr",
    "currency",
    "renewal_date",
    "status",
    "health_score",
    "nps",
    "csm_owner_email",
    "ae_owner_email",
    "notes",
)
REQUIRED_COLUMNS = ("name", "domain")
MAX_ROWS = 5000


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of an upload: UTF-8 (BOM or not), else Shift_JIS (cp932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding), "shift_jis" if encoding == "cp932" else "utf-8"
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor Shift_JIS text."))


@dataclass
class RowResult:
    line: int
    raw: dict
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _owner_lookup(role: Role) -> dict[str, int]:
    stmt = sa.select(User.email, User.id).where(
        User.active.is_(True), User.role_rows.any(UserRole.role == role)
    )
    return dict(db.session.execute(stmt).all())


def validate(text: str, actor) -> list[RowResult]:
    """Every data row of the CSV with its values or its errors, in file order."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise ImportFileError(_("The file is empty."))
    headers = [h.strip().lower() for h in reader.fieldnames]
    reader.fieldnames = headers
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportFileError(
            _(
                "Missing columns: %(cols)s. Expected: %(all)s.",
                cols=", ".join(missing),
                all=", ".join(COLUMNS),
            )
        )
    csms, aes = _owner_lookup(Role.CSM), _owner_lookup(Role.AE)
    seen_domains: dict[str, int] = {}
    existing = set(db.session.scalars(sa.select(services.Account.domain)))
    results = []
    for index, row in enumerate(reader):
        if index >= MAX_ROWS:
            raise ImportFileError(_("At most %(n)d rows per file.", n=MAX_ROWS))
        line = reader.line_num
        row = {k: from_spreadsheet((v or "").strip()) for k, v in row.items() if k in COLUMNS}
        if not any(row.values()):
            continue
        results.append(_validate_row(line, row, actor, csms, aes, seen_domains, existing))
    if not results:
        raise ImportFileError(_("The file has no data rows."))
    return results


def _validate_row(line, row, actor, csms, aes, seen_domains, existing) -> RowResult:
    result = RowResult(line=line, raw=row)
    data = MultiDict(
        {
            "name": row.get("name", ""),
            "domain": row.get("domain", ""),
            "industry": row.get("industry", ""),
            "tier": (row.get("tier") or "growth").lower(),
            "arr": row.get("arr") or "0",
            "currency": (row.get("currency") or "JPY").upper(),
            "renewal_date": row.get("renewal_date", ""),
            "status": (row.get("status") or "active").lower().replace(" ", "_"),
            "health_score": row.get("health_score", ""),
            "nps": row.get("nps", ""),
            "notes": row.get("notes", ""),
            "csm_owner_id": "",
            "ae_owner_id": "",
        }
    )
    form = AccountForm(formdata=data, meta={"csrf": False})
    form.csm_owner_id.choices = [("", "")]
    form.ae_owner_id.choices = [("", "")]
    form.validate()
    for name, messages in form.errors.items():
        label = form[name].label.text
        result.errors.extend(f"{label}: {m}" for m in messages)

    owners = {}
    for column, lookup, key, message in (
        (
            "csm_owner_email",
            csms,
            "csm_owner_id",
            _("CSM owner: no active CSM has the e-mail %(email)s."),
        ),
        (
            "ae_owner_email",
            aes,
            "ae_owner_id",
            _("AE owner: no active account executive has the e-mail %(email)s."),
        ),
    ):
        email = (row.get(column) or "").lower()
        if email and email not in lookup:
            result.errors.append(message % {"email": email})
        owners[key] = lookup.get(email)
    # A CSM or AE importing their book becomes its owner when the file names nobody.
    if owners["csm_owner_id"] is None and owners["ae_owner_id"] is None and not actor.is_admin:
        owners["csm_owner_id" if Role.CSM in actor.roles else "ae_owner_id"] = actor.id

    domain = form.domain.data
    if domain and not form.domain.errors:
        if domain in existing:
            result.errors.append(
                f"{form.domain.label.text}: " + _("an account with %(d)s already exists.", d=domain)
            )
        elif domain in seen_domains:
            result.errors.append(
                f"{form.domain.label.text}: "
                + _(
                    "%(d)s is also on line %(line)d of this file.",
                    d=domain,
                    line=seen_domains[domain],
                )
            )
        seen_domains.setdefault(domain, line)

    if result.ok:
        result.values = account_values(form) | owners
        probe = services.Account(**result.values)
        if not can_edit_account(actor, probe):
            result.errors.append(_("You can only import accounts you own."))
    return result


def account_values(form: AccountForm) -> dict:
    """Model values from a validated AccountForm (shared by the page and the import)."""
    return {
        "name": form.name.data.strip(),
        "domain": form.domain.data,
        "industry": (form.industry.data or "").strip(),
        "tier": services.Tier(form.tier.data),
        "arr_minor": to_minor_units(form.arr_amount, form.currency.data),
        "currency": form.currency.data,
        "renewal_date": form.renewal_date.data,
        "status": services.LifecycleStatus(form.status.data),
        "health_score": form.health_score.data,
        "nps": form.nps.data,
        "csm_owner_id": int(form.csm_owner_id.data) if form.csm_owner_id.data else None,
        "ae_owner_id": int(form.ae_owner_id.data) if form.ae_owner_id.data else None,
        "notes": form.notes.data or "",
    }


def stage(actor, filename: str, raw: bytes) -> ImportBatch:
    """Keep an uploaded file for its preview; raises ImportFileError when unreadable."""
    text, encoding = decode(raw)
    validate(text, actor)  # refuse unreadable files before keeping them
    batch = ImportBatch(user_id=actor.id, filename=filename[:255], encoding=encoding, content=text)
    db.session.add(batch)
    db.session.flush()
    return batch


def run(actor, batch: ImportBatch) -> int:
    """Create every valid row of the batch; the caller commits them as one transaction."""
    results = validate(batch.content, actor)
    count = 0
    for result in results:
        if result.ok:
            services.create_account(actor, result.values)
            count += 1
    batch.imported_at = utcnow()
    batch.imported_count = count
    db.session.flush()
    return count


# Cells a spreadsheet would run as a formula get a leading apostrophe (and lose it on import).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def from_spreadsheet(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def export_csv(stmt) -> Iterator[str]:
    """Yield the CSV export chunk by chunk: a BOM so Excel reads UTF-8, then a header.

    The query runs here, while the response streams, fetching 1,000 rows at a time.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(COLUMNS)
    rows = db.session.execute(stmt.execution_options(yield_per=1000))
    for (
        name,
        domain,
        industry,
        tier,
        arr_minor,
        currency,
        renewal_date,
        status,
        health,
        nps,
        csm_email,
        ae_email,
        notes,
    ) in rows:
        writer.writerow(
            [
                spreadsheet_safe(name),
                domain,
                spreadsheet_safe(industry),
                tier.value,
                str(from_minor_units(arr_minor, currency)),
                currency,
                renewal_date.isoformat() if renewal_date else "",
                status.value,
                "" if health is None else health,
                "" if nps is None else nps,
                csm_email or "",
                ae_email or "",
                spreadsheet_safe(notes),
            ]
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
