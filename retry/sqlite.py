"""``sqlite_policy``: retrying work that found the SQLite database locked.

Recognises ``OperationalError: database is locked`` from sqlite3 and aiosqlite, and the
same error wrapped by SQLAlchemy (by class name and message, so that this package does not
import SQLAlchemy). Retry a whole unit of work (a function that opens its own session or
transaction), never a single statement of a transaction that failed.
"""

from __future__ import annotations

from retry.policy import Policy
from retry.waits import wait_full_jitter

LOCKED_MESSAGE = "database is locked"


def _is_operational_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__)


def is_sqlite_locked(exc: BaseException) -> bool:
    """True for an OperationalError saying the database is locked, or one wrapping it."""
    for candidate in (exc, getattr(exc, "orig", None)):
        if (
            isinstance(candidate, BaseException)
            and _is_operational_error(candidate)
            and LOCKED_MESSAGE in str(candidate).lower()
        ):
            return True
    return False


sqlite_policy = Policy(
    max_tries=5,
    wait=wait_full_jitter(initial=0.1, maximum=2.0),
    retry_on=is_sqlite_locked,
)
