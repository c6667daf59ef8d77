"""`Heatmap`: a matrix as coloured cells, with optional category bands along its axes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from web.plots.colours import INK, MUTED, VIRIDIS, colour_at, luminance, rgb
from web.plots.frame import Area, border, heading, heading_space, x_title, y_title
from web.plots.png import png_data_uri
from web.plots.svg import Svg
from web.plots.text import format_number

MAX_VECTOR_CELLS = 2500  # larger heatmaps are drawn as one PNG image


def cell_ticks(cells: int, about: int) -> list[tuple[float, str]]:
    """Ticks for a heatmap axis of `cells` cells: every (cells // about)-th cell (at least every
    one), at its centre, labelled with its index."""
    return [(k + 0.5, str(k)) for k in range(0, cells, max(1, cells // about))]


@dataclass(frozen=True)
class Band:
    """A labelled colour strip along the axes of a heatmap (one entry per row/column)."""

    labels: Sequence[str]
    colours: dict[str, str]


class Heatmap:
    """A matrix as coloured cells; None cells stay empty. Rows run downwards."""

    def __init__(
        self,
        name: str,
        title: str,
        matrix: Sequence[Sequence[float | None]],
        *,
        x_label: str,
        y_label: str,
        x_ticks: Sequence[tuple[float, str]] = (),
        y_ticks: Sequence[tuple[float, str]] = (),
        value_range: tuple[float, float] | None = None,
        value_label: str = "",
        stops: Sequence[str] = VIRIDIS,
        categories: dict[float, tuple[str, str]] | None = None,
        cell_text: bool = False,
        band: Band | None = None,
        square: bool = False,
        note: str | None = None,
        width: float = 720,
        height: float = 380,
    ) -> None:
        self.name, self.title, self.matrix = name, title, matrix
        self.x_label, self.y_label = x_label, y_label
        self.x_ticks, self.y_ticks = x_ticks, y_ticks
        values = [v for row in matrix for v in row if v is not None]
        self.value_range = value_range or (min(values, default=0.0), max(values, default=1.0))
        self.value_label, self.stops, self.categories = value_label, stops, categories
        self.cell_text, self.band, self.square, self.note = cell_text, band, square, note
        self.width, self.height = width, height

    def colour(self, value: float) -> str:
        if self.categories is not None:
            return self.categories[value][0]
        lo, hi = self.value_range
        return colour_at(0.5 if hi <= lo else (value - lo) / (hi - lo), self.stops)

    def svg(self) -> Markup:
        rows, cols = len(self.matrix), len(self.matrix[0]) if self.matrix else 0
        band = 14 if self.band else 0
        top = heading_space(self.note) + band
        left = 62 + band
        right = 150
        bottom = 44
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        cell_w, cell_h = plot_w / max(cols, 1), plot_h / max(rows, 1)
        height = self.height
        if self.square:
            cell_w = cell_h = min(cell_w, cell_h)
            plot_w, plot_h = cell_w * cols, cell_h * rows
            height = top + plot_h + bottom

        area = Area(left, top, plot_w, plot_h)

        svg = Svg(self.name, self.title, self.width, height)
        heading(svg, left - band, self.title, self.note)
        if rows * cols > MAX_VECTOR_CELLS:
            self._raster(svg, left, top, plot_w, plot_h)
        else:
            self._cells(svg, left, top, cell_w, cell_h)
        border(svg, area)
        for pos, label in self.x_ticks:
            px = left + pos * cell_w
            svg.add("line", x1=px, x2=px, y1=top + plot_h, y2=top + plot_h + 4, stroke=MUTED)
            svg.text(px, top + plot_h + 16, label, text_anchor="middle")
        for pos, label in self.y_ticks:
            py = top + pos * cell_h
            svg.add("line", x1=left - 4, x2=left, y1=py, y2=py, stroke=MUTED)
            svg.text(left - band - 6, py + 4, label, text_anchor="end")
        x_title(svg, area, height, self.x_label)
        y_title(svg, area, self.y_label)
        if self.band:
            self._bands(svg, left, top, cell_w, cell_h, band)
        self._legend(svg, left + plot_w + 20, top)
        return svg.markup()

    def _cells(self, svg: Svg, left: float, top: float, cell_w: float, cell_h: float) -> None:
        for i, row in enumerate(self.matrix):
            j = 0
            while j < len(row):
                value = row[j]
                end = j + 1
                while end < len(row) and row[end] == value and not self.cell_text:
                    end += 1
                if value is not None:
                    fill = self.colour(value)
                    svg.add(
                        "rect",
                        x=left + j * cell_w,
                        y=top + i * cell_h,
                        width=(end - j) * cell_w + 0.3,
                        height=cell_h + 0.3,
                        fill=fill,
                        class_="plot-cell",
                    )
                    if self.cell_text and cell_w >= 16 and cell_h >= 12:
                        ink = "#ffffff" if luminance(fill) < 0.55 else "#111111"
                        svg.add(
                            "text",
                            format_number(value, 2),
                            x=left + (j + 0.5) * cell_w,
                            y=top + (i + 0.5) * cell_h + 4,
                            fill=ink,
                            text_anchor="middle",
                            font_size=min(11.0, cell_h * 0.7),
                        )
                j = end

    def _raster(self, svg: Svg, left: float, top: float, plot_w: float, plot_h: float) -> None:
        pixels = [
            [(0, 0, 0, 0) if v is None else (*rgb(self.colour(v)), 255) for v in row]
            for row in self.matrix
        ]
        svg.add(
            "image",
            x=left,
            y=top,
            width=plot_w,
            height=plot_h,
            href=png_data_uri(pixels),
            preserveAspectRatio="none",
            image_rendering="pixelated",
            class_="plot-raster",
        )

    def _bands(self, svg: Svg, left: float, top: float, w: float, h: float, size: int) -> None:
        assert self.band is not None
        for k, label in enumerate(self.band.labels):
            fill = self.band.colours[label]
            svg.add(
                "rect",
                x=left + k * w,
                y=top - size - 2,
                width=w + 0.3,
                height=float(size),
                fill=fill,
            )
            svg.add(
                "rect",
                x=left - size - 2,
                y=top + k * h,
                width=float(size),
                height=h + 0.3,
                fill=fill,
            )

    def _legend(self, svg: Svg, x: float, y: float) -> None:
        entries: list[tuple[str, str]] = []
        if self.band:
            entries += [(colour, label) for label, colour in self.band.colours.items()]
        if self.categories is not None:
            entries += list(self.categories.values())
        if entries:
            for k, (colour, label) in enumerate(entries):
                svg.add(
                    "rect",
                    x=x,
                    y=y + k * 20,
                    width=14.0,
                    height=14.0,
                    fill=colour,
                    stroke=MUTED,
                    stroke_width="0.5",
                )
                svg.text(x + 20, y + k * 20 + 11, label, "plot-legend", fill=INK)
            return
        lo, hi = self.value_range
        steps, bar_h = 24, 160.0
        for k in range(steps):
            t = 1 - (k + 0.5) / steps
            svg.add(
                "rect",
                x=x,
                y=y + k * bar_h / steps,
                width=14.0,
                height=bar_h / steps + 0.3,
                fill=colour_at(t, self.stops),
            )
        svg.text(x + 20, y + 10, format_number(hi), "plot-tick")
        svg.text(x + 20, y + bar_h, format_number(lo), "plot-tick")
        if self.value_label:
            svg.text(x, y + bar_h + 22, self.value_label, "plot-legend", fill=INK)
