"""Hostile values in every form field, query parameter and path id: no request answers 5xx,
and a refused POST (400, 404, 409, 422...) leaves the database as it was.

The forms are found by crawling: every GET route (ids from tests/seed_book.py) is fetched as
an admin and every <form> on it parsed. Each POST form is first sent filled in as a person
would (its "baseline", so that one hostile field meets the code that saves); then each field
in turn carries each value of ONE_FIELD (FOR_PICKERS for selects and checkboxes), and all
fields at once each value of HOSTILE. Query parameters (from the links and GET forms of the
crawled pages, plus `page`, `q` and `sort` on every list) take FOR_QUERIES and, all at once,
HOSTILE; path ids are pushed out of range on every route. After a save that changes what the
next request meets (a delete, a status change, a long text), the book is put back as seeded.

Every failure is collected and reported at the end, grouped by cause (the exception's last
line and the innermost frame of our code), so one run shows them all. The suite runs this on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

import io
import re
import traceback
from collections import defaultdict
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.security import generate_password_hash

from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, login
from tests.seed_book import route_arguments, route_urls, seed_book

TWO_VALUES = object()  # the field sent twice
OMITTED = object()  # the field not sent at all
LONG = "x" * 100_000
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<b>x</b>",
    '"><script>alert(1)</script>',
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "Ｘ" * 300,
    LONG,
    "-1",
    "0",
    "9" * 30,
    str(2**63),
    str(2**31),
    "1e309",
    "NaN",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "../../etc/passwd",
    "\u202e",
    "😀👍🏽👨‍👩‍👧",
    "日本語の顧客名・株式会社テスト",
    TWO_VALUES,
    OMITTED,
]
# One field at a time, the values that take a different path through parsing, validation
# and the database: empty, NUL, length in characters and in bytes, numbers at the ends of 32
# and 64 bits, non-finite numbers, a date at the end of the calendar and one that does not
# exist, a list, nothing. The values that differ only as text (whitespace, markup, quotes,
# LIKE wildcards, a path, RTL, emoji, Japanese) go to every field at once and to every query
# parameter; markup on the pages is tests/test_hostile_render.py's subject.
ONE_FIELD = [
    "",
    "\x00",
    "a\x00b",
    "Ｘ" * 300,
    LONG,
    "-1",
    "0",
    "9" * 30,
    str(2**63),
    str(2**31),
    "1e309",
    "NaN",
    "9999-12-31",
    "0000-00-00",
    TWO_VALUES,
    OMITTED,
]
# Query parameters are read by hand (int(), enums, LIKE searches): those values and the
# wildcards.
FOR_QUERIES = [*ONE_FIELD[:-1], "%", "_", "\\", "' OR 1=1 --", "<b>x</b>", "\u202e"]
# A picker (select, checkbox, button) only checks its value is one of its choices.
FOR_PICKERS = ["", "\x00", "<b>x</b>", "-1", "0", "9" * 30, str(2**63), str(2**31), "NaN"]
FOR_PICKERS += [TWO_VALUES, OMITTED]
# Path ids: the ends of 32- and 64-bit integers and beyond; -1 does not match <int:...>.
OUT_OF_RANGE_IDS = [2**63, 2**63 - 1, 2**31, 2**31 - 1, 0, -1]
PICKERS = {"select", "select-multiple", "checkbox", "radio", "submit", "button"}
CSRF_VALUES = ["", "forged", LONG, OMITTED]
LIST_PARAMETERS = ("page", "q", "sort")
# A refused request writes nothing.
REFUSED = {400, 404, 405, 409, 413, 422}

# What a person types into an empty field so that the rest of the form is valid ({n}: a
# number unique per request, for values that must be unique).
FILL = {
    "name": "Fuzz Name",
    "domain": "fuzz{n}.example.com",
    "email": "fuzz{n}@example.test",
    "password": "fuzz-password-1",
    "title": "Fuzz title",
    "description": "Fuzz description",
    "summary": "Fuzz summary",
    "body": "Fuzz body",
    "reason": "Fuzz reason",
    "decline_reason": "Fuzz decline reason",
    "exit_note": "Fuzz exit note",
    "text": "Fuzz objective",
    "message": "Fuzz message",
    "what_happened": "Fuzz happened",
    "what_was_tried": "Fuzz tried",
    "why_unresolved": "Fuzz unresolved",
    "what_is_needed": "Fuzz needed",
    "arr": "1000000",
    "days": "30",
    "score": "50",
    "amounts": "JPY 100000000",
    "roles": "csm",
    "purpose": "Fuzz purpose",
    "responsibilities": "Fuzz responsibility",
    "outcome": "Fuzz outcome",
    "steps-0-text": "Fuzz next step",
    "symptoms": "Fuzz symptoms",
    "resolution": "Fuzz resolution",
    "follow_up_days": "7",
}
# Where the first option is not the one that moves the record on.
BASELINE = {
    "escalations.change_status": {"status": "waiting_on_customer", "reason": "Fuzz reason"},
    "sponsorship.end": {"exit_reason": "other"},
    "escalations.record_follow_up": {"outcome": "held"},
    "survey.answer": {"score": "5"},
}
# Actions after whose success the book is put back, so the next value meets the same state.
CHANGES_STATE = {
    "accounts.delete_account",
    "accounts.delete_contact",
    "accounts.confirm_import",
    "auth.set_user_active",
    "auth.logout",
    "escalations.change_status",
    "escalations.raise_level",
    "escalations.resolve",
    "escalations.acknowledge",
    "escalations.criterion_met",
    "escalations.criterion_unmet",
    "escalations.remove_exit_criterion",
    "escalations.leave_roster",
    "sponsorship.nominate",
    "sponsorship.approve",
    "sponsorship.decline",
    "sponsorship.end",
    "sponsorship.keep",
    "sponsorship.reassign",
    "sponsorship.record_training",
    "sponsorship.remove_criterion",
    "sponsorship.run_review",
    "touchpoints.complete",
    "touchpoints.cancel",
    "touchpoints.missed",
    "touchpoints.finish_item",
    "touchpoints.issue_feed",
    "touchpoints.revoke_feed",
    "accounts.mark_departure",
    "accounts.undo_departure",
    "review.record",
    "exports.run_now",
    "exports.set_enabled",
    "knowledge.delete",
    "escalations.record_follow_up",
    "escalations.close",
    "escalations.reopen",
    "escalations.tick_action",
    "escalations.post_mortem",
    "escalations.add_action",
    "escalations.set_follow_up_days",
    "escalations.confirm_threat",
    "escalations.dismiss_threat",
    "survey.answer",
    "survey.send",
    # --- issue 13: calendars ---
    "escalation_admin.new_calendar",
    "escalation_admin.add_closure",
    "escalation_admin.remove_closure",
    "escalation_admin.set_worked",
    "escalation_admin.delete_calendar",
}
EXTRA_PAGES = [
    "/escalations/new?account_id={account}",
    "/touchpoints/new?account_id={account}",
    "/touchpoints/actions?owner={csm}",
    "/exports/new?kind=accounts&tier=strategic&owner=me",
    "/knowledge/?q=請求",
    "/reports/?start=2025-01-01&end=2025-03-31&tier=strategic&owner={csm}",
]
ROOT = Path(__file__).resolve().parent.parent
GROUPS = [
    "accounts",
    "auth",
    "escalations",
    "escalation_admin",
    "sponsorship",
    "notifications",
    "touchpoints",
    "review",
    "exports",
    "knowledge",
    "survey",
    "reports",
]


# -- crawling -------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    options: list = field(default_factory=list)  # (value, selected)
    on: bool = False  # checked checkbox or radio


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: list = field(default_factory=list)
    endpoint: str = ""

    @property
    def names(self) -> list[str]:
        seen = []
        for f in self.fields:
            if f.name not in seen:
                seen.append(f.name)
        return seen

    @property
    def key(self):
        return (self.method, self.endpoint, tuple(sorted(self.names)))


class PageParser(HTMLParser):
    """The forms of a page (with their fields) and the query parameters of its links."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(
                page=self.page,
                method=(a.get("method") or "get").upper(),
                action=a.get("action") or self.page,
            )
            self.forms.append(self._form)
        elif self._form is None or (tag not in ("option",) and not a.get("name")):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self._form.fields.append(
                Field(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""))
            )
            self._form.fields[-1].on = "checked" in a
        elif tag == "button":
            self._form.fields.append(Field(a["name"], "button", a.get("value", "")))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = Field(a["name"], kind)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(self._option)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the newline right after <textarea>.
            self._textarea.value = self._textarea.value.removeprefix("\r\n").removeprefix("\n")
            self._textarea = None


def parse_page(html: str, page: str) -> PageParser:
    parser = PageParser(page)
    parser.feed(html)
    for form in parser.forms:
        for f in form.fields:
            f.options = [(v if v is not None else text.strip(), s) for v, s, text in f.options]
    return parser


def endpoint_of(app, url: str, method: str) -> str:
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method=method)
    except (NotFound, MethodNotAllowed):
        return ""
    return endpoint


# -- the book, its fingerprint and its restoration -------------------------------------------


def fingerprint(app) -> dict[str, int]:
    """Row counts of every table and the sum of every version column: a write changes it."""
    with app.app_context(), db.engine.connect() as conn:
        return dict(conn.execute(_fingerprint_query()).one()._mapping)


@cache
def _fingerprint_query():
    tables = db.metadata.sorted_tables
    counts = [
        sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables
    ]
    versions = [
        sa.select(sa.func.coalesce(sa.func.sum(t.c.version), 0))
        .scalar_subquery()
        .label(f"{t.name}.version")
        for t in tables
        if "version" in t.c
    ]
    return sa.select(*counts, *versions)


def take_snapshot(app) -> dict:
    with app.app_context(), db.engine.connect() as conn:
        return {
            t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
            for t in db.metadata.sorted_tables
        }


def restore(app, snapshot: dict) -> None:
    """Put every table back as it was when the snapshot was taken."""
    tables = db.metadata.sorted_tables
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(tables):  # DELETE: TRUNCATE costs more on small tables
                conn.execute(sa.delete(table))
            for table in tables:
                if snapshot[table.name]:
                    conn.execute(sa.insert(table), snapshot[table.name])


# -- requests and failures -----------------------------------------------------------------


@dataclass
class Failure:
    method: str
    path: str
    field: str
    value: object
    status: object
    error: str = ""

    def line(self) -> str:
        return f"{self.method} {self.path} {self.field}={shown(self.value)} -> {self.status}"


def shown(value) -> str:
    if value is OMITTED:
        return "<omitted>"
    if value is TWO_VALUES:
        return "<two values>"
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:12]!r}…({len(value)} chars)"
    return repr(value)


def describe_error(error: BaseException) -> str:
    """The exception's last line and the innermost frame of our own code."""
    last = traceback.format_exception_only(error)[-1].strip().splitlines()[0][:160]
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if f.filename.startswith(str(ROOT))
        and "/.venv/" not in f.filename
        and "/tests/" not in f.filename
    ]
    where = ""
    if frames:
        f = frames[-1]
        where = f" [{Path(f.filename).relative_to(ROOT)}:{f.lineno} in {f.name}]"
    return last + where


class Fuzzer:
    """Sends requests as one signed-in admin and collects what went wrong."""

    addresses = None
    csrf_tried = False
    dirty = 0  # saves since the book was put back
    versions = ()

    def __init__(self, app, client, ids=None):
        self.app, self.client, self.ids = app, client, ids
        self.failures: list[Failure] = []
        self.unique = count(1)
        self.requests = 0
        if ids is None:  # signed out
            self.token = csrf_token(client, "/login")
            self.snapshot = take_snapshot(app)
            self.known = None
        else:
            self.sign_in()

    def sign_in(self):
        login(self.client, self.app, self.ids["admin"])
        self.token = csrf_token(self.client, "/profile")
        self.snapshot = take_snapshot(self.app)
        self.known = None

    def send(self, method, path, what, value, **kwargs):
        """One request; returns its status (or None when it raised), failures recorded."""
        self.requests += 1
        if self.addresses is not None:  # each request from an address of its own
            self.client.environ_base["REMOTE_ADDR"] = f"10.{next(self.addresses) % 250}.0.1"
        try:
            response = self.client.open(path, method=method, **kwargs)
            response.get_data()  # a streamed body runs its generator here
        except Exception as error:  # noqa: BLE001 - every exception is a finding
            self.failures.append(Failure(method, path, what, value, 500, describe_error(error)))
            return None
        if response.status_code >= 500:
            self.failures.append(Failure(method, path, what, value, response.status_code))
        return response.status_code

    def post(self, form: Form, what, value, data: MultiDict, check_writes=True):
        before = (self.known or fingerprint(self.app)) if check_writes else None
        self.known = None
        status = self.send("POST", form.action, what, value, data=data)
        if status is None:
            self.restore()
            return status
        if status in REFUSED and check_writes:
            after = self.known = fingerprint(self.app)
            changed = sorted(k for k in after if after[k] != before[k])
            if changed:
                self.failures.append(
                    Failure(
                        "POST",
                        form.action,
                        what,
                        value,
                        status,
                        f"refused but wrote: {', '.join(changed)}",
                    )
                )
                self.restore()
        elif status < 400:
            self.dirty += 1
            if form.endpoint == "auth.logout":
                self.sign_in()
            elif (
                form.endpoint in CHANGES_STATE
                or any(isinstance(v, str) and len(v) > 1000 for _n, v in data.items(multi=True))
                or self.dirty > 10
            ):  # long texts and many rows would slow every later page
                self.restore()
            elif "version" in form.names:
                self.follow_version(form, before)
        return status

    def check(self):
        """Fail with every failure collected, grouped by cause."""
        if self.failures:
            pytest.fail(report(self.failures, self.requests), pytrace=False)

    def follow_version(self, form: Form, before):
        """After a save, the form's `version` as the page would now show it: raised as much as
        the one updated record's was (rows added start at 1); else the book is put back."""
        after = self.known = fingerprint(self.app)
        before = before or after
        raised = [
            (after[k] - before[k])
            - (after[k.removesuffix(".version")] - before[k.removesuffix(".version")])
            for k in after
            if k.endswith(".version")
        ]
        raised = [n for n in raised if n]
        (version,) = [f for f in form.fields if f.name == "version"]
        if len(raised) == 1 and raised[0] > 0 and version.value.isdigit():
            version.value = str(int(version.value) + raised[0])
        elif raised:
            self.restore()

    def start(self, form: Form):
        """Before a form's turn: the book as seeded, the form's version as crawled."""
        if self.dirty:
            self.restore()
        self.versions = [(f, f.value) for f in form.fields if f.name == "version"]

    def restore(self):
        restore(self.app, self.snapshot)
        self.known = None
        self.dirty = 0
        for version, crawled_value in self.versions:
            version.value = crawled_value


# -- form values -----------------------------------------------------------------------------


def baseline(form: Form) -> list[tuple[str, str]]:
    """What a person would send: the page's values, empty required-looking fields filled in."""
    overrides = BASELINE.get(form.endpoint, {})
    pairs = []
    for f in form.fields:
        if f.kind in ("submit", "button", "file", "reset", "image"):
            continue
        if f.name in overrides:
            if (f.name, overrides[f.name]) not in pairs:
                pairs.append((f.name, overrides[f.name]))
            continue
        if f.kind in ("checkbox", "radio"):
            if f.on:
                pairs.append((f.name, f.value))
            elif f.name in FILL and f.value == FILL[f.name]:  # e.g. a user needs a role
                if not any(g.on for g in form.fields if g.name == f.name):
                    pairs.append((f.name, f.value))
            continue
        if f.kind in ("select", "select-multiple"):
            chosen = [v for v, selected in f.options if selected]
            if not chosen and f.kind == "select":
                real = [v for v, _s in f.options if v]
                chosen = real[:1] or [v for v, _s in f.options][:1]
            pairs += [(f.name, v) for v in chosen]
            continue
        value = f.value
        if not value and f.name in FILL:
            value = FILL[f.name]
        elif not value and f.kind == "date":
            value = date.today().isoformat()
        elif not value and f.kind == "datetime-local":
            value = "2030-01-02T10:00"
        pairs.append((f.name, value))
    return pairs


def second_value(form: Form, name: str, first: str) -> str:
    options = [v for f in form.fields if f.name == name for v, _s in f.options if v != first]
    return options[0] if options else "2"


def with_value(form: Form, pairs, name: str, value, token: str, unique: int) -> MultiDict:
    data = MultiDict()
    data.add("csrf_token", token)
    replaced = False
    for n, v in pairs:
        if n == name:
            if replaced:
                continue
            replaced = True
            if value is OMITTED:
                continue
            if value is TWO_VALUES:
                v = v.replace("{n}", str(unique))
                data.add(n, v)
                data.add(n, second_value(form, n, v))
                continue
            v = value
        else:
            v = v.replace("{n}", str(unique))
        data.add(n, v)
    if not replaced and value is not OMITTED:
        data.setlist(name, ["1", "2"] if value is TWO_VALUES else [value])
    return data


def all_fields(form: Form, value, token: str) -> MultiDict:
    data = MultiDict({"csrf_token": token})
    for name in form.names:
        if name == "csrf_token" or value is OMITTED:
            continue
        data.setlist(name, ["1", "2"] if value is TWO_VALUES else [value])
    return data


def upload_variants():
    """(label, filename, bytes) for a file field."""
    csv_text = "name,domain\nFuzz Upload,fuzz-upload.example.com\n"
    yield "valid", "accounts.csv", csv_text.encode()
    yield "empty", "accounts.csv", b""
    yield "binary", "accounts.csv", bytes(range(256))
    yield "nul", "accounts.csv", b"name,domain\nA\x00B,nul.example.com\n"
    yield "long line", "accounts.csv", b"name,domain\n" + b"x" * 200_000 + b",a.example.com\n"
    yield "no rows", "accounts.csv", b"name,domain\n"
    yield (
        "hostile names",
        "accounts.csv",
        (
            "name,domain,tier,arr,health_score,renewal_date\n"
            f'"<b>x</b>",hostile.example.com,{"9" * 30},1e309,{2**63},0000-00-00\n'
            "' OR 1=1 --,sql.example.com,growth,NaN,-1,2026-02-30\n"
        ).encode(),
    )
    yield (
        "shift_jis",
        "accounts.csv",
        "name,domain\n株式会社テスト,sjis.example.com\n".encode("cp932"),
    )
    for name in ("../../etc/passwd", "<b>x</b>.csv", "a\x00b.csv", "Ｘ" * 300 + ".csv", ""):
        yield f"filename {shown(name)}", name, csv_text.encode()


# -- the crawl -------------------------------------------------------------------------------


def crawl(fuzzer: Fuzzer):
    """Every GET page as admin: its forms (deduplicated) and query parameters by path."""
    app, ids = fuzzer.app, fuzzer.ids
    pages = [url for endpoint, url in route_urls(app, ids) if endpoint != "auth.login"]
    pages += [p.format(**ids) for p in EXTRA_PAGES]
    forms: dict[tuple, list[Form]] = defaultdict(list)
    parameters: dict[str, set[str]] = defaultdict(set)
    for page in pages:
        response = fuzzer.client.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        parsed = parse_page(response.get_data(as_text=True), page)
        for form in parsed.forms:
            form.endpoint = endpoint_of(app, form.action, form.method)
            if form.method == "GET":
                path = urlsplit(form.action).path
                parameters[path].update(n for n in form.names if n != "csrf_token")
            elif form.endpoint:
                forms[form.key].append(form)
        for link in parsed.links:
            parts = urlsplit(link)
            parameters[parts.path].update(name for name, _v in parse_qsl(parts.query))
    return forms, parameters


def pick_instance(fuzzer: Fuzzer, instances: list[Form]) -> Form:
    """Of the same form on several pages (other records), the first that a valid submission
    gets through, so the hostile values meet the path that saves."""
    for form in instances:
        if form.endpoint == "auth.logout":
            return form
        data = with_value(form, baseline(form), "", OMITTED, fuzzer.token, next(fuzzer.unique))
        status = fuzzer.post(form, "(baseline)", "", data, check_writes=False)
        if status is not None and status < 400:
            return form
    return instances[0]


def fuzz_form(fuzzer: Fuzzer, form: Form):
    fuzzer.start(form)
    names = [n for n in form.names if n != "csrf_token"]
    kinds = {f.name: f.kind for f in form.fields}
    files = [n for n in names if kinds[n] == "file"]
    for name in names:
        if kinds[name] == "file":
            continue
        for value in FOR_PICKERS if kinds[name] in PICKERS else ONE_FIELD:
            pairs = baseline(form)  # its version follows the saves
            data = with_value(form, pairs, name, value, fuzzer.token, next(fuzzer.unique))
            for file_name in files:
                data.add(file_name, (io.BytesIO(b"name,domain\nA,a-file.example.com\n"), "a.csv"))
            fuzzer.post(form, name, value, data)
    for label, filename, content in upload_variants() if files else ():
        for file_name in files:
            data = with_value(form, baseline(form), "", OMITTED, fuzzer.token, next(fuzzer.unique))
            data.add(file_name, (io.BytesIO(content), filename))
            fuzzer.post(form, file_name, label, data)
    for value in HOSTILE if len(names) > 1 else ():  # with one field, that was done above
        fuzzer.post(form, "(every field)", value, all_fields(form, value, fuzzer.token))
    if not fuzzer.csrf_tried:  # the same check guards every form: once is enough
        fuzzer.csrf_tried = True
        for value in CSRF_VALUES:
            data = with_value(
                form, baseline(form), "csrf_token", value, fuzzer.token, next(fuzzer.unique)
            )
            fuzzer.post(form, "csrf_token", value, data)


def report(failures: list[Failure], requests: int) -> str:
    by_cause = defaultdict(list)
    for failure in failures:
        by_cause[failure.error or f"status {failure.status}"].append(failure)
    lines = [f"{len(failures)} of {requests} requests failed, {len(by_cause)} causes:"]
    for cause, group in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"\n[{len(group)}x] {cause}")
        lines += [f"    {f.line()}" for f in group[:8]]
        if len(group) > 8:
            rest = sorted({f"{f.method} {f.path} {f.field}" for f in group[8:]})
            lines.append(f"    … and {len(group) - 8} more: {'; '.join(rest)[:600]}")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Saving a password hashes it with scrypt (a tenth of a second): hundreds of saves here
    would take minutes, and the hash is not what these tests look at."""
    cheap = partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr("app.auth.models.generate_password_hash", cheap)
    monkeypatch.setattr("app.auth.services._dummy_hash", lambda: cheap("not a password"))


@pytest.fixture(autouse=True)
def no_background_exports(monkeypatch):
    """Run now's export is not run in a thread here: the request's own writes (the run row)
    are what these tests look at, and a thread would write into the book as it is restored."""
    monkeypatch.setattr("app.exports.runner.run_in_background", lambda run_id: None)


@pytest.fixture
def fuzzer(app, client):
    ids = seed_book(app)
    return Fuzzer(app, client, ids)


_crawls = {}


def crawled(fuzzer: Fuzzer):
    """The crawl of the seeded book; the same seed (same ids) gives the same pages."""
    key = tuple(sorted(fuzzer.ids.items()))
    if key not in _crawls:
        _crawls.clear()
        _crawls[key] = crawl(fuzzer)
    forms, parameters = _crawls[key]
    return deepcopy(forms), deepcopy(parameters)


@pytest.mark.parametrize("group", GROUPS)
def test_every_form_field_takes_hostile_values(fuzzer, group):
    forms, _parameters = crawled(fuzzer)
    fuzzed = set()
    for instances in forms.values():
        if instances[0].endpoint.split(".")[0] != group:
            continue
        form = pick_instance(fuzzer, instances)
        fuzz_form(fuzzer, form)
        fuzzed.add(form.endpoint)
    routes = {
        rule.endpoint
        for rule in fuzzer.app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint.split(".")[0] == group
    }
    for endpoint in sorted(routes - fuzzed - {"auth.login"}):
        fuzzer.failures.append(Failure("POST", endpoint, "-", "-", "-", "no form on any page"))
    fuzzer.check()


def test_every_blueprint_is_fuzzed(app):
    blueprints = {
        rule.endpoint.split(".")[0]
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint != "auth.login"
    }
    assert blueprints <= set(GROUPS)


def test_the_sign_in_form_takes_hostile_values(app, make_user):
    """Signed out, each request from an address of its own so that the lockout (which works:
    it answers 429) does not hide the rest."""
    make_user("admin", email="someone@example.test")
    fuzzer = Fuzzer(app, app.test_client())
    fuzzer.addresses = count(1)
    (form,) = parse_page(fuzzer.client.get("/login").get_data(as_text=True), "/login").forms
    form.endpoint = "auth.login"
    fuzz_form(fuzzer, form)
    for value in HOSTILE:
        if value in (OMITTED, TWO_VALUES):
            continue
        fuzzer.send("GET", "/login", "next", value, query_string={"next": value})
        fuzzer.client = app.test_client()  # signed out again
        fuzzer.token = csrf_token(fuzzer.client, "/login")
        credentials = {"email": "someone@example.test", "password": PASSWORD}
        fuzzer.send(
            "POST",
            "/login",
            "next",
            value,
            query_string={"next": value},
            data=credentials | {"csrf_token": fuzzer.token},
        )
    fuzzer.check()


def test_every_query_parameter_takes_hostile_values(fuzzer):
    _forms, parameters = crawled(fuzzer)
    lists = [
        rule.rule
        for rule, _values in route_arguments(fuzzer.app, fuzzer.ids)
        if not rule.arguments
        and "POST" not in rule.methods  # the lists; pages with forms take their own
        and rule.endpoint not in ("main.healthz", "main.index")
    ]
    for url in lists:
        parameters[url].update(LIST_PARAMETERS)
    for path, names in sorted(parameters.items()):
        if not names:
            continue
        for name in sorted(names):
            for value in FOR_QUERIES:
                query = (
                    MultiDict({name: value})
                    if value is not TWO_VALUES
                    else MultiDict([(name, "1"), (name, "2")])
                )
                fuzzer.send("GET", path, name, value, query_string=query)
        for value in HOSTILE:
            if value not in (OMITTED, TWO_VALUES):
                fuzzer.send(
                    "GET", path, "(every parameter)", value, query_string={n: value for n in names}
                )
    fuzzer.check()


def test_path_ids_out_of_range(fuzzer):
    """Every id of every route at the ends of 32- and 64-bit integers, 0 and -1."""
    for method in ("GET", "POST"):
        done = set()
        for rule, values in route_arguments(fuzzer.app, fuzzer.ids, method):
            if rule.rule in done:
                continue
            done.add(rule.rule)
            for name in sorted(values):
                for value in OUT_OF_RANGE_IDS:
                    ids = values | {name: value}
                    path = re.sub(r"<int:(\w+)>", lambda m, ids=ids: str(ids[m[1]]), rule.rule)
                    data = {"csrf_token": fuzzer.token} if method == "POST" else None
                    fuzzer.send(method, path, name, value, data=data)
    fuzzer.check()
