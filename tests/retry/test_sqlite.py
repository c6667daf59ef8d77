"""``sqlite_policy`` against a real locked SQLite database, raw and through SQLAlchemy."""

import sqlite3

import pytest
import sqlalchemy as sa

from retry import FakeClock, GaveUp, Retry, is_sqlite_locked, retry, sqlite_policy


@pytest.fixture
def locked_db(tmp_path):
    """A database file, a connection holding an exclusive lock on it, and its path."""
    path = tmp_path / "papers.db"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE papers (id TEXT PRIMARY KEY)")
    setup.commit()
    setup.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield path, holder
    finally:
        holder.close()


def release_after(holder: sqlite3.Connection, clock: FakeClock, n: int):
    """A sleep that releases the lock during the n-th sleep."""

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == n:
            holder.execute("COMMIT")

    return sleep


def test_sqlite3_locked_then_free(locked_db):
    path, holder = locked_db
    clock = FakeClock()
    writer = sqlite3.connect(path, timeout=0)
    tries = []

    @retry(sqlite_policy, sleep=release_after(holder, clock, 2), clock=clock)
    def insert():
        tries.append(1)
        with writer:
            writer.execute("INSERT INTO papers VALUES ('2401.00001')")

    insert()
    writer.close()
    assert len(tries) == 3
    assert len(clock.sleeps) == 2
    assert all(0.0 <= s <= 0.1 * 2**i for i, s in enumerate(clock.sleeps))
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM papers").fetchone() == (1,)
    check.close()


def test_sqlalchemy_operational_error_is_recognised_and_retried(locked_db):
    path, holder = locked_db
    clock = FakeClock()
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    errors = []
    try:
        for attempt in Retry(sqlite_policy, sleep=release_after(holder, clock, 1), clock=clock):
            with attempt:
                try:
                    with engine.begin() as conn:
                        conn.execute(sa.text("INSERT INTO papers VALUES ('2401.00002')"))
                except sa.exc.OperationalError as exc:
                    errors.append(exc)
                    raise
    finally:
        engine.dispose()
    assert attempt.allright and attempt.attempts == 2
    assert len(errors) == 1 and is_sqlite_locked(errors[0])


def test_gives_up_while_the_lock_is_held(locked_db):
    path, _holder = locked_db
    clock = FakeClock()
    writer = sqlite3.connect(path, timeout=0)
    with pytest.raises(GaveUp) as info:
        for attempt in Retry(sqlite_policy, sleep=clock.sleep, clock=clock):
            with attempt:
                writer.execute("INSERT INTO papers VALUES ('2401.00003')")
    writer.close()
    assert info.value.attempts == sqlite_policy.max_tries
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    assert len(clock.sleeps) == sqlite_policy.max_tries - 1


def test_other_operational_errors_are_not_retried(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    calls = []

    @retry(sqlite_policy, sleep=FakeClock().sleep)
    def bad():
        calls.append(1)
        conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        bad()
    conn.close()
    assert calls == [1]


def test_recognition_by_name_and_message():
    class OperationalError(Exception):
        pass

    class Wrapper(Exception):
        def __init__(self, orig):
            super().__init__("wrapped")
            self.orig = orig

    assert is_sqlite_locked(sqlite3.OperationalError("database is locked"))
    assert is_sqlite_locked(OperationalError("(sqlite3.OperationalError) database is locked"))
    assert is_sqlite_locked(Wrapper(sqlite3.OperationalError("database is locked")))
    assert not is_sqlite_locked(sqlite3.OperationalError("disk I/O error"))
    assert not is_sqlite_locked(RuntimeError("database is locked"))
    assert not is_sqlite_locked(KeyboardInterrupt())
