"""`Timeline`: rows of attempt boxes and sleep gaps drawn to scale (the retry demo's runs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from web.plots.colours import INK
from web.plots.frame import heading, heading_space
from web.plots.svg import Svg
from web.plots.text import format_number


@dataclass(frozen=True)
class Step:
    """An attempt (ok True/False) or a sleep of `seconds` in a timeline row."""

    ok: bool | None
    seconds: float = 0.0


class Timeline:
    """Rows of attempt boxes (✓ or ✗) separated by sleep gaps drawn to scale."""

    OK, FAIL, SLEEP = "#2a9d55", "#d1495b", "#c9c9d1"

    def __init__(
        self,
        name: str,
        title: str,
        rows: Sequence[tuple[str, Sequence[Step]]],
        *,
        note: str | None = None,
        width: float = 720,
    ) -> None:
        self.name, self.title, self.rows, self.note, self.width = name, title, rows, note, width

    def svg(self) -> Markup:
        box, row_h = 22.0, 30.0
        top = heading_space(self.note)
        left = 70.0
        right = 20.0
        longest_boxes = max((sum(s.ok is not None for s in r) for _, r in self.rows), default=1)
        longest_sleep = max((sum(s.seconds for s in r) for _, r in self.rows), default=0.0)
        room = self.width - left - right - longest_boxes * (box + 4)
        per_second = min(40.0, room / longest_sleep) if longest_sleep > 0 else 0.0
        height = top + row_h * len(self.rows) + 12
        svg = Svg(self.name, self.title, self.width, height)
        heading(svg, 8, self.title, self.note)
        for i, (label, steps) in enumerate(self.rows):
            y = top + i * row_h
            svg.text(
                left - 10, y + box / 2 + 4, label, "plot-row-label", text_anchor="end", fill=INK
            )
            x = left
            for step in steps:
                if step.ok is None:
                    w = max(step.seconds * per_second, 2.0)
                    svg.add(
                        "rect",
                        x=x,
                        y=y + box / 2 - 3,
                        width=w,
                        height=6.0,
                        fill=self.SLEEP,
                        class_="plot-sleep",
                    )
                    if w >= 26:
                        svg.text(
                            x + w / 2,
                            y + box / 2 - 6,
                            f"{format_number(step.seconds)} s",
                            text_anchor="middle",
                            font_size=10,
                        )
                    x += w + 2
                else:
                    colour = self.OK if step.ok else self.FAIL
                    svg.add(
                        "rect",
                        x=x,
                        y=y,
                        width=box,
                        height=box,
                        rx=4.0,
                        fill=colour,
                        class_="plot-attempt",
                    )
                    svg.add(
                        "text",
                        "✓" if step.ok else "✗",
                        x=x + box / 2,
                        y=y + box / 2 + 5,
                        fill="#ffffff",
                        text_anchor="middle",
                        font_size=14,
                    )
                    x += box + 4
            if steps and steps[-1].ok is False:
                svg.text(x + 4, y + box / 2 + 4, "gave up", "plot-note")
        return svg.markup()
