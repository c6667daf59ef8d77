"""The JSON-ready form of a demo's result."""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Callable

_PLAIN = frozenset({str, int, bool, type(None)})  # values that are their own JSON form
Fields = tuple[tuple[str, ...], Callable[[object], tuple[object, ...]]]


@functools.cache
def _fields(cls: type) -> Fields | None:
    """The field names of ``cls`` and a function reading all their values (None: not a
    dataclass)."""
    if not dataclasses.is_dataclass(cls):
        return None
    names = tuple(f.name for f in dataclasses.fields(cls))
    if len(names) == 1:
        return names, lambda value: (getattr(value, names[0]),)
    return names, operator.attrgetter(*names) if names else lambda value: ()


def jsonable(value: object) -> object:
    """`dataclasses.asdict` for JSON: dataclasses as dicts, tuples as lists and non-finite
    floats (which JSON lacks) as None. One pass, without asdict's deep copies, which cost
    more than the tokenizer demo's computation; a dataclass whose values are all plain (the
    many small rows of a result) is made a dict in one step."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is float:
        return value if math.isfinite(value) else None  # type: ignore[arg-type]
    if cls is list or cls is tuple:
        return [jsonable(v) for v in value]  # type: ignore[attr-defined]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    fields = _fields(cls) if not isinstance(value, type) else None
    if fields is None:
        if isinstance(value, list | tuple):  # a subclass (a named tuple)
            return [jsonable(v) for v in value]
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        return value
    names, read = fields
    values = read(value)
    for v in values:
        if type(v) not in _PLAIN:
            return {n: jsonable(v) for n, v in zip(names, values, strict=True)}
    return dict(zip(names, values, strict=True))
