"""What a page reads twice is read once per request (app/request_memo.py), and read again after
the request changes something: a user renamed shows renamed in the next picker drawn."""

from contextlib import contextmanager

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.services import user_choices
from app.extensions import db


@contextmanager
def reads_of_users():
    reads = []

    def record(_conn, _cursor, statement, *_args):
        if "user_roles" in statement:
            reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield reads
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def names(choices) -> list[str]:
    return [name for _id, name in choices]


def test_pickers_read_once_per_request_and_again_after_a_change(app, make_user):
    ada = make_user("csm", name="Ada CSM")
    make_user("executive", name="Ben Exec")
    with app.test_request_context("/"), reads_of_users() as reads:
        assert names(user_choices(Role.CSM, Role.AE)) == ["Ada CSM"]
        assert names(user_choices(*Role)) == ["Ada CSM", "Ben Exec"]
        assert len(reads) == 1
        db.session.get(User, ada).name = "Ada Renamed"
        db.session.flush()
        assert names(user_choices(Role.CSM)) == ["Ada Renamed"]
        assert len(reads) == 2
        db.session.rollback()
        assert names(user_choices(Role.CSM)) == ["Ada CSM"]
        assert len(reads) == 3
    with app.test_request_context("/"), reads_of_users() as reads:
        assert names(user_choices(Role.EXECUTIVE)) == ["Ben Exec"]  # a new request reads anew
        assert len(reads) == 1


def test_nothing_is_kept_outside_a_request(app, make_user):
    make_user("csm", name="Ada CSM")
    with app.app_context(), reads_of_users() as reads:
        assert names(user_choices(Role.CSM)) == names(user_choices(Role.CSM)) == ["Ada CSM"]
        assert len(reads) == 2
