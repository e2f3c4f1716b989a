"""The reports page's filters (a GET form: nothing changes, no CSRF token) and the admins'
"Refresh now" button."""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from app.accounts.labels import TIER_LABELS
from app.forms import ConfirmForm, choices
from app.i18n import lazy_gettext as _l
from app.reports.queries import Filters
from app.validators import DateWithin

# A longer range is refused: the page is about trends, not the whole history at once.
MAX_YEARS = 5


def default_range(today: date) -> tuple[date, date]:
    """The last 12 months: from the first day of the month 11 months back to today."""
    month = today.replace(day=1)
    for _ in range(11):
        month = (month - timedelta(days=1)).replace(day=1)
    return month, today


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only chooses what to show

    start = DateField(_l("Created from"), validators=[Optional(), DateWithin(10, 1)])
    end = DateField(_l("Created until"), validators=[Optional(), DateWithin(10, 1)])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    owner = SelectField(_l("Owner"), validators=[Optional()])

    def __init__(self, formdata, owners: list[tuple[int, str]], today: date):
        super().__init__(formdata=formdata)
        self.today = today
        self.tier.choices = [("", _l("All tiers"))] + choices(TIER_LABELS)
        self.owner.choices = [("", _l("All owners"))] + [(str(i), name) for i, name in owners]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        found = self.filters()
        if found.end < found.start:
            self.end.errors.append(_l("The end date must be on or after the start date."))
            return False
        if (found.end - found.start).days > 366 * MAX_YEARS:
            self.start.errors.append(
                _l("Choose a range of at most %(years)d years.", years=MAX_YEARS)
            )
            return False
        return True

    def filters(self) -> Filters:
        """The validated choices, with the default range where a date was left empty."""
        first, last = default_range(self.today)
        start, end = self.start.data or first, self.end.data or last
        if self.start.data and not self.end.data:
            end = max(start, last)
        if self.end.data and not self.start.data:
            start = default_range(end)[0]
        return Filters(
            start=start,
            end=end,
            # Optional() lets a blank (" ") through as "no choice": it means all.
            tier=(self.tier.data or "").strip() or None,
            owner_id=int(self.owner.data) if (self.owner.data or "").strip() else None,
        )


class RefreshForm(ConfirmForm):
    """Refresh now: a button only."""
