"""CSV import and export of the account book.

Import is two steps: the upload is decoded, validated row by row with the same form the
account page uses, and kept as an ImportBatch for the preview; on confirmation the rows
are validated again (the book may have changed) and every valid row is written in one
transaction. Export writes the same columns, so a file exported here imports back.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_number
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.accounts import services
from app.accounts.forms import AccountForm
from app.accounts.models import ImportBatch
from app.auth.models import Role, User
from app.auth.permissions import can_edit_account
from app.auth.services import active_users
from app.extensions import db
from app.formatting import from_minor_units, to_minor_units
from app.inputs import clean_text
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


def column_titles() -> dict[str, str]:
    """The export's column titles, in the reader's language; the import accepts them too."""
    return {
        "name": _("Name"),
        "domain": _("Domain"),
        "industry": _("Industry"),
        "tier": _("Tier"),
        "arr": _("ARR"),
        "currency": _("Currency"),
        "renewal_date": _("Renewal date"),
        "status": _("Lifecycle status"),
        "health_score": _("Health score"),
        "nps": _("Latest NPS"),
        "csm_owner_email": _("CSM owner e-mail"),
        "ae_owner_email": _("AE owner e-mail"),
        "notes": _("Notes"),
    }


def _header_key(text: str) -> str:
    """'Renewal date', 'renewal_date' and 'ＲＥＮＥＷＡＬ　ＤＡＴＥ' compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).replace("_", " ").split()).casefold()


def _known_headers() -> dict[str, str]:
    """Header text -> column: the machine names and the export's titles in every language."""
    known = {_header_key(column): column for column in COLUMNS}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            for column, title in column_titles().items():
                known.setdefault(_header_key(title), column)
    return known


def _accepted_encodings() -> str:
    return _("UTF-8, Shift_JIS (cp932) or UTF-16 with a byte order mark (Excel's Unicode text)")


def _refuse(found: str | None = None) -> ImportFileError:
    if found:
        return ImportFileError(
            _(
                "The file is in %(found)s, which cannot be imported. "
                "Save it as CSV in %(accepted)s and upload it again.",
                found=found,
                accepted=_accepted_encodings(),
            )
        )
    return ImportFileError(
        _(
            "The file is not text in an encoding that can be read. "
            "Save it as CSV in %(accepted)s and upload it again.",
            accepted=_accepted_encodings(),
        )
    )


# Characters no spreadsheet writes into a text file: a sign of a binary file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half-width katakana and the private use area: what EUC-JP bytes become when read as cp932.
_CP932_GARBLE = re.compile(r"[\uff61-\uff9f\ue000-\uf8ff]")


def _as_euc_jp(raw: bytes) -> str | None:
    try:
        return raw.decode("euc_jp")
    except UnicodeDecodeError:
        return None


def _reads_better_as_euc_jp(raw: bytes, cp932_text: str) -> bool:
    """True when bytes that decode as cp932 read more plausibly as EUC-JP.

    Most EUC-JP bytes are also valid cp932, where their pairs turn into half-width
    katakana and private-use characters; genuine cp932 kanji and kana rarely decode as
    EUC-JP at all (lead bytes 0x81-0x9F are invalid there).
    """
    euc_text = _as_euc_jp(raw)
    return euc_text is not None and len(_CP932_GARBLE.findall(cp932_text)) > len(
        _CP932_GARBLE.findall(euc_text)
    )


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name of an upload, in one of the encodings Excel writes.

    UTF-16 with a byte order mark (Excel's "Unicode text"), UTF-8 with or without BOM, or
    Shift_JIS (cp932). Anything else is refused rather than guessed: EUC-JP and ISO-2022-JP
    decode without error as cp932 or UTF-8 and would import garbled names.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _refuse("UTF-32")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "utf-16")]
    elif b"\x1b$" in raw or b"\x1b(" in raw:
        raise _refuse("ISO-2022-JP")
    else:
        candidates = [("utf-8-sig", "utf-8"), ("cp932", "shift_jis")]
    for codec, name in candidates:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            raise _refuse()
        if codec == "cp932" and _reads_better_as_euc_jp(raw, text):
            raise _refuse("EUC-JP")
        return text, name
    raise _refuse("EUC-JP" if _as_euc_jp(raw) is not None else None)


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
    return dict(active_users(role, columns=(User.email, User.id)))


def _delimiter(text: str) -> str:
    """Comma, or tab for Excel's "Unicode text" and "Text (tab delimited)" files."""
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each CSV record; ImportFileError where the CSV cannot be parsed."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    line = 1
    try:
        for cells in reader:
            yield reader.line_num, cells
            line = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                _(
                    "Line %(line)d: a field is longer than %(n)s characters. Nothing was imported.",
                    line=line,
                    n=format_number(csv.field_size_limit()),
                )
            ) from None
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV (%(reason)s).", line=line, reason=error)
        ) from None


def validate(text: str, actor) -> list[RowResult]:
    """Every data row of the CSV with its values or its errors, in file order."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    known = _known_headers()
    headers = [known.get(_header_key(cell)) for cell in first[1]]
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
    for index, (line, cells) in enumerate(records):
        if index >= MAX_ROWS:
            raise ImportFileError(_("At most %(n)d rows per file.", n=MAX_ROWS))
        row = {
            column: from_spreadsheet(cell.strip())
            for column, cell in zip(headers, cells, strict=False)
            if column is not None
        }
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
    batch = ImportBatch(
        user_id=actor.id, filename=clean_text(filename)[:255], encoding=encoding, content=text
    )
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
    """Yield the CSV export chunk by chunk: a BOM so Excel reads UTF-8, then a header
    of column titles in the reader's language.

    The query runs here, while the response streams, fetching 1,000 rows at a time.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(column_titles()[column] for column in COLUMNS)
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
