"""The JSON-ready form of a demo's result."""

from __future__ import annotations

import dataclasses
import functools
import math


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def jsonable(value: object) -> object:
    """`dataclasses.asdict` for JSON: dataclasses as dicts, tuples as lists and non-finite
    floats (which JSON lacks) as None. One pass, without asdict's deep copies, which cost
    more than the tokenizer demo's computation."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: jsonable(getattr(value, name)) for name in _field_names(type(value))}
    return value
