"""The figures of each demo page, drawn with `web.plots` from the demo's JSON-ready numbers.

One module per demo, each with a function taking the numbers (a dict, as the JSON endpoint
answers them) and giving the page's `Figure`s in the order the page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Figure:
    """One plot of a demo page: `name` is what `plot.svg?figure=` asks for."""

    name: str
    svg: Markup
    caption: str = ""
