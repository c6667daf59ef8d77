"""Plain reads: statements written once, in SQLite's form, run on a session's connection
without the ORM, for the pages that read hundreds of rows at a time (a day's list, a page
of search results).

Statements use ``?`` or ``:name`` parameters, and a list of values is passed as one JSON
parameter (``ids_parameter``) that a statement reads as ``IN (SELECT value FROM
json_each(?))`` (``IDS``). On PostgreSQL (asyncpg) the parameters become ``$1, $2, ...`` in
order and such a list becomes an array: ``= ANY($n)``, its JSON decoded. On SQLite the
statements run on the session's sqlite3 connection itself when it may be used from the event
loop's thread (see ``models.db``): reads of a millisecond or two cost less there than the
two thread hops of each aiosqlite call. On PostgreSQL they are read by the session's asyncpg
connection itself (``postgresql_rows``), without SQLAlchemy's cursor.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import greenlet_spawn

from models.db import LENT, LENT_POOL, READS_ONLY, ends_quietly

Params = Sequence[object] | Mapping[str, object]

IDS = "(SELECT value FROM json_each(?))"

_TOKEN = re.compile(
    r"(?P<ids>\s+IN\s+\(SELECT value FROM json_each\((?P<ids_param>\?|:\w+)\)\))"
    r"|(?P<cast>::)"
    r"|(?P<quoted>'[^']*')"
    r"|(?P<param>\?|:[A-Za-z_]\w*)"
)


def ids_parameter(values: Sequence[object]) -> str:
    """A list of values as one parameter (read by ``IN IDS``)."""
    return json.dumps(list(values))


def _value(params: Params, placeholder: str, position: int) -> object:
    if placeholder == "?":
        assert isinstance(params, Sequence)
        return params[position]
    assert isinstance(params, Mapping)
    return params[placeholder[1:]]


def to_postgresql(statement: str, params: Params = ()) -> tuple[str, tuple]:
    """A SQLite statement and its parameters in asyncpg's form."""
    values: list[object] = []
    positional = 0
    numbers: dict[str, int] = {}

    def number(placeholder: str, decode: bool) -> str:
        nonlocal positional
        if placeholder != "?" and placeholder in numbers:
            return f"${numbers[placeholder]}"
        value = _value(params, placeholder, positional)
        if placeholder == "?":
            positional += 1
        values.append(json.loads(value) if decode and isinstance(value, str) else value)
        numbers[placeholder] = len(values)
        return f"${len(values)}"

    def replace(match: re.Match[str]) -> str:
        if match.group("ids"):
            return f" = ANY({number(match.group('ids_param'), True)})"
        if match.group("param"):
            return number(match.group("param"), False)
        return match.group(0)

    return _TOKEN.sub(replace, statement), tuple(values)


def to_postgresql_many(statement: str, rows: Sequence[Sequence[object]]) -> tuple[str, list]:
    """``to_postgresql`` of a statement run once per row."""
    if not rows:
        return statement, []
    translated, _ = to_postgresql(statement, rows[0])
    return translated, [tuple(row) for row in rows]


# The key of a pooled connection's ``info``: its sqlite3 connection, or None where that is
# not usable from here.
_DIRECT = "coolpapers.sqlite3"
# The key of a session's ``info``: its transaction and that transaction's sqlite3 connection.
_OWN = "coolpapers.own_sqlite3"


def _usable(info: dict[Any, Any], dbapi_connection: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under an aiosqlite one when it may be used from this thread,
    found once per pooled connection."""
    if _DIRECT in info:
        return info[_DIRECT]
    found = getattr(getattr(dbapi_connection, "driver_connection", None), "_connection", None)
    usable: sqlite3.Connection | None = None
    if isinstance(found, sqlite3.Connection):
        try:
            found.execute("SELECT 1")
            usable = found
        except sqlite3.ProgrammingError:  # opened with the same-thread check
            usable = None
    info[_DIRECT] = usable
    return usable


async def driver_connection(session: AsyncSession) -> sqlite3.Connection | None:
    """The session's sqlite3 connection when it may be used from this thread (see
    ``models.db``), else None (PostgreSQL, or a connection with the same-thread check).

    A session made by ``models.db.reading`` that has not begun a transaction is lent a pooled
    connection of its own for these reads, given back when it ends or begins a transaction:
    the connection returned is for the reads at hand, not to be kept across the session's
    other statements."""
    if session.bind.dialect.name != "sqlite":
        return None
    sync = session.sync_session
    if sync.info.get(READS_ONLY) and sync.get_transaction() is None:
        lent = sync.info.get(LENT)
        if lent is None:
            engine = session.bind.sync_engine
            lent = sync.info[LENT] = await greenlet_spawn(engine.raw_connection)
            sync.info[LENT_POOL] = engine.pool if ends_quietly(engine) else None
        return _usable(lent.info, lent.dbapi_connection)
    transaction = sync.get_transaction()
    known = sync.info.get(_OWN)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1]  # the same transaction, so the same connection
    connection = await session.connection()
    info = connection.info  # the pooled connection's
    if _DIRECT in info:
        usable = info[_DIRECT]
    else:
        usable = _usable(info, (await connection.get_raw_connection()).dbapi_connection)
    sync.info[_OWN] = (sync.get_transaction(), usable)
    return usable


async def read_rows(session: AsyncSession, statement: str, params: Params = ()) -> list[tuple]:
    """The rows of ``statement`` (SQLite's form) on the session's connection."""
    direct = await driver_connection(session)
    if direct is not None:
        return direct.execute(statement, params).fetchall()
    if session.bind.dialect.name == "postgresql":
        return await postgresql_rows(session, *to_postgresql(statement, params))
    connection = await session.connection()
    return list((await connection.exec_driver_sql(statement, params)).fetchall())


async def postgresql_rows(
    session: AsyncSession, statement: str, params: Sequence[object] = ()
) -> list[tuple]:
    """The rows of a statement in asyncpg's form, read by the session's asyncpg connection
    itself: SQLAlchemy's cursor costs several times what such a short read does.

    The read runs under the adapter's lock, in the session's transaction when it has begun
    one, else on its own (a statement of a search is a consistent read by itself); it fails
    as the adapter's statements do, with SQLAlchemy's ``DBAPIError``."""
    connection = await session.connection()
    adapter: Any = (await connection.get_raw_connection()).dbapi_connection
    dialect = session.bind.dialect
    try:
        try:
            async with adapter._execute_mutex:
                found = await adapter._connection.fetch(statement, *params)
        except Exception as error:
            adapter._handle_exception(error)
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, adapter, None)
        if lost:
            await connection.invalidate()
        raise DBAPIError.instance(
            statement,
            tuple(params),
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error
    return [tuple(row) for row in found]


def day_parameter(session: AsyncSession, day: dt.date) -> object:
    """A day as a parameter: SQLite keeps days as ISO text, PostgreSQL as dates."""
    return day if session.bind.dialect.name == "postgresql" else day.isoformat()


def as_day(value: object) -> dt.date | None:
    """A day read back: SQLite gives ISO text, PostgreSQL a date."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def as_moment(value: object) -> dt.datetime | None:
    """A timestamp read back, aware and in UTC: SQLite gives text such as
    ``2025-01-02 03:04:05.000000`` (UTC), PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str) and value[-6:-5] not in ("+", "-") and value[-1:] != "Z":
        try:  # naive text, UTC: the offset appended parses five times faster than replace()
            return _from_text(value + "+00:00")
        except ValueError:
            pass
    moment = value if isinstance(value, dt.datetime) else _from_text(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


_from_text = dt.datetime.fromisoformat
