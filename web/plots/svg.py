"""The SVG document a plot is drawn into, element by element."""

from __future__ import annotations

from markupsafe import Markup, escape

from web.plots.colours import INK, MUTED
from web.plots.text import coord

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


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
                value = coord(value)
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
            f' viewBox="0 0 {coord(self.width)} {coord(self.height)}"'
            f' width="{coord(self.width)}" height="{coord(self.height)}"'
            f' role="img" aria-labelledby="{escape(self.name)}-title"'
            f' data-figure="{escape(self.name)}" font-family="{FONT}" font-size="12">'
            f'<title id="{escape(self.name)}-title">{escape(self.title)}</title>'
        )
        return Markup(head + "".join(self.parts) + "</svg>")
