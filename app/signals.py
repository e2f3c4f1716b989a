"""Domain signals: how a lower domain tells the domains above it that something happened, or
asks them what they add, without importing them.

Domains depend downward only: core (`app/*.py`) ← auth, audit, notifications ← accounts ←
escalations ← sponsorship (tests/test_import_graph.py keeps it so). When an escalation must
make sponsorship act, escalations sends a signal here and sponsorship subscribes; every
subscription is listed in `app/subscriptions.py`. Receivers run in the sender's transaction:
they change the session and flush, never commit; an exception they raise reaches the sender.
blinker's `send()` returns `(receiver, value)` pairs, so a signal can also collect answers
(`answers()`), e.g. the sections a page shows from the domains above it.
"""

from dataclasses import dataclass, field

from blinker import Namespace
from flask import render_template
from markupsafe import Markup

_signals = Namespace()

# Escalations ---------------------------------------------------------------------------------
escalation_became_executive = _signals.signal(
    "escalation-became-executive",
    doc="Sender: the escalation, raised as executive or turned executive later; kwargs: now.",
)
escalation_stakeholders = _signals.signal(
    "escalation-stakeholders",
    doc="Sender: a tuple of escalations (one, or a sweep's burst). Receivers return "
    "{escalation id: [user, ...]}: who must also hear about each.",
)
escalation_sponsor = _signals.signal(
    "escalation-sponsor",
    doc="Sender: the escalation. Receivers return the account's executive sponsor (a list of "
    "at most one user): the case file names them and tells them what is asked of them.",
)

# Users and accounts --------------------------------------------------------------------------
user_deactivated = _signals.signal(
    "user-deactivated",
    doc="Sender: the user just deactivated; kwargs: actor. Receivers may return a FollowUp.",
)
account_deleting = _signals.signal(
    "account-deleting",
    doc="Sender: the account about to be deleted. A receiver refuses by raising DomainError.",
)
contact_departed = _signals.signal(
    "contact-departed",
    doc="Sender: the contact who just left or changed role (departure and departed_on set); "
    "kwargs: actor, now.",
)
contact_returned = _signals.signal(
    "contact-returned",
    doc="Sender: the contact whose departure was undone (still there after all); kwargs: actor.",
)

# Sponsorship ---------------------------------------------------------------------------------
cadence_changed = _signals.signal(
    "cadence-changed",
    doc="Sender: the sponsorship whose own touchpoint cadence changed, or the ProgramSettings "
    "whose tier cadences changed; kwargs: actor, today, now. Touchpoints moves the untouched "
    "future touchpoints the cadence generated.",
)
sponsorship_flags = _signals.signal(
    "sponsorship-flags",
    doc="Sender: a list of sponsorships a page lists; kwargs: today. Receivers return "
    "{sponsorship id: [lazy label, ...]} (e.g. the cadence is behind); `flags()` merges them.",
)

# Pages that show several domains: receivers return Section(s) ---------------------------------
account_page_sections = _signals.signal(
    "account-page-sections",
    doc="Sender: the account; kwargs: viewer. Slots: actions, top, relationships.",
)
escalation_page_sections = _signals.signal(
    "escalation-page-sections",
    doc="Sender: the escalation; kwargs: viewer. Slots: head, sponsor (in the case file).",
)
user_page_sections = _signals.signal(
    "user-page-sections", doc="Sender: the user shown; kwargs: viewer. Slots: links."
)
today_page_sections = _signals.signal(
    "today-page-sections",
    doc="Sender: the signed-in user whose day it is; kwargs: now, today (their date). Slot: "
    "blocks, the most urgent first (app/main/today.py).",
)
profile_page_sections = _signals.signal(
    "profile-page-sections",
    doc="Sender: the signed-in user on their own profile; kwargs: viewer. Slots: below.",
)


@dataclass(frozen=True)
class FollowUp:
    """What the actor must do next because of an event: a message and the page to do it on."""

    message: str
    endpoint: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A piece of a page from a domain above it: a template with its context, shown in one of
    the page's slots, lowest `order` first."""

    slot: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


class Sections(dict):
    """Rendered HTML by slot; a slot no domain filled renders as nothing."""

    def __missing__(self, slot: str) -> Markup:
        return Markup("")


def answers(sent: list) -> list:
    """The receivers' return values of one `send()`, a list flattened, None left out."""
    found = []
    for _receiver, value in sent:
        if isinstance(value, list | tuple):
            found.extend(value)
        elif value is not None:
            found.append(value)
    return found


def flags(sent: list) -> dict[int, list]:
    """The receivers' {id: [label, ...]} answers of one `send()`, merged by id."""
    merged: dict[int, list] = {}
    for _receiver, value in sent:
        for key, labels in (value or {}).items():
            merged.setdefault(key, []).extend(labels)
    return merged


def page_sections(signal, sender, **kwargs) -> Sections:
    """Ask the receivers of a page signal for their sections and render them by slot."""
    rendered = Sections()
    sections = sorted(answers(signal.send(sender, **kwargs)), key=lambda s: (s.order, s.template))
    for section in sections:
        html = Markup(render_template(section.template, **section.context))
        rendered[section.slot] = rendered[section.slot] + html + Markup("\n")
    return rendered
