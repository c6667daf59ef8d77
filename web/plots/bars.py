"""`BarRows`: labelled horizontal bars, one per series in each row, on a shared axis."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

from web.plots.colours import INK, PALETTE
from web.plots.frame import Area, border, heading, heading_space, x_grid, x_title
from web.plots.scales import Scale, domain
from web.plots.svg import Svg
from web.plots.text import shorten, text_width


class BarRows:
    """Labelled rows, each with one bar per series, on a shared horizontal axis."""

    def __init__(
        self,
        name: str,
        title: str,
        labels: Sequence[str],
        *,
        x_label: str,
        x_log: bool = False,
        note: str | None = None,
        width: float = 720,
    ) -> None:
        self.name, self.title, self.labels, self.note = name, title, list(labels), note
        self.x_label, self.x_log, self.width = x_label, x_log, width
        self.series: list[tuple[str, list[float], str]] = []

    def add(self, label: str, values: Sequence[float], colour: str | None = None) -> BarRows:
        self.series.append((label, list(values), colour or PALETTE[len(self.series)]))
        return self

    def svg(self) -> Markup:
        bar, gap = 9.0, 7.0
        row_h = bar * len(self.series) + gap
        label_w = min(220.0, max((text_width(s) for s in self.labels), default=20) + 16)
        several = len(self.series) > 1
        widest = max((text_width(s[0]) for s in self.series), default=0)
        legend_w = widest + 60 if several else 24
        top = heading_space(self.note)
        left, right, bottom = label_w + 8, legend_w, 46
        plot_w = self.width - left - right
        plot_h = row_h * len(self.labels) + gap
        height = top + plot_h + bottom
        values = [v for _, vs, _ in self.series for v in vs]
        lo, hi = domain(values, self.x_log, include_zero=not self.x_log)
        positive = [v for v in values if v > 0]
        if self.x_log and positive:  # bars grow from the decade below the smallest value
            lo = 10.0 ** math.floor(math.log10(min(positive)) - 1e-9)
        sx = Scale(lo, hi, self.x_log, left, left + plot_w)

        area = Area(left, top, plot_w, plot_h)

        svg = Svg(self.name, self.title, self.width, height)
        heading(svg, 8, self.title, self.note)
        x_grid(svg, area, sx)
        base = sx(sx.lo) if self.x_log else sx(max(0.0, sx.lo))
        for i, label in enumerate(self.labels):
            y = top + gap + i * row_h
            svg.text(
                left - 8,
                y + row_h / 2 - 1,
                shorten(label, 32),
                "plot-row-label",
                text_anchor="end",
                fill=INK,
                font_family="ui-monospace, monospace",
            )
            for k, (_, vs, colour) in enumerate(self.series):
                value = vs[i]
                if sx.accepts(value) and value > sx.lo:
                    svg.add(
                        "rect",
                        x=base,
                        y=y + k * bar,
                        width=max(sx(min(value, sx.hi)) - base, 0.8),
                        height=bar - 1,
                        fill=colour,
                        class_="plot-series",
                    )
        border(svg, area)
        x_title(svg, area, height, self.x_label)
        for k, (label, _, colour) in enumerate(self.series if several else []):
            y = top + 8 + k * 20
            svg.add("rect", x=left + plot_w + 16, y=y - 6, width=22.0, height=12.0, fill=colour)
            svg.text(left + plot_w + 46, y + 4, label, "plot-legend", fill=INK)
        return svg.markup()
