"""What surrounds a plot's area: the heading above it, its border, grid lines with tick labels
and the axis titles."""

from __future__ import annotations

from dataclasses import dataclass

from web.plots.colours import GRID, MUTED
from web.plots.scales import Scale
from web.plots.svg import Svg
from web.plots.text import coord

TITLE_SPACE = 34  # from the top of the figure to the plot area, under the title alone
NOTE_SPACE = 18  # more room when a note stands under the title


@dataclass(frozen=True)
class Area:
    """The plot area, in pixels from the figure's top left corner."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


def heading_space(note: str | None) -> int:
    """The room above the plot area that the title (and the note) take."""
    return TITLE_SPACE + (NOTE_SPACE if note else 0)


def heading(svg: Svg, x: float, title: str, note: str | None) -> None:
    svg.text(x, 20, title, "plot-title", font_size=14, font_weight="600")
    if note:
        svg.text(x, 38, note, "plot-note")


def border(svg: Svg, area: Area) -> None:
    svg.add(
        "rect",
        x=area.left,
        y=area.top,
        width=area.width,
        height=area.height,
        fill="none",
        stroke=MUTED,
        class_="plot-frame",
    )


def x_grid(svg: Svg, area: Area, scale: Scale) -> None:
    """Vertical grid lines at the scale's ticks, labelled under the area."""
    for t in scale.ticks():
        px = scale(t)
        svg.add("line", x1=px, x2=px, y1=area.top, y2=area.bottom, stroke=GRID, class_="plot-grid")
        svg.text(px, area.bottom + 16, scale.label(t), text_anchor="middle")


def y_grid(svg: Svg, area: Area, scale: Scale) -> None:
    """Horizontal grid lines at the scale's ticks, labelled left of the area."""
    for t in scale.ticks():
        py = scale(t)
        svg.add("line", x1=area.left, x2=area.right, y1=py, y2=py, stroke=GRID, class_="plot-grid")
        svg.text(area.left - 6, py + 4, scale.label(t), text_anchor="end")


def x_title(svg: Svg, area: Area, figure_height: float, text: str) -> None:
    """The horizontal axis's title, centred at the foot of the figure."""
    x = area.left + area.width / 2
    svg.text(x, figure_height - 10, text, "plot-axis-label", text_anchor="middle")


def y_title(svg: Svg, area: Area, text: str) -> None:
    """The vertical axis's title, turned upright along the figure's left edge."""
    cy = area.top + area.height / 2
    svg.text(
        14,
        cy,
        text,
        "plot-axis-label",
        text_anchor="middle",
        transform=f"rotate(-90 14 {coord(cy)})",
    )
