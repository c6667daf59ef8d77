"""``database_policy``: retrying a unit of work that the database turned away for now.

Recognises, besides SQLite's ``database is locked`` (``retry.sqlite``), PostgreSQL's
transient failures: a serialization failure or a deadlock (SQLSTATE 40001, 40P01), the
server shutting down or starting up (57P01 to 57P03), and a connection that was lost (class
08, or SQLAlchemy's ``connection_invalidated``), as the drivers raise them and as SQLAlchemy
wraps them (by attributes, so that this package does not import SQLAlchemy or a driver).
Retry a whole unit of work (a function that opens its own transaction): the failed
transaction wrote nothing, so the retry neither loses nor duplicates anything.
"""

from __future__ import annotations

from retry.policy import Policy
from retry.sqlite import is_sqlite_locked
from retry.waits import wait_full_jitter

# SQLSTATEs worth another try: serialization failure, deadlock, the server going away or
# not ready yet.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
LOST_CONNECTION_CLASS = "08"
LOST_CONNECTION_NAMES = frozenset(
    {"ConnectionDoesNotExistError", "ConnectionFailureError", "InterfaceError"}
)


def _sqlstate(exc: BaseException) -> str | None:
    for name in ("sqlstate", "pgcode"):
        value = getattr(exc, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _is_transient(exc: BaseException) -> bool:
    state = _sqlstate(exc)
    if state is not None:
        return state in TRANSIENT_SQLSTATES or state.startswith(LOST_CONNECTION_CLASS)
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & LOST_CONNECTION_NAMES) and "connection" in str(exc).lower()


def is_transient_database_error(exc: BaseException) -> bool:
    """True for a database error that another try of the same work may not meet."""
    if is_sqlite_locked(exc):
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    seen: set[int] = set()
    candidate: BaseException | None = exc
    while candidate is not None and id(candidate) not in seen:  # the driver's error, wrapped
        seen.add(id(candidate))
        if _is_transient(candidate):
            return True
        found = getattr(candidate, "orig", None) or candidate.__cause__
        candidate = found if isinstance(found, BaseException) else None
    return False


database_policy = Policy(
    max_tries=8,
    wait=wait_full_jitter(initial=0.2, maximum=5.0),
    retry_on=is_transient_database_error,
)
