"""Form validators shared by several domains."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


class EmailAddress:
    """A syntactically valid e-mail address; `.test` domains are accepted (demo and tests)."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            validate_email(field.data, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an e-mail address such as name@example.com.")) from None
