"""What time it is for the scheduler's jobs and for `notify`: the current time, UTC.

One seam for tests, and only for tests: when the app is TESTING and its config names a
TESTING_CLOCK_FILE, the time is the one written in that file (ISO 8601, with its offset),
advanced by the real time since the file was last written. A test that runs a real
`flask scheduler run` process writes 03:00 into the file, then 09:00, and watches what the
process does at each (tests/test_scheduler_hours.py). No configuration sets the file (it is
given to one test's own app), and outside TESTING it is ignored.
"""

import os
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.models import utcnow


def now() -> datetime:
    """The current time (UTC); under TESTING with a TESTING_CLOCK_FILE, the file's time."""
    config = current_app.config
    path = config.get("TESTING_CLOCK_FILE") if config.get("TESTING") else None
    return time_in_file(path) if path else utcnow()


def time_in_file(path: str) -> datetime:
    """The time written in the file, advanced by the real time since it was written."""
    with open(path) as file:
        written = datetime.fromisoformat(file.read().strip())
    elapsed = utcnow().timestamp() - os.stat(path).st_mtime
    return written.astimezone(UTC) + timedelta(seconds=max(elapsed, 0.0))
