"""The index's statements on either database: written once, turned into each driver's form here.

Statements are written for SQLite's driver: ``?`` or ``:name`` parameters, and a list of
values passed as one JSON parameter (``ids_parameter``) that a statement reads as
``IN (SELECT value FROM json_each(?))``. On PostgreSQL (asyncpg) the parameters become
``$1, $2, ...`` in order and such a list becomes an array: ``= ANY($n)``, its JSON decoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

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
