"""The app's select widget (app/forms.py) draws the markup WTForms' own widget draws, faster:
the user pickers offer every active user."""

import pytest
from wtforms import Form, SelectField, SelectMultipleField, widgets

from app.forms import Select

HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


class PickerForm(Form):
    owner = SelectField(choices=[("", "—"), ("1", "Aiko"), ("2", HOSTILE), (3, "Three")])
    watchers = SelectMultipleField(choices=[("1", "Aiko"), ("2", HOSTILE), ("3", "Ren")])
    grouped = SelectField(choices={"Team A": [("a", "A & co")], "Team B": [("b", "<b>")]})
    marked = SelectField(
        choices=[("x", "Plain", {}), ("y", "Disabled", {"disabled": True, "data_kind": "k"})]
    )
    flag = SelectField(choices=[(True, "Yes"), (False, "No")], coerce=lambda v: v == "True")


def _wtforms_markup(field, **kwargs) -> str:
    return str(widgets.Select(multiple=field.widget.multiple)(field, **kwargs))


@pytest.mark.parametrize("data", [{}, {"owner": "2", "watchers": ["1", "2"], "grouped": "b"}])
def test_every_select_draws_what_wtforms_draws(data):
    form = PickerForm(data=data)
    for field in form:
        assert isinstance(field.widget, Select)
        assert str(field()) == _wtforms_markup(field)
        assert str(field(class_="wide")) == _wtforms_markup(field, class_="wide")


def test_chosen_options_are_selected_and_labels_escaped():
    form = PickerForm(data={"owner": "2", "watchers": ["1", "3"]})
    owner = str(form.owner())
    assert '<option selected value="2">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in owner
    assert "<script>" not in owner
    assert '<option value="1">Aiko</option>' in owner
    watchers = str(form.watchers())
    assert watchers.startswith('<select id="watchers" multiple name="watchers">')
    assert '<option selected value="1">Aiko</option>' in watchers
    assert '<option selected value="3">Ren</option>' in watchers
    assert '<option value="2">' in watchers


def test_a_renamed_person_is_shown_by_their_new_name():
    """Options are kept per (value, label, selected): a new name is a new option, never the
    old one drawn again."""
    before = SelectField(choices=[("7", "Aiko Sato")]).bind(Form(), "owner")
    before.process(None, "7")
    assert '<option selected value="7">Aiko Sato</option>' in str(before())
    after = SelectField(choices=[("7", "Aiko Tanaka"), ("8", "Ren")]).bind(Form(), "owner")
    after.process(None, "8")
    drawn = str(after())
    assert '<option value="7">Aiko Tanaka</option>' in drawn
    assert "Sato" not in drawn
    assert '<option selected value="8">Ren</option>' in drawn


def test_the_kept_options_stay_bounded(monkeypatch):
    from app import forms

    monkeypatch.setattr(forms, "_OPTIONS_KEPT", 50)
    forms._OPTIONS.clear()
    choices = [(str(n), f"Person {n} <{n}>") for n in range(120)]
    field = SelectMultipleField(choices=choices).bind(Form(), "watchers")
    field.process(None, ["3", "110"])
    drawn = str(field())
    assert drawn == _wtforms_markup(field)
    assert len(forms._OPTIONS) <= 50
    assert str(field()) == drawn  # drawn again from what is kept, and what was dropped
