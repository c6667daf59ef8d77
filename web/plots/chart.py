"""`Chart`: lines, points, bars and reference lines on linear or log axes, with a legend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from web.plots.colours import INK, MUTED, PALETTE
from web.plots.frame import Area, border, heading, heading_space, x_grid, x_title, y_grid, y_title
from web.plots.scales import Scale, domain
from web.plots.svg import Svg
from web.plots.text import coord, shorten, text_width


@dataclass
class _Layer:
    kind: str  # line, points, bars, hline, vline
    xs: list[float | None]
    ys: list[float | None]
    label: str | None
    colour: str
    dash: str | None = None
    width: float = 2.0
    extra: list[float] = field(default_factory=list)  # bars: right edges


class Chart:
    """A line chart on linear or log axes, with a legend column on the right."""

    def __init__(
        self,
        name: str,
        title: str,
        *,
        x_label: str,
        y_label: str,
        x_log: bool = False,
        y_log: bool = False,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
        note: str | None = None,
        width: float = 720,
        height: float = 360,
    ) -> None:
        self.name, self.title, self.note = name, title, note
        self.x_label, self.y_label = x_label, y_label
        self.x_log, self.y_log = x_log, y_log
        self.x_range, self.y_range = x_range, y_range
        self.width, self.height = width, height
        self.layers: list[_Layer] = []
        self._colours = iter(PALETTE * 4)

    def _colour(self, colour: str | None) -> str:
        return colour or next(self._colours)

    def line(
        self,
        xs: Sequence[float],
        ys: Sequence[float | None],
        label: str | None = None,
        *,
        colour: str | None = None,
        dash: str | None = None,
        width: float = 2.0,
    ) -> Chart:
        self.layers.append(
            _Layer("line", list(xs), list(ys), label, self._colour(colour), dash, width)
        )
        return self

    def points(
        self,
        xs: Sequence[float],
        ys: Sequence[float | None],
        label: str | None = None,
        *,
        colour: str | None = None,
        radius: float = 4.0,
    ) -> Chart:
        self.layers.append(
            _Layer("points", list(xs), list(ys), label, self._colour(colour), width=radius)
        )
        return self

    def bars(
        self,
        lefts: Sequence[float],
        rights: Sequence[float],
        heights: Sequence[float],
        label: str | None = None,
        *,
        colour: str | None = None,
    ) -> Chart:
        layer = _Layer("bars", list(lefts), list(heights), label, self._colour(colour))
        layer.extra = list(rights)
        self.layers.append(layer)
        return self

    def columns(
        self,
        xs: Sequence[float],
        heights: Sequence[float],
        label: str | None = None,
        *,
        colour: str | None = None,
        half_width: float = 0.38,
    ) -> Chart:
        """Bars centred on the x values (counts at whole numbers, say)."""
        lefts = [x - half_width for x in xs]
        rights = [x + half_width for x in xs]
        return self.bars(lefts, rights, heights, label, colour=colour)

    def hline(
        self, y: float, label: str | None = None, *, colour: str = MUTED, dash: str = "6 4"
    ) -> Chart:
        self.layers.append(_Layer("hline", [], [y], label, colour, dash, 1.5))
        return self

    def vline(
        self, x: float, label: str | None = None, *, colour: str = MUTED, dash: str = "6 4"
    ) -> Chart:
        self.layers.append(_Layer("vline", [x], [], label, colour, dash, 1.5))
        return self

    def _domains(self) -> tuple[tuple[float, float], tuple[float, float]]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        has_bars = False
        for layer in self.layers:
            xs += layer.xs + layer.extra
            ys += layer.ys
            has_bars |= layer.kind == "bars"
        x = self.x_range or domain(xs, self.x_log, nice=False)
        y = self.y_range or domain(ys, self.y_log, include_zero=has_bars)
        return x, y

    def svg(self) -> Markup:
        (x_lo, x_hi), (y_lo, y_hi) = self._domains()
        labelled = [layer for layer in self.layers if layer.label]
        legend_width = max((text_width(shorten(la.label or "", 30)) for la in labelled), default=0)
        right = legend_width + 60 if labelled else 24
        top = heading_space(self.note)
        probe = Scale(y_lo, y_hi, self.y_log, 0, 1)
        tick_width = max((text_width(probe.label(t)) for t in probe.ticks()), default=20)
        left = max(52.0, tick_width + 30)
        bottom = 48
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        sx = Scale(x_lo, x_hi, self.x_log, left, left + plot_w)
        sy = Scale(y_lo, y_hi, self.y_log, top + plot_h, top)

        area = Area(left, top, plot_w, plot_h)

        svg = Svg(self.name, self.title, self.width, self.height)
        heading(svg, left, self.title, self.note)
        x_grid(svg, area, sx)
        y_grid(svg, area, sy)
        border(svg, area)
        x_title(svg, area, self.height, self.x_label)
        y_title(svg, area, self.y_label)

        clip = f"{self.name}-clip"
        svg.raw(
            f'<clipPath id="{escape(clip)}"><rect x="{coord(left)}" y="{coord(top)}"'
            f' width="{coord(plot_w)}" height="{coord(plot_h)}"/></clipPath>'
        )
        body = Svg(self.name, "", 0, 0)
        for layer in self.layers:
            self._draw(body, layer, sx, sy, area)
        svg.raw(f'<g clip-path="url(#{escape(clip)})">{"".join(body.parts)}</g>')

        x0, y0 = left + plot_w + 16, top + 8
        for k, layer in enumerate(labelled):
            y = y0 + k * 20
            self._swatch(svg, layer, x0, y)
            svg.text(x0 + 30, y + 4, shorten(layer.label or "", 30), "plot-legend", fill=INK)
        return svg.markup()

    @staticmethod
    def _class(layer: _Layer) -> str:
        # Series drawn in the ink colour follow the page's theme through style.css.
        return "plot-series plot-ink" if layer.colour == INK else "plot-series"

    @staticmethod
    def _swatch(svg: Svg, layer: _Layer, x: float, y: float) -> None:
        if layer.kind == "bars":
            svg.add(
                "rect",
                x=x,
                y=y - 6,
                width=22.0,
                height=12.0,
                fill=layer.colour,
                fill_opacity="0.45",
                stroke=layer.colour,
            )
        elif layer.kind == "points":
            ink = "plot-ink" if layer.colour == INK else None
            svg.add("circle", cx=x + 11, cy=float(y), r=layer.width, fill=layer.colour, class_=ink)
        else:
            svg.add(
                "line",
                x1=float(x),
                x2=x + 22,
                y1=float(y),
                y2=float(y),
                stroke=layer.colour,
                stroke_width=layer.width,
                stroke_dasharray=layer.dash,
                class_="plot-ink" if layer.colour == INK else None,
            )

    @staticmethod
    def _draw(svg: Svg, layer: _Layer, sx: Scale, sy: Scale, area: Area) -> None:
        if layer.kind == "line":
            commands, pen_down = [], False
            for x, y in zip(layer.xs, layer.ys, strict=True):
                if sx.accepts(x) and sy.accepts(y):
                    commands.append(f"{'L' if pen_down else 'M'}{coord(sx(x))} {coord(sy(y))}")
                    pen_down = True
                else:
                    pen_down = False
            if commands:
                svg.add(
                    "path",
                    d="".join(commands),
                    fill="none",
                    stroke=layer.colour,
                    stroke_width=layer.width,
                    stroke_dasharray=layer.dash,
                    stroke_linejoin="round",
                    class_=Chart._class(layer),
                )
        elif layer.kind == "points":
            for x, y in zip(layer.xs, layer.ys, strict=True):
                if sx.accepts(x) and sy.accepts(y):
                    svg.add(
                        "circle",
                        cx=sx(x),
                        cy=sy(y),
                        r=layer.width,
                        fill=layer.colour,
                        class_=Chart._class(layer),
                    )
        elif layer.kind == "bars":
            base = sy(sy.lo) if sy.log else sy(max(sy.lo, 0.0))
            for x0, x1, h in zip(layer.xs, layer.extra, layer.ys, strict=True):
                if not (sx.accepts(x0) and sx.accepts(x1) and sy.accepts(h)):
                    continue
                top_px = sy(h)
                svg.add(
                    "rect",
                    x=sx(x0),
                    y=min(top_px, base),
                    width=max(sx(x1) - sx(x0), 0.5),
                    height=abs(base - top_px),
                    fill=layer.colour,
                    fill_opacity="0.45",
                    stroke=layer.colour,
                    stroke_width="0.6",
                    class_=Chart._class(layer),
                )
        elif layer.kind == "hline" and (y := layer.ys[0]) is not None and sy.accepts(y):
            py = sy(y)
            svg.add(
                "line",
                x1=area.left,
                x2=area.right,
                y1=py,
                y2=py,
                stroke=layer.colour,
                stroke_width=layer.width,
                stroke_dasharray=layer.dash,
            )
        elif layer.kind == "vline" and (x := layer.xs[0]) is not None and sx.accepts(x):
            px = sx(x)
            svg.add(
                "line",
                x1=px,
                x2=px,
                y1=area.top,
                y2=area.bottom,
                stroke=layer.colour,
                stroke_width=layer.width,
                stroke_dasharray=layer.dash,
            )
