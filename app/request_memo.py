"""Reads one page repeats, kept for the rest of its request: the user pickers (the escalation
page has up to three), an escalation's survey (its panel and the after-care section), an
account's executive sponsor (the case file and the sponsorship section).

What is kept is forgotten when the request's session flushes or its transaction ends, so a
request that changes something reads again after the change. Outside a request (jobs, the
shell) nothing is kept."""

from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEPT = "_request_memo"


def kept(key: Hashable, read: Callable[[], T]) -> T:
    """read(), or what it returned earlier in this request for the same key."""
    if not has_request_context():
        return read()
    memo = vars(request).setdefault(_KEPT, {})  # the request's own, not the app context's
    if key not in memo:
        memo[key] = read()
    return memo[key]


def forget() -> None:
    if has_request_context():
        vars(request).pop(_KEPT, None)


@sa.event.listens_for(Session, "after_flush")
def _flushed(_session, _context) -> None:
    forget()


@sa.event.listens_for(Session, "after_transaction_end")
def _transaction_ended(_session, _transaction) -> None:
    forget()
