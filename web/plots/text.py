"""Numbers and text for plots: SVG coordinates, tick and legend numbers, text widths."""

from __future__ import annotations

import math

CHAR_WIDTH = 7.0  # mean advance of a 12 px sans-serif character, for layout


def coord(value: float) -> str:
    """An SVG coordinate: one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_number(value: float, digits: int = 3) -> str:
    """A tick or legend number: 3 significant digits, a true minus sign, no '+' in exponents."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e3 <= magnitude < 1e6:
        text = f"{value:.{max(digits, math.floor(math.log10(magnitude)) + 1)}g}"
    elif 1e-3 <= magnitude < 1e3:
        text = f"{value:.{digits}g}"
    else:
        mantissa, exponent = f"{value:.{max(digits - 1, 0)}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    if -3 <= exponent <= 5:
        return format_number(10.0**exponent)
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def text_width(text: str, size: float = 12) -> float:
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return (len(text) + wide) * CHAR_WIDTH * size / 12


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
