"""The tokenizer's own random stream: SplitMix64, simple enough to run bit for bit the same in
the pure-Python and the compiled paths, so a seed gives the same samples in both."""

from __future__ import annotations

import os

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53


class SplitMix64:
    """A 64-bit random stream whose whole state is one integer (``state``)."""

    __slots__ = ("state",)

    def __init__(self, seed: int | None = None) -> None:
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        self.state = seed & MASK64

    def next64(self) -> int:
        self.state = z = (self.state + GOLDEN_GAMMA) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def random(self) -> float:
        """A uniform float in [0, 1) with 53 random bits."""
        return (self.next64() >> 11) * _TO_UNIT
