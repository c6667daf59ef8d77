"""Axes' scales: ticks at round numbers, linear and logarithmic maps, domains around data."""

from __future__ import annotations

import math
from collections.abc import Iterable

from web.plots.text import format_number, power_of_ten


def linear_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(lo / step - 1e-9)
    ticks = []
    k = start
    while k * step <= hi + step * 1e-9:
        ticks.append(0.0 if abs(k * step) < step * 1e-9 else k * step)
        k += 1
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    first, last = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)

    def inside(value: float) -> bool:
        return lo * (1 - 1e-9) <= value <= hi * (1 + 1e-9)

    fine = [
        m * 10.0**k for k in range(first - 1, last + 1) for m in (1, 2, 5) if inside(m * 10.0**k)
    ]
    if 2 <= len(fine) <= 9:
        return fine
    decades = [10.0**k for k in range(first, last + 1) if inside(10.0**k)]
    if len(decades) >= 2:
        return decades[:: math.ceil(len(decades) / 8)]
    return linear_ticks(lo, hi, 4)


class Scale:
    """Maps a domain [lo, hi] (linear or logarithmic) onto pixels [start, end]."""

    def __init__(self, lo: float, hi: float, log: bool, start: float, end: float) -> None:
        if hi <= lo:
            lo, hi = (lo / 2, lo * 2) if log else (lo - 1, hi + 1)
        self.lo, self.hi, self.log, self.start, self.end = lo, hi, log, start, end

    def _t(self, value: float) -> float:
        if self.log:
            return math.log(value / self.lo) / math.log(self.hi / self.lo)
        return (value - self.lo) / (self.hi - self.lo)

    def __call__(self, value: float) -> float:
        return self.start + self._t(value) * (self.end - self.start)

    def accepts(self, value: float | None) -> bool:
        return value is not None and math.isfinite(value) and (value > 0 or not self.log)

    def ticks(self) -> list[float]:
        return log_ticks(self.lo, self.hi) if self.log else linear_ticks(self.lo, self.hi)

    def label(self, value: float) -> str:
        if self.log:
            exponent = math.log10(value)
            if abs(exponent - round(exponent)) < 1e-9:
                return power_of_ten(round(exponent))
        return format_number(value)


def domain(
    values: Iterable[float | None], log: bool, *, include_zero: bool = False, nice: bool = True
) -> tuple[float, float]:
    """A range around the finite values (positive ones on a log axis): rounded out to ticks
    when `nice`, else exactly their extent."""
    finite = [v for v in values if v is not None and math.isfinite(v) and (v > 0 or not log)]
    if include_zero and not log:
        finite.append(0.0)
    if not finite:
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = min(finite), max(finite)
    if not nice and hi > lo:
        return lo, hi
    if log:
        if hi / lo < 1000:
            return lo / 1.15, hi * 1.15
        return 10 ** math.floor(math.log10(lo) + 1e-9), 10 ** math.ceil(math.log10(hi) - 1e-9)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    ticks = linear_ticks(lo, hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (hi - lo)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
