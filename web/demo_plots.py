"""Server-side SVG plots of the demo pages: a small plotting kit of our own.

`Chart` draws lines, points, bars and reference lines on linear or logarithmic axes with a
legend; `Heatmap` draws a matrix as coloured cells (a PNG inside the SVG when it is large);
`BarRows` draws labelled horizontal bars, several series per row; `Timeline` draws rows of
attempt boxes and sleep gaps. Each gives an SVG document as `Markup`, which works inline in a
page (where style.css adapts its ink to the theme through the class names) and as a file: the
colours are SVG presentation attributes, never style attributes, so a strict CSP allows them.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ("#1f6fd1", "#d1495b", "#2a9d55", "#e08a00", "#7b4fc4", "#0e9aa7", "#8c6d31")
INK = "#333333"  # axes and text of a standalone file; the page's stylesheet overrides it
MUTED = "#6e6e73"
GRID = "#e3e3e8"
# Viridis, sampled at five points and interpolated linearly.
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
CHAR_WIDTH = 7.0  # mean advance of a 12 px sans-serif character, for layout
MAX_VECTOR_CELLS = 2500  # larger heatmaps are drawn as one PNG image


@dataclass(frozen=True)
class Figure:
    """One plot of a demo page: `name` is what `plot.svg?figure=` asks for."""

    name: str
    svg: Markup
    caption: str = ""


# --- numbers and text ----------------------------------------------------------------------


def _num(value: float) -> str:
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


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- colours -------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02x}" for c in rgb)


def colour_at(t: float, stops: Sequence[str] = VIRIDIS) -> str:
    """The colour at t in [0, 1] of the piecewise-linear map through `stops`."""
    t = min(1.0, max(0.0, t)) * (len(stops) - 1)
    k = min(int(t), len(stops) - 2)
    a, b = _rgb(stops[k]), _rgb(stops[k + 1])
    f = t - k
    return _hex(x + (y - x) * f for x, y in zip(a, b, strict=True))


def _luminance(colour: str) -> float:
    r, g, b = _rgb(colour)
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


# --- the SVG document ----------------------------------------------------------------------


class Svg:
    """An SVG document built element by element; attribute names use _ for -."""

    def __init__(self, name: str, title: str, width: float, height: float) -> None:
        self.name, self.title = name, title
        self.width, self.height = width, height
        self.parts: list[str] = []

    @staticmethod
    def _attrs(attrs: dict[str, object]) -> str:
        out = []
        for key, value in attrs.items():
            if value is None:
                continue
            key = "class" if key == "class_" else key.replace("_", "-")
            if isinstance(value, float):
                value = _num(value)
            out.append(f' {key}="{escape(str(value))}"')
        return "".join(out)

    def add(self, tag: str, text: str | None = None, **attrs: object) -> None:
        if text is None:
            self.parts.append(f"<{tag}{self._attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{self._attrs(attrs)}>{escape(text)}</{tag}>")

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, text: str, class_: str = "plot-tick", **attrs: object):
        attrs.setdefault("fill", MUTED if class_ in {"plot-note", "plot-tick"} else INK)
        self.add("text", text, x=float(x), y=float(y), class_=class_, **attrs)

    def markup(self) -> Markup:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="demo-plot"'
            f' viewBox="0 0 {_num(self.width)} {_num(self.height)}"'
            f' width="{_num(self.width)}" height="{_num(self.height)}"'
            f' role="img" aria-labelledby="{escape(self.name)}-title"'
            f' data-figure="{escape(self.name)}" font-family="{FONT}" font-size="12">'
            f'<title id="{escape(self.name)}-title">{escape(self.title)}</title>'
        )
        return Markup(head + "".join(self.parts) + "</svg>")


# --- scales --------------------------------------------------------------------------------


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


# --- charts --------------------------------------------------------------------------------


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
        legend_width = max((text_width(_shorten(la.label or "", 30)) for la in labelled), default=0)
        right = legend_width + 60 if labelled else 24
        top = 34 + (18 if self.note else 0)
        probe = Scale(y_lo, y_hi, self.y_log, 0, 1)
        tick_width = max((text_width(probe.label(t)) for t in probe.ticks()), default=20)
        left = max(52.0, tick_width + 30)
        bottom = 48
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        sx = Scale(x_lo, x_hi, self.x_log, left, left + plot_w)
        sy = Scale(y_lo, y_hi, self.y_log, top + plot_h, top)

        svg = Svg(self.name, self.title, self.width, self.height)
        svg.text(left, 20, self.title, "plot-title", font_size=14, font_weight="600")
        if self.note:
            svg.text(left, 38, self.note, "plot-note")
        for t in sx.ticks():
            px = sx(t)
            svg.add("line", x1=px, x2=px, y1=top, y2=top + plot_h, stroke=GRID, class_="plot-grid")
            svg.text(px, top + plot_h + 16, sx.label(t), text_anchor="middle")
        for t in sy.ticks():
            py = sy(t)
            svg.add(
                "line", x1=left, x2=left + plot_w, y1=py, y2=py, stroke=GRID, class_="plot-grid"
            )
            svg.text(left - 6, py + 4, sy.label(t), text_anchor="end")
        svg.add(
            "rect",
            x=left,
            y=top,
            width=plot_w,
            height=plot_h,
            fill="none",
            stroke=MUTED,
            class_="plot-frame",
        )
        svg.text(
            left + plot_w / 2,
            self.height - 10,
            self.x_label,
            "plot-axis-label",
            text_anchor="middle",
        )
        cy = top + plot_h / 2
        svg.text(
            14,
            cy,
            self.y_label,
            "plot-axis-label",
            text_anchor="middle",
            transform=f"rotate(-90 14 {_num(cy)})",
        )

        clip = f"{self.name}-clip"
        svg.raw(
            f'<clipPath id="{escape(clip)}"><rect x="{_num(left)}" y="{_num(top)}"'
            f' width="{_num(plot_w)}" height="{_num(plot_h)}"/></clipPath>'
        )
        body = Svg(self.name, "", 0, 0)
        for layer in self.layers:
            self._draw(body, layer, sx, sy, (left, top, plot_w, plot_h))
        svg.raw(f'<g clip-path="url(#{escape(clip)})">{"".join(body.parts)}</g>')

        x0, y0 = left + plot_w + 16, top + 8
        for k, layer in enumerate(labelled):
            y = y0 + k * 20
            self._swatch(svg, layer, x0, y)
            svg.text(x0 + 30, y + 4, _shorten(layer.label or "", 30), "plot-legend", fill=INK)
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
    def _draw(svg: Svg, layer: _Layer, sx: Scale, sy: Scale, box: tuple[float, ...]) -> None:
        left, top, plot_w, plot_h = box
        if layer.kind == "line":
            commands, pen_down = [], False
            for x, y in zip(layer.xs, layer.ys, strict=True):
                if sx.accepts(x) and sy.accepts(y):
                    commands.append(f"{'L' if pen_down else 'M'}{_num(sx(x))} {_num(sy(y))}")
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
        elif layer.kind == "hline" and sy.accepts(layer.ys[0]):
            py = sy(layer.ys[0])  # type: ignore[arg-type]
            svg.add(
                "line",
                x1=left,
                x2=left + plot_w,
                y1=py,
                y2=py,
                stroke=layer.colour,
                stroke_width=layer.width,
                stroke_dasharray=layer.dash,
            )
        elif layer.kind == "vline" and sx.accepts(layer.xs[0]):
            px = sx(layer.xs[0])  # type: ignore[arg-type]
            svg.add(
                "line",
                x1=px,
                x2=px,
                y1=top,
                y2=top + plot_h,
                stroke=layer.colour,
                stroke_width=layer.width,
                stroke_dasharray=layer.dash,
            )


# --- heatmaps ------------------------------------------------------------------------------


def png_data_uri(pixels: Sequence[Sequence[tuple[int, int, int, int]]]) -> str:
    """An RGBA image (rows of (r, g, b, a)) as a data: URI of a PNG file."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


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
        top = 34 + (18 if self.note else 0) + band
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

        svg = Svg(self.name, self.title, self.width, height)
        svg.text(left - band, 20, self.title, "plot-title", font_size=14, font_weight="600")
        if self.note:
            svg.text(left - band, 38, self.note, "plot-note")
        if rows * cols > MAX_VECTOR_CELLS:
            self._raster(svg, left, top, plot_w, plot_h)
        else:
            self._cells(svg, left, top, cell_w, cell_h)
        svg.add(
            "rect",
            x=left,
            y=top,
            width=plot_w,
            height=plot_h,
            fill="none",
            stroke=MUTED,
            class_="plot-frame",
        )
        for pos, label in self.x_ticks:
            px = left + pos * cell_w
            svg.add("line", x1=px, x2=px, y1=top + plot_h, y2=top + plot_h + 4, stroke=MUTED)
            svg.text(px, top + plot_h + 16, label, text_anchor="middle")
        for pos, label in self.y_ticks:
            py = top + pos * cell_h
            svg.add("line", x1=left - 4, x2=left, y1=py, y2=py, stroke=MUTED)
            svg.text(left - band - 6, py + 4, label, text_anchor="end")
        svg.text(
            left + plot_w / 2,
            height - 10,
            self.x_label,
            "plot-axis-label",
            text_anchor="middle",
        )
        cy = top + plot_h / 2
        svg.text(
            14,
            cy,
            self.y_label,
            "plot-axis-label",
            text_anchor="middle",
            transform=f"rotate(-90 14 {_num(cy)})",
        )
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
                        ink = "#ffffff" if _luminance(fill) < 0.55 else "#111111"
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
            [(0, 0, 0, 0) if v is None else (*_rgb(self.colour(v)), 255) for v in row]
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


# --- horizontal bars -----------------------------------------------------------------------


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
        top = 34 + (18 if self.note else 0)
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

        svg = Svg(self.name, self.title, self.width, height)
        svg.text(8, 20, self.title, "plot-title", font_size=14, font_weight="600")
        if self.note:
            svg.text(8, 38, self.note, "plot-note")
        for t in sx.ticks():
            px = sx(t)
            svg.add("line", x1=px, x2=px, y1=top, y2=top + plot_h, stroke=GRID, class_="plot-grid")
            svg.text(px, top + plot_h + 16, sx.label(t), text_anchor="middle")
        base = sx(sx.lo) if self.x_log else sx(max(0.0, sx.lo))
        for i, label in enumerate(self.labels):
            y = top + gap + i * row_h
            svg.text(
                left - 8,
                y + row_h / 2 - 1,
                _shorten(label, 32),
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
        svg.add(
            "rect",
            x=left,
            y=top,
            width=plot_w,
            height=plot_h,
            fill="none",
            stroke=MUTED,
            class_="plot-frame",
        )
        svg.text(
            left + plot_w / 2, height - 10, self.x_label, "plot-axis-label", text_anchor="middle"
        )
        for k, (label, _, colour) in enumerate(self.series if several else []):
            y = top + 8 + k * 20
            svg.add("rect", x=left + plot_w + 16, y=y - 6, width=22.0, height=12.0, fill=colour)
            svg.text(left + plot_w + 46, y + 4, label, "plot-legend", fill=INK)
        return svg.markup()


# --- timelines -----------------------------------------------------------------------------


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
        top = 34 + (18 if self.note else 0)
        left = 70.0
        right = 20.0
        longest_boxes = max((sum(s.ok is not None for s in r) for _, r in self.rows), default=1)
        longest_sleep = max((sum(s.seconds for s in r) for _, r in self.rows), default=0.0)
        room = self.width - left - right - longest_boxes * (box + 4)
        per_second = min(40.0, room / longest_sleep) if longest_sleep > 0 else 0.0
        height = top + row_h * len(self.rows) + 12
        svg = Svg(self.name, self.title, self.width, height)
        svg.text(8, 20, self.title, "plot-title", font_size=14, font_weight="600")
        if self.note:
            svg.text(8, 38, self.note, "plot-note")
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


# --- the figures of each demo, drawn from its JSON-ready numbers -----------------------------

SCHEME_LABELS = {
    "tied": "tied",
    "untied": "untied",
    "tied-orthogonal": "tied + orthogonal P",
    "tied-swap": "tied + half swap",
    "tied-shuffle": "tied + shuffle",
}


def tied_embeddings_figures(r: dict) -> list[Figure]:
    sweep = r["sweep"]
    chart = Chart(
        "tied-sweep",
        f"Initial loss against σ (n = {r['n']}, d = {r['d']})",
        x_label="σ, the standard deviation of the embedding entries",
        y_label="mean cross-entropy (nats)",
        x_log=True,
        y_log=True,
        note=f"Monte Carlo over {sweep['rows']} rows per σ; dashed: log(e^(dσ) + n − 1)",
    )
    for scheme, losses in sweep["losses"].items():
        chart.line(sweep["sigmas"], losses, SCHEME_LABELS.get(scheme, scheme))
    chart.line(
        sweep["sigmas"],
        sweep["article_curve"],
        "article's formula",
        colour=INK,
        dash="7 4",
        width=1.5,
    )
    chart.hline(sweep["log_n"], "log n (uniform)")
    chart.points(
        [r["sigma"]],
        [r["loss"]],
        f"this run ({SCHEME_LABELS[r['scheme']]})",
        colour=INK,
        radius=5.0,
    )
    return [Figure("sweep", chart.svg())]


def attention_scale_figures(r: dict) -> list[Figure]:
    grid_n, fit = r["grid_n"], r["grid_fit"]
    form = "√(log n)" if r["kind"] == "normal" else "log n"
    alpha = Chart(
        "attention-alpha",
        "Optimal scale α* against n (the article's mean-field approximation)",
        x_label="n, the number of keys",
        y_label="α*",
        x_log=True,
        x_range=(min(40, r["n"]) / 1.2, max(20000, r["n"]) * 1.2),
        note=f"{r['kind']} scores" + (f", d = {r['d']}" if r["kind"] == "cosine" else ""),
    )
    alpha.line(grid_n, r["grid_alpha_star"], "α* (mean-field)")
    alpha.line(grid_n, fit, f"fit {format_number(r['coefficient'])}·{form}", dash="7 4")
    if r["article_coefficient"] is not None and r["coefficient"]:
        basis = [f / r["coefficient"] for f in fit]
        alpha.line(
            grid_n,
            [r["article_coefficient"] * b for b in basis],
            f"article {format_number(r['article_coefficient'])}·{form}",
            dash="2 3",
        )
    alpha.points([r["n"]], [r["alpha_star"]], f"n = {r['n']}", colour=INK, radius=5.0)

    curve = r["curve"]
    objective = Chart(
        "attention-objective",
        f"Objective α (1 − Σ p²) against α at n = {r['n']}",
        x_label="α, the softmax scale",
        y_label="α (1 − Σ p²)",
        note="α* maximises the approximation; the exact objective peaks later",
    )
    objective.line(curve["alphas"], curve["mean_field"], "mean-field approximation")
    if curve["monte_carlo"] is not None:
        objective.line(
            curve["alphas"],
            curve["monte_carlo"],
            f"exact, Monte Carlo ({curve['monte_carlo_trials']} trials)",
        )
    objective.vline(r["alpha_star"], "α* (approximation)", colour=PALETTE[0])
    if curve["monte_carlo_alpha_star"] is not None:
        objective.vline(
            curve["monte_carlo_alpha_star"], "argmax of the exact curve", colour=PALETTE[1]
        )
    return [Figure("alpha-star", alpha.svg()), Figure("objective", objective.svg())]


def retry_figures(r: dict) -> list[Figure]:
    tries = r["tries"]
    ks = list(range(1, tries + 1))
    attempts = Chart(
        "retry-attempts",
        f"Attempts per block (p_fail = {format_number(r['p_fail'])}, {tries} tries)",
        x_label="attempts made by one block",
        y_label="share of the runs",
        x_range=(0.4, tries + 0.6),
        note=f"{r['runs']} simulated runs against the exact distribution",
    )
    attempts.bars(
        [k - 0.38 for k in ks],
        [k + 0.38 for k in ks],
        [h / r["runs"] for h in r["attempts_histogram"]],
        "simulated",
    )
    attempts.points(ks, r["attempts_distribution_exact"], "exact", colour=INK)
    rows = []
    for k, run in enumerate(r["timelines"], start=1):
        steps = [
            Step(event["ok"]) if event["kind"] == "attempt" else Step(None, event["seconds"])
            for event in run["events"]
        ]
        rows.append((f"run {k}", steps))
    timeline = Timeline(
        "retry-timeline",
        "The first runs on the fake clock",
        rows,
        note=f"✓ a call that succeeded, ✗ one that failed; grey: a sleep of {r['sleep']:g} s",
    )
    return [Figure("attempts", attempts.svg()), Figure("timeline", timeline.svg())]


def length_extrapolation_figures(r: dict) -> list[Figure]:
    dims, method = r["dims"], r["method"]
    coverage = Chart(
        "length-coverage",
        f"Share of test distances whose angle was trained ({method})",
        x_label="dimension pair i (θᵢ = base^(−2i/d))",
        y_label="covered share of Δ < L_test",
        y_range=(0.0, 1.05),
        height=300,
        note=f"L_train = {r['train_len']}, L_test = {r['test_len']}; "
        f"uncovered overall: {r['uncovered_fraction']:.2%}",
    )
    coverage.line(dims, r["coverage"], method)
    ratio = Chart(
        "length-theta",
        f"Frequency change θᵢ′/θᵢ and trained turns rᵢ ({method})",
        x_label="dimension pair i",
        y_label="ratio (log scale)",
        y_log=True,
        height=300,
        note=f"scale s = L_test / L_train = {format_number(r['scale'])}",
    )
    ratio.line(dims, r["theta_ratio"], "θᵢ′ / θᵢ")
    ratio.line(dims, r["turns"], "turns rᵢ in training", dash="7 4")
    ratio.hline(1.0, "one full turn / ratio 1")

    edges = r["coverage_bin_edges"]
    bins = len(edges) - 1
    step = max(1, bins // 4)
    x_ticks = [(k, format_number(edges[k])) for k in range(0, bins + 1, step)]
    rows = len(dims)
    y_ticks = [(k + 0.5, str(k)) for k in range(0, rows, max(1, rows // 8))]
    heat = Heatmap(
        "length-coverage-map",
        f"Trained angles per pair and distance ({method})",
        r["coverage_map"],
        x_label="relative distance Δ",
        y_label="dimension pair i",
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        value_range=(0.0, 1.0),
        value_label="share covered",
    )
    rel = r["relative_map"]
    size = len(rel)
    tick_step = max(1, size // 8)
    rel_map = Heatmap(
        "length-relative-map",
        f"Relative position fed to RoPE, {size} tokens ({method})",
        rel,
        x_label="key position j",
        y_label="query position i",
        x_ticks=[(k + 0.5, str(k)) for k in range(0, size, tick_step)],
        y_ticks=[(k + 0.5, str(k)) for k in range(0, size, tick_step)],
        value_label="rel(i − j)",
        cell_text=size <= 16,
        square=True,
        height=420,
        note=f"window shrunk to {r['relative_map_window']} for this small map"
        if "rerope" in method
        else None,
    )
    return [
        Figure("coverage", coverage.svg()),
        Figure("theta-ratio", ratio.svg()),
        Figure("coverage-map", heat.svg()),
        Figure("relative-map", rel_map.svg()),
    ]


TOKEN_COLOURS = {"text": "#1f6fd1", "image": "#e08a00"}


def lossless_input_figures(r: dict) -> list[Figure]:
    layout = r["mask_layout"]
    size = len(layout)
    figures = []
    if size:
        tick_step = max(1, size // 12)
        mask = Heatmap(
            "lossless-mask",
            f"Attention mask of {size} tokens",
            r["attention_mask"],
            x_label="attended token",
            y_label="attending token",
            x_ticks=[(k + 0.5, str(k)) for k in range(0, size, tick_step)],
            y_ticks=[(k + 0.5, str(k)) for k in range(0, size, tick_step)],
            categories={1: ("#3f9a6a", "may attend"), 0: ("#e6e6ec", "masked")},
            band=Band(layout, TOKEN_COLOURS),
            square=True,
            height=420,
            note="strips: token type (text / image patch)",
        )
        figures.append(Figure("mask", mask.svg()))
    noised = r["noised"]
    grid = len(noised["patch_means"])
    ticks = [(k + 0.5, str(k)) for k in range(0, grid, max(1, grid // 8))]
    for name, key, title in (
        ("clean", "clean_patch_means", "Clean patches"),
        ("noised", "patch_means", f"Noised at step {noised['step']}"),
    ):
        heat = Heatmap(
            f"lossless-{name}",
            f"{title} ({grid}×{grid} patches)",
            noised[key],
            x_label="patch column",
            y_label="patch row",
            x_ticks=ticks,
            y_ticks=ticks,
            value_range=(-2.0, 2.0),
            stops=("#2b2d6e", "#6b8fd6", "#f2f2f2", "#e0825a", "#7a1f1f"),
            value_label="patch mean",
            square=True,
            width=480,
            height=400,
            note=f"√ᾱ = {noised['signal_scale']:.3f}, noise {noised['noise_scale']:.3f}"
            if name == "noised"
            else "mean of each patch's sub-pixels",
        )
        figures.append(Figure(name, heat.svg()))
    lengths = BarRows(
        "lossless-lengths",
        f"Sequence length of one {r['image_size']}×{r['image_size']} image",
        [
            "pixel autoregression",
            f"VQ tokens (÷{r['downsample']})",
            f"raw patches ({r['patch']}×{r['patch']})",
            "lossless code of seq_len",
        ],
        x_label="tokens (log scale)",
        x_log=True,
    ).add("tokens", [r["pixel_ar_length"], r["vq_length"], r["patch_tokens"], r["seq_len"]])
    figures.append(Figure("lengths", lengths.svg()))
    return figures


def fourier_density_figures(r: dict) -> list[Figure]:
    edges = r["histogram_edges"]
    density = Chart(
        "fourier-density",
        f"Density fits to {r['samples']} samples of '{r['target']}'",
        x_label="y",
        y_label="density",
        note=f"Fourier series with N = {r['terms']} ({r['fbdm']['parameters']} parameters), "
        f"mixtures of {r['gmm']['components']} Gaussians ({r['gmm']['parameters']})",
    )
    density.bars(edges[:-1], edges[1:], r["histogram"], "samples", colour="#9a9aa2")
    density.line(r["grid"], r["true_density"], "true density", colour=INK, width=1.5)
    density.line(r["grid"], r["fbdm_density"], "Fourier series", colour=PALETTE[0], width=2.5)
    density.line(r["grid"], r["gmm_density"], "mixture, gradient", colour=PALETTE[1])
    density.line(r["grid"], r["gmm_em_density"], "mixture, EM", colour=PALETTE[2], dash="6 4")
    unit = Chart(
        "fourier-unit",
        "The series on [−1, 1] before the tanh map",
        x_label="x = tanh((y − μ) / σ)",
        y_label="p(x)",
        width=480,
        height=320,
        note=f"minimum {format_number(r['fbdm']['unit_min'])}: never negative by construction",
    )
    unit.line(r["unit_grid"], r["unit_density"])
    unit.hline(0.0)
    mags = r["fbdm"]["coefficient_magnitudes"]
    spectrum = Chart(
        "fourier-spectrum",
        "Spectrum |cₙ| / c₀",
        x_label="frequency n",
        y_label="|cₙ| / c₀ (log scale)",
        y_log=True,
        width=480,
        height=320,
    )
    spectrum.line(list(range(len(mags))), mags)
    spectrum.points(list(range(len(mags))), mags, colour=PALETTE[0], radius=3.0)
    return [
        Figure("density", density.svg()),
        Figure("unit", unit.svg()),
        Figure("spectrum", spectrum.svg()),
    ]


SEGMENTATION_ROWS = 24


def segmentations_figures(r: dict) -> list[Figure]:
    rows = r["rows"][:SEGMENTATION_ROWS]
    shown = "" if len(r["rows"]) <= SEGMENTATION_ROWS else f"; the {len(rows)} most probable"
    target = "n-best target" if r["algorithm"] == "nbest" else "exact probability"
    bars = BarRows(
        "segmentations-bars",
        f"Segmentations of '{r['text']}' at α = {format_number(r['alpha'])}",
        [row["text"] for row in rows],
        x_label="probability",
        note=f"{r['count']} segmentations{shown}; {r['samples']} samples ({r['algorithm']})",
    )
    bars.add(target, [row["target"] for row in rows])
    bars.add("sampled frequency", [row["frequency"] for row in rows])
    return [Figure("distribution", bars.svg())]


def tokenizer_figures(r: dict) -> list[Figure]:
    labels = ["Viterbi"] + [f"sample {k}" for k in range(1, len(r["samples"]) + 1)]
    values = [r["bytes_per_token"]] + [s["bytes_per_token"] for s in r["samples"]]
    figures = [
        Figure(
            "compression",
            BarRows(
                "tokenizer-compression",
                f"Bytes per token ({r['bytes']} bytes of text)",
                labels,
                x_label="bytes per token",
                note=f"samples drawn at α = {format_number(r['alpha'])}, seed {r['seed']}",
            )
            .add("bytes per token", [v or 0.0 for v in values])
            .svg(),
        )
    ]
    lengths = [len(p["bytes"]) // 2 for p in r["pieces"]]
    if lengths:
        top = max([*lengths, *(len(p["bytes"]) // 2 for s in r["samples"] for p in s["pieces"])])
        ks = list(range(1, top + 1))
        chart = Chart(
            "tokenizer-lengths",
            "Pieces by length",
            x_label="piece length (bytes)",
            y_label="pieces",
            x_range=(0.4, top + 0.6),
            height=300,
        )
        chart.bars(
            [k - 0.38 for k in ks],
            [k + 0.38 for k in ks],
            [lengths.count(k) for k in ks],
            "Viterbi",
        )
        if r["samples"]:
            mean = [
                sum(len(p["bytes"]) // 2 == k for s in r["samples"] for p in s["pieces"])
                / len(r["samples"])
                for k in ks
            ]
            chart.line(ks, mean, "samples (mean)", colour=PALETTE[1])
            chart.points(ks, mean, colour=PALETTE[1], radius=3.0)
        figures.append(Figure("lengths", chart.svg()))
    return figures
