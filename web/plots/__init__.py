"""Server-side SVG plots: a small plotting kit of our own.

`Chart` draws lines, points, bars and reference lines on linear or logarithmic axes with a
legend; `Heatmap` draws a matrix as coloured cells (a PNG inside the SVG when it is large);
`BarRows` draws labelled horizontal bars, several series per row; `Timeline` draws rows of
attempt boxes and sleep gaps. Each gives an SVG document as `Markup`, which works inline in a
page (where style.css adapts its ink to the theme through the class names) and as a file: the
colours are SVG presentation attributes, never style attributes, so a strict CSP allows them.

Modules: `svg` (the document), `frame` (heading, border, grid and axis titles around a plot
area), `scales` (ticks and axis maps), `text` (numbers and widths), `colours` (palette and
colour maps), `png` (rasters), and one module per kind of plot: `chart`, `heatmap`, `bars`,
`timeline`.
"""

from web.plots.bars import BarRows
from web.plots.chart import Chart
from web.plots.colours import GRID, INK, MUTED, PALETTE, VIRIDIS, colour_at
from web.plots.heatmap import Band, Heatmap, cell_ticks
from web.plots.png import png_data_uri
from web.plots.scales import Scale, domain, linear_ticks, log_ticks
from web.plots.svg import Svg
from web.plots.text import format_number, power_of_ten, text_width
from web.plots.timeline import Step, Timeline

__all__ = [
    "GRID",
    "INK",
    "MUTED",
    "PALETTE",
    "VIRIDIS",
    "Band",
    "BarRows",
    "Chart",
    "Heatmap",
    "Scale",
    "Step",
    "Svg",
    "Timeline",
    "cell_ticks",
    "colour_at",
    "domain",
    "format_number",
    "linear_ticks",
    "log_ticks",
    "png_data_uri",
    "power_of_ten",
    "text_width",
]
