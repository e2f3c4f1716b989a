"""Writing an export's rows to the file people open: CSV (UTF-8 with a BOM, or cp932 for
Japanese Excel) or XLSX (xlsxwriter in constant-memory mode).

Both write a header of the columns' titles in the current language (the runner forces the
owner's) and read the rows once, as they stream from the database.
- CSV: dates YYYY-MM-DD, date-times "YYYY-MM-DD HH:MM" in the reader's zone, money formatted
  for people in the current locale ("¥1,200,000", "$12,345.00"), labels translated, cells a
  spreadsheet would run as a formula neutralised. cp932 (Windows' Shift_JIS, which holds ①, ㈱,
  髙 and ～ that Python's shift_jis refuses): a character it cannot hold is written as "?" and
  counted, never a failed export.
- XLSX: typed cells (dates as Excel dates, money as numbers with a currency format per
  currency, integers as numbers; text always as text, never a formula), a frozen header row,
  an autofilter over the rows written, column widths from the titles and the first rows.
"""

import codecs
import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from itertools import chain, islice
from pathlib import Path

import xlsxwriter
from babel.numbers import get_currency_precision, get_currency_symbol
from flask_babel import get_timezone
from flask_babel import gettext as _

from app.accounts.importing import FORMULA_START, spreadsheet_safe
from app.exports.models import CsvEncoding
from app.formatting import label, money, zone_or_default
from app.i18n import lazy_gettext as _l
from app.models import DomainError

PROGRESS_EVERY = 1000  # rows
MINUTE = "%04d-%02d-%02d %02d:%02d"  # a date-time in a CSV
SAMPLE_ROWS = 100  # rows read for the column widths (XLSX)
MIN_WIDTH, MAX_WIDTH = 6, 60
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header

# Characters cp932 lacks that Windows writes with a cp932 character of the same meaning: the
# yen and pound signs (money in the "en" locale), and the Shift_JIS forms of the wave dash,
# minus, double vertical line and em dash that text typed on a Mac or from old Shift_JIS data
# carries. They are written as these, not as "?", and are not reported.
CP932_EQUIVALENTS = {
    "\u00a5": "\uffe5",  # ¥ -> ￥
    "\u00a3": "\uffe1",  # £ -> ￡
    "\u00a2": "\uffe0",  # ¢ -> ￠
    "\u00ac": "\uffe2",  # ¬ -> ￢
    "\u301c": "\uff5e",  # 〜 -> ～
    "\u2212": "\uff0d",  # − -> －
    "\u2016": "\u2225",  # ‖ -> ∥
    "\u2014": "\u2015",  # — -> ―
}
# The characters the current CSV encoding could not hold, counted by the error handler.
_replaced: ContextVar[Counter] = ContextVar("export_replaced")


def _replace_and_count(error: UnicodeEncodeError):
    counter = _replaced.get()
    written = []
    for character in error.object[error.start : error.end]:
        equivalent = CP932_EQUIVALENTS.get(character) if error.encoding == "cp932" else None
        if equivalent is None:
            counter[character] += 1
        written.append(equivalent or "?")
    return "".join(written), error.end


codecs.register_error("export_replace_count", _replace_and_count)


def cp932_text(text: str) -> bool:
    """Whether cp932 holds the text (with the equivalents above)."""
    try:
        text.translate(str.maketrans(CP932_EQUIVALENTS)).encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


class TooManyRows(DomainError):
    pass


@dataclass
class Written:
    rows: int
    pages: int | None = None
    replaced: dict[str, int] = field(default_factory=dict)  # {"😀": 2}


def _zone(zone) -> tzinfo:
    if zone is not None:
        return zone
    current = get_timezone()
    return zone_or_default(getattr(current, "zone", None) or str(current))


# ---- values for people (CSV) -------------------------------------------------------------


def _money_text(cp932: bool = False) -> Callable[[tuple | None], str]:
    """(minor, currency) as money() shows it in the current locale. money() re-applies the
    locale's pattern for each amount (tens of microseconds); an export formats hundreds of
    thousands, so the pattern is applied once per currency to a sample and, where the locale
    writes numbers as Python does ("1,234,567.89"), amounts are put in its place directly.
    `cp932`: a currency whose symbol cp932 cannot hold (€) is written with its code
    ("EUR 1,234.50") rather than "?"."""
    shapes: dict[str, tuple | None] = {}

    def shape(currency: str):
        if currency not in shapes:
            digits = get_currency_precision(currency)
            sample = 123456789 * 10**digits
            number = f"{123456789:,}" + ("." + "0" * digits if digits else "")
            shown = money(sample, currency)
            parts = shown.split(number)
            # Negative amounts put the sign in front in the locales the app speaks; elsewhere
            # they are left to money().
            signed = money(-sample, currency) == "-" + shown
            shapes[currency] = (parts[0], parts[1], digits, signed) if len(parts) == 2 else None
            if cp932 and not cp932_text(shown):
                shapes[currency] = (f"{currency} ", "", digits, True)
        return shapes[currency]

    def text(value) -> str:
        if value is None:
            return ""
        minor, currency = value
        found = shape(currency)
        if found is None:
            return money(minor, currency)
        prefix, suffix, digits, signed = found
        sign = ""
        if minor < 0:
            if not signed:
                return money(minor, currency)
            sign, minor = "-", -minor
        if not digits:
            return f"{sign}{prefix}{minor:,}{suffix}"
        whole, cents = divmod(minor, 10**digits)
        return f"{sign}{prefix}{whole:,}.{cents:0{digits}d}{suffix}"

    return text


class _Labels(dict):
    """A label cell's value -> its label in the current language, looked up once each. The
    value is an enum member, or the enum's stored value when the column names its enum."""

    def __init__(self, enum_cls=None, safe=spreadsheet_safe):
        super().__init__()
        self.enum_cls, self.safe = enum_cls, safe

    def __missing__(self, value):
        if value is None:
            text = ""
        else:
            member = value
            if self.enum_cls is not None and not isinstance(value, self.enum_cls):
                try:
                    member = self.enum_cls(value)
                except ValueError:
                    member = value
            text = self.safe(label(member))
        self[value] = text
        return text


def _column_texts(columns, zone, cp932: bool = False) -> list[Callable[[tuple], list]]:
    """Per column, a function from one batch's values of that column to the CSV texts.

    A batch is converted column by column, in list comprehensions: hundreds of thousands of
    rows times a dozen columns make a call per cell the slowest part of an export."""
    yes, no = _("Yes"), _("No")

    def text(values):
        return [("'" + v if v.startswith(FORMULA_START) else v) if v else "" for v in values]

    def number(values):
        return ["" if v is None else v for v in values]

    def day(values):
        return ["" if v is None else v.isoformat() for v in values]

    def moment(values):
        # "2026-03-01 00:30": "%" formatting is the fastest way to it (f-strings and isoformat
        # are slower), and this is the costliest cell of an export.
        found = []
        for v in values:
            if v is None:
                found.append("")
                continue
            t = (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(zone)
            found.append(MINUTE % (t.year, t.month, t.day, t.hour, t.minute))
        return found

    def boolean(values):
        return ["" if v is None else yes if v else no for v in values]

    def for_money():
        amount = _money_text(cp932)
        return lambda values: [amount(v) for v in values]

    def for_labels(column):
        labels = _Labels(column.enum)
        return lambda values: [labels[v] for v in values]

    by_type = {"text": text, "int": number, "date": day, "datetime": moment, "bool": boolean}
    found = []
    for column in columns:
        if column.type == "money":
            found.append(for_money())
        elif column.type == "label":
            found.append(for_labels(column))
        else:
            found.append(by_type[column.type])
    return found


# ---- CSV ---------------------------------------------------------------------------------


def write_csv(
    stream,
    columns,
    rows: Iterable[tuple],
    encoding: CsvEncoding = CsvEncoding.UTF8_BOM,
    progress: Callable[[int], None] | None = None,
    *,
    zone: tzinfo | None = None,
) -> Written:
    """Write the header and rows to the binary `stream`; see the module docstring. Text cells
    hold str (or None); a money cell (minor units, currency code); a label cell an enum member
    or its stored value (Column.enum); a date-time is aware, or naive in UTC."""
    codec = "cp932" if encoding is CsvEncoding.CP932 else "utf-8"
    texts = _column_texts(columns, _zone(zone), cp932=encoding is CsvEncoding.CP932)
    replaced: Counter = Counter()
    token = _replaced.set(replaced)
    try:
        if encoding is CsvEncoding.UTF8_BOM:
            stream.write(codecs.BOM_UTF8)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([spreadsheet_safe(str(c.title)) for c in columns])
        count = 0
        for batch in _batches(rows, PROGRESS_EVERY):
            by_column = zip(*batch, strict=True)
            converted = [convert(values) for convert, values in zip(texts, by_column, strict=True)]
            writer.writerows(zip(*converted, strict=True))
            stream.write(buffer.getvalue().encode(codec, "export_replace_count"))
            buffer.seek(0)
            buffer.truncate()
            count += len(batch)
            if progress is not None:
                progress(count)
        stream.write(buffer.getvalue().encode(codec, "export_replace_count"))
    finally:
        _replaced.reset(token)
    return Written(rows=count, replaced=dict(replaced))


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# ---- XLSX --------------------------------------------------------------------------------


def currency_format(currency: str) -> str:
    """Excel's number format for amounts in the currency: its symbol, its minor digits
    ("[$¥]#,##0", "[$$]#,##0.00")."""
    digits = get_currency_precision(currency)
    symbol = get_currency_symbol(currency, locale="en").replace('"', "")
    return f"[${symbol}]#,##0" + ("." + "0" * digits if digits else "")


def _display_width(text: str) -> int:
    """Characters as a spreadsheet shows them: wide (East Asian) ones count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _widths(columns, titles: list[str], sample: list[tuple], texts: list[Callable]) -> list:
    widths = []
    for i, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        longest = _display_width(titles[i]) + 3  # the autofilter's button
        for row in sample:
            value = texts[i](row[i])
            first_line = str(value).split("\n", 1)[0]
            longest = max(longest, _display_width(first_line) + 1)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, longest)))
    return widths


def write_xlsx(
    path,
    columns,
    rows: Iterable[tuple],
    progress: Callable[[int], None] | None = None,
    *,
    zone: tzinfo | None = None,
) -> Written:
    """Write the header and rows to a new workbook at `path` (one sheet, constant memory: each
    row is written to disk when the next begins); see the module docstring."""
    zone = _zone(zone)
    # Its temporary files go beside the file (the export folder), not to the system's /tmp.
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(Path(path).parent)}
    )
    try:
        return _fill(workbook, columns, rows, progress, zone)
    finally:
        workbook.close()


def _fill(workbook, columns, rows, progress, zone) -> Written:
    sheet = workbook.add_worksheet()
    header = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "bottom": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    money_formats: dict[str, object] = {}
    yes, no = _("Yes"), _("No")
    titles = [str(c.title) for c in columns]

    # Text in a sheet is never run as a formula (write_string): labels need no apostrophe.
    labels = [_Labels(c.enum, safe=str) for c in columns]

    def write_text(r, c, value):
        if value is not None and value != "":
            sheet.write_string(r, c, str(value))

    def write_int(r, c, value):
        if value is not None:
            sheet.write_number(r, c, value)

    def write_date(r, c, value):
        if value is not None:
            sheet.write_datetime(r, c, value, date_format)

    def write_moment(r, c, value):
        if value is not None:
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            sheet.write_datetime(r, c, aware.astimezone(zone).replace(tzinfo=None), datetime_format)

    def write_money(r, c, value):
        if value is None:
            return
        minor, currency = value
        found = money_formats.get(currency)
        if found is None:
            found = money_formats[currency] = workbook.add_format(
                {"num_format": currency_format(currency)}
            )
        digits = get_currency_precision(currency)
        sheet.write_number(r, c, minor / 10**digits if digits else minor, found)

    def write_label(r, c, value):
        if value is not None:
            sheet.write_string(r, c, labels[c][value])

    def write_bool(r, c, value):
        if value is not None:
            sheet.write_string(r, c, yes if value else no)

    writers = {
        "text": write_text,
        "int": write_int,
        "date": write_date,
        "datetime": write_moment,
        "money": write_money,
        "label": write_label,
        "bool": write_bool,
    }
    cell_writers = [writers[c.type] for c in columns]

    iterator = iter(rows)
    sample = list(islice(iterator, SAMPLE_ROWS))
    shown = {
        "money": _money_text(),
        "bool": lambda v: "" if v is None else (yes if v else no),
        "datetime": lambda v: "" if v is None else "0000-00-00 00:00",
        "date": lambda v: "" if v is None else "0000-00-00",
    }
    texts = [
        labels[i].__getitem__
        if c.type == "label"
        else shown.get(c.type, lambda v: "" if v is None else str(v))
        for i, c in enumerate(columns)
    ]
    for i, width in enumerate(_widths(columns, titles, sample, texts)):
        sheet.set_column(i, i, width)

    for c, title in enumerate(titles):
        sheet.write_string(0, c, title, header)
    sheet.freeze_panes(1, 0)
    count = 0
    for row in chain(sample, iterator):
        if count >= XLSX_MAX_ROWS:
            raise TooManyRows(
                _l(
                    "An XLSX sheet holds at most %(limit)s rows and this export has more: "
                    "choose CSV or narrow the filters.",
                    limit=f"{XLSX_MAX_ROWS:,}",
                )
            )
        count += 1
        for c, (write, value) in enumerate(zip(cell_writers, row, strict=True)):
            write(count, c, value)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    sheet.autofilter(0, 0, count, max(0, len(columns) - 1))
    if progress is not None and count % PROGRESS_EVERY:
        progress(count)
    return Written(rows=count)
