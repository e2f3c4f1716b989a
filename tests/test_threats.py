"""Threat flags suggested from English and Japanese descriptions."""

import pytest

from app.escalations.threats import suggest


@pytest.mark.parametrize(
    ("text", "cancellation", "legal"),
    [
        ("We will cancel the contract next month", ["cancel"], []),
        ("They cancelled two seats and threaten termination", ["cancelled", "termination"], []),
        ("Our lawyer will contact you; we may sue.", [], ["lawyer", "sue"]),
        (
            "considering legal action and switching to a competitor",
            ["switching to a competitor"],
            ["legal action"],
        ),
        ("障害が続くなら解約を検討します", ["解約"], []),
        ("契約解除と他社に乗り換えを社内で検討中", ["契約解除", "他社に乗り換え"], []),
        ("弁護士に相談し、訴訟も辞さない。法的措置を取ります", [], ["弁護士", "訴訟", "法的措置"]),
        ("Please reset my password", [], []),
        ("The suede sofa and the attorneyship exam", [], []),  # word boundaries
    ],
)
def test_suggestions(text, cancellation, legal):
    found = suggest(text)
    assert found.cancellation == cancellation
    assert found.legal == legal
    assert found.any == bool(cancellation or legal)
