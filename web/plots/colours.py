"""The plots' colours: the series palette, the ink of axes and text, and colour maps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PALETTE = ("#1f6fd1", "#d1495b", "#2a9d55", "#e08a00", "#7b4fc4", "#0e9aa7", "#8c6d31")
INK = "#333333"  # axes and text of a standalone file; the page's stylesheet overrides it
MUTED = "#6e6e73"
GRID = "#e3e3e8"
# Viridis, sampled at five points and interpolated linearly.
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


def rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def hex_colour(channels: Iterable[float]) -> str:
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02x}" for c in channels)


def colour_at(t: float, stops: Sequence[str] = VIRIDIS) -> str:
    """The colour at t in [0, 1] of the piecewise-linear map through `stops`."""
    t = min(1.0, max(0.0, t)) * (len(stops) - 1)
    k = min(int(t), len(stops) - 2)
    a, b = rgb(stops[k]), rgb(stops[k + 1])
    f = t - k
    return hex_colour(x + (y - x) * f for x, y in zip(a, b, strict=True))


def luminance(colour: str) -> float:
    r, g, b = rgb(colour)
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255
