"""The knowledge note form."""

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext
from app.versioning import VersionedForm


class NoteForm(VersionedForm):
    title = StringField(
        lazy_pgettext("knowledge note", "Title"),
        validators=[DataRequired(message=_l("Give the note a title.")), Length(max=200)],
    )
    symptoms = TextAreaField(
        _l("Symptoms"),
        validators=[DataRequired(message=_l("Say what the customer saw.")), Length(max=20000)],
        description=_l("What the customer saw or said: the words someone will search for."),
    )
    resolution = TextAreaField(
        _l("Resolution"),
        validators=[DataRequired(message=_l("Say what solved it.")), Length(max=20000)],
        description=_l("What solved it, and why it happened."),
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=400)],
        description=_l("Separate tags with commas."),
    )
    submit = SubmitField(_l("Save note"))

    def tag_list(self) -> list[str]:
        data = self.tags.data or ""
        if not isinstance(data, str):  # the record's own tags, filled in from obj=note
            data = ",".join(data)
        return [t for t in data.split(",") if t.strip()]

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "symptoms": self.symptoms.data.strip(),
            "resolution": self.resolution.data.strip(),
        }
