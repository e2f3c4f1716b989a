"""Form validators shared by several domains."""

from datetime import date

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

from app.formatting import local_today
from app.i18n import lazy_gettext as _l


class EmailAddress:
    """A syntactically valid e-mail address; `.test` domains are accepted (demo and tests)."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            validate_email(field.data, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an e-mail address such as name@example.com.")) from None


class DateWithin:
    """A date no more than `years_before` years back and `years_after` ahead of today."""

    def __init__(self, years_before: int = 5, years_after: int = 5):
        self.years_before = years_before
        self.years_after = years_after

    def __call__(self, form, field):
        if field.data is None:
            return
        today = local_today()
        earliest = date(today.year - self.years_before, 1, 1)
        latest = date(today.year + self.years_after, 12, 31)
        if not earliest <= field.data <= latest:
            raise ValidationError(
                _l(
                    "Enter a date between %(earliest)s and %(latest)s.",
                    earliest=earliest.isoformat(),
                    latest=latest.isoformat(),
                )
            )
