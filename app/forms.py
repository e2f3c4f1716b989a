"""Form pieces every domain uses: the button-only form, check-box lists, select choices from
label mappings, a number chosen from a list, and reading numbers as people type them
(full-width digits, thousands separators)."""

import unicodedata
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import FieldList, SelectField, SelectMultipleField, SubmitField, widgets
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.formatting import minor_units_exponent
from app.i18n import lazy_gettext as _l

# A plain option's markup by (value, label, selected): a pure function of its key, so it can
# serve every request and reader. Bounded: emptied when full, as a process lives long.
_OPTIONS: dict[tuple, Markup] = {}
_OPTIONS_KEPT = 20_000


class Select(widgets.Select):
    """WTForms' select, with the same markup, drawing a plain option in one step: WTForms
    builds each option's attributes through `html_params` (about 10 µs an option), and the
    user pickers offer every active user (the escalation page drew 1,200 options, 12 ms).
    An option whose value and label are plain text is escaped once per process, not per
    request (escaping stayed 6 ms of that page); a lazy label is translated per request."""

    @classmethod
    def render_option(cls, value, label, selected, **kwargs):
        if kwargs or isinstance(value, bool):  # attributes of its own, or True / False
            return super().render_option(value, label, selected, **kwargs)
        if type(label) is not str or type(value) not in (str, int):
            return _option(value, label, selected)
        key = (value, label, bool(selected))
        markup = _OPTIONS.get(key)
        if markup is None:
            if len(_OPTIONS) >= _OPTIONS_KEPT:
                _OPTIONS.clear()
            markup = _OPTIONS[key] = _option(value, label, selected)
        return markup


def _option(value, label, selected) -> Markup:
    chosen = "selected " if selected else ""
    return Markup(f'<option {chosen}value="{escape(value)}">{escape(label)}</option>')


# Every select of the app is drawn by it (wtforms' fields name their widget as a class attribute).
SelectField.widget = Select()
SelectMultipleField.widget = Select(multiple=True)


class ConfirmForm(FlaskForm):
    """A button-only POST: the CSRF token is all it carries."""

    submit = SubmitField(_l("Confirm"))


class RowList(FieldList):
    """A FieldList whose row numbers are ASCII digits only: WTForms takes any key whose index
    passes `str.isdigit()` ("²" does) and then fails on `int()` with a server error."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) < 10:
                    yield int(index)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NumberChoiceField(SelectField):
    """A number chosen from a list (a cadence: none, every month, every quarter...), or none
    (None: the empty choice). A stored number the list lacks is offered too (`keep`, labelled
    by `name_of`), so saving the page keeps it; any other value is refused with `message`."""

    def __init__(self, label=None, validators=None, *, numbers, name_of, message, **kwargs):
        self.numbers = tuple(numbers)
        self.name_of = name_of
        self.message = message
        super().__init__(label, validators, coerce=_number_or_none, choices=[], **kwargs)
        self._offer(self.numbers)

    def _offer(self, numbers) -> None:
        self.choices = [("", _l("None"))] + [(str(n), self.name_of(n)) for n in sorted(numbers)]

    def keep(self, value) -> None:
        """Offer `value` (a stored number) besides the usual ones."""
        try:
            number = _number_or_none(value)
        except ValueError:
            return
        offered = {int(v) for v, _label in self.choices if v}
        if number is not None and number not in offered:
            self._offer(offered | {number})

    def process_data(self, value):
        try:
            self.data = _number_or_none(value)
        except ValueError:
            self.data = None

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = _number_or_none(valuelist[0])
            except ValueError:
                self.data = _REFUSED

    def pre_validate(self, form):
        if self.data is not None and str(self.data) not in {v for v, _label in self.choices}:
            raise ValidationError(self.message)

    @property
    def shown(self) -> str:
        """The chosen option's label ("" for none), for pages that read without a form."""
        return str(dict(self.choices).get("" if self.data is None else str(self.data), ""))


_REFUSED = object()  # sent, but not a number


def _number_or_none(value) -> int | None:
    """A choice's number: "", "0" and None are none; ValueError when it is not a number."""
    if value is None or isinstance(value, int):
        number = value
    else:
        text = halfwidth(str(value))
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= 6):
            raise ValueError(text)
        number = int(text)
    return number if number and number > 0 else None


def keep_stored_numbers(form, stored) -> None:
    """Offer each NumberChoiceField of `form` the number `stored` (a record, or its values as
    the form shows them) holds for it, when the usual list lacks it."""
    if stored is None:
        return
    for field in form:
        if isinstance(field, NumberChoiceField):
            field.keep(getattr(stored, field.name, None))


def choices(labels) -> list[tuple[str, object]]:
    """A select field's choices from an enum -> label mapping, in the mapping's order."""
    return [(member.value, text) for member, text in labels.items()]


def halfwidth(text: str | None) -> str:
    """Full-width digits and signs typed with a Japanese IME, as ASCII: '１２，０００' -> '12,000'.

    NFKC, so it is for numbers, dates and codes, never for names (it would rewrite their
    half-width katakana).
    """
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_amount(text: str, currency: str, negative=None) -> Decimal:
    """An ARR as a person types it ('1,200,000', '1200000.50', '１２，０００'); ValueError why
    (`negative`: what to say of a negative amount, when it is not an ARR)."""
    cleaned = "".join(halfwidth(text).replace(",", "").replace("_", "").split())
    if not cleaned:
        raise ValueError(_l("Enter the ARR (0 if none)."))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError(_l("Enter a number such as 1200000 or 1200000.50."))
    if amount < 0:
        raise ValueError(negative or _l("The ARR cannot be negative."))
    places = minor_units_exponent(currency)
    if -amount.as_tuple().exponent > places:
        raise ValueError(
            _l("%(currency)s amounts have no decimals.", currency=currency)
            if places == 0
            else _l(
                "%(currency)s amounts have at most %(n)d decimals.", currency=currency, n=places
            )
        )
    if amount >= Decimal(10) ** 15:
        raise ValueError(_l("That amount is too large."))
    return amount
