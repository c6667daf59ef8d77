"""Validation of demo parameters, which may arrive as numbers or as query-string text."""

from __future__ import annotations

import math
from collections.abc import Iterable

from demos.errors import DemoError

MAX_SEED = 2**32 - 1


def _number_text(name: str, value: object) -> object:
    if isinstance(value, bool):
        raise DemoError(f"{name} must be a number, not a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise DemoError(f"{name} must not be empty")
        return text
    return value


def integer(name: str, value: object, lo: int, hi: int) -> int:
    """`value` as an int in [lo, hi]; accepts ints, integral floats and decimal text."""
    raw = _number_text(name, value)
    try:
        if isinstance(raw, str):
            number = int(raw, 10)
        elif isinstance(raw, int):
            number = raw
        elif isinstance(raw, float) and raw.is_integer():
            number = int(raw)
        else:
            raise TypeError
    except (TypeError, ValueError):
        raise DemoError(f"{name} must be an integer, got {value!r}") from None
    if not lo <= number <= hi:
        raise DemoError(f"{name} must be between {lo} and {hi}, got {number}")
    return number


def real(name: str, value: object, lo: float, hi: float, *, open_lo: bool = False) -> float:
    """`value` as a finite float in [lo, hi] (or (lo, hi] with `open_lo`)."""
    raw = _number_text(name, value)
    try:
        # Any object: float() raises TypeError for those it cannot convert, reported below.
        number = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DemoError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise DemoError(f"{name} must be finite, got {value!r}")
    too_low = number <= lo if open_lo else number < lo
    if too_low or number > hi:
        bracket = "(" if open_lo else "["
        raise DemoError(f"{name} must be in {bracket}{lo:g}, {hi:g}], got {number:g}")
    return number


def choice(name: str, value: object, options: Iterable[str]) -> str:
    """`value` as one of `options` (case-insensitive, surrounding blanks ignored)."""
    allowed = tuple(options)
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in allowed:
        raise DemoError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return text


def seed(value: object) -> int:
    """A seed for numpy's generators."""
    return integer("seed", value, 0, MAX_SEED)
