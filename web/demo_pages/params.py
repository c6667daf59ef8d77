"""Query parameters of the demo pages: one `Param` spec per function argument, of a kind
(`Integer`, `Real`, `Slider`, `Choice`, `RuleOrReal`, `Text`) that parses the query text and
describes itself for the form and the OpenAPI document; `parse_query` applies the specs.

Unknown parameters, repeated ones and wrong types are `DemoError`s naming the parameter; an
empty value is `OMITTED`, so that the function's default applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from demos import params
from demos.errors import DemoError


class Omitted:
    """An empty query value: the function's default applies."""


OMITTED = Omitted()


@dataclass(frozen=True)
class Integer:
    lo: int
    hi: int
    step: int = 1
    control: str = "number"

    def parse(self, name: str, raw: str) -> int | Omitted:
        return OMITTED if not raw.strip() else params.integer(name, raw, self.lo, self.hi)

    def schema(self) -> dict[str, object]:
        schema: dict[str, object] = {"type": "integer", "minimum": self.lo, "maximum": self.hi}
        if self.step > 1:
            schema["multipleOf"] = self.step
        return schema


@dataclass(frozen=True)
class Real:
    lo: float
    hi: float
    open_lo: bool = False
    step: str = "any"
    control: str = "number"

    def parse(self, name: str, raw: str) -> float | Omitted:
        if not raw.strip():
            return OMITTED
        return params.real(name, raw, self.lo, self.hi, open_lo=self.open_lo)

    def schema(self) -> dict[str, object]:
        bound = "exclusiveMinimum" if self.open_lo else "minimum"
        return {"type": "number", bound: self.lo, "maximum": self.hi}


@dataclass(frozen=True)
class Slider(Real):
    """A real number in a small range, shown as a slider."""

    step: str = "0.01"
    control: str = "range"


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]
    optional: bool = False  # an "auto" entry leaves the choice to the function
    control: str = "select"

    def parse(self, name: str, raw: str) -> str | Omitted:
        return OMITTED if not raw.strip() else params.choice(name, raw, self.options)

    def schema(self) -> dict[str, object]:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class RuleOrReal:
    """A named rule or a number (tied embeddings' sigma)."""

    rules: tuple[str, ...]
    lo: float
    hi: float
    control: str = "text"

    @property
    def options(self) -> tuple[str, ...]:
        return self.rules

    def parse(self, name: str, raw: str) -> str | float | Omitted:
        text = raw.strip().lower()
        if not text:
            return OMITTED
        if text in self.rules:
            return text
        try:
            return params.real(name, raw, self.lo, self.hi)
        except DemoError:
            raise DemoError(
                f"{name} must be one of {', '.join(self.rules)} or a number in "
                f"[{self.lo:g}, {self.hi:g}], got {raw!r}"
            ) from None

    def schema(self) -> dict[str, object]:
        return {
            "oneOf": [
                {"type": "string", "enum": list(self.rules)},
                {"type": "number", "minimum": self.lo, "maximum": self.hi},
            ]
        }


@dataclass(frozen=True)
class Text:
    max_bytes: int
    empty_is_default: bool = True
    control: str = "text"

    def parse(self, name: str, raw: str) -> str | Omitted:
        if not raw.strip() and self.empty_is_default:
            return OMITTED
        size = len(raw.encode("utf-8", errors="surrogatepass"))
        if size > self.max_bytes:
            raise DemoError(f"{name} must be at most {self.max_bytes} bytes of UTF-8, got {size}")
        return raw

    def schema(self) -> dict[str, object]:
        return {"type": "string", "maxLength": self.max_bytes}


Kind = Integer | Real | Choice | RuleOrReal | Text


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    label: str
    help: str = ""
    advanced: bool = False  # shown under "More settings"
    shown_default: str | None = None  # what the form shows when the default is None
    placeholder: str = ""


SEED = Integer(0, params.MAX_SEED)


def parse_query(
    specs: Sequence[Param], query: QueryParams, *, allowed: frozenset[str] = frozenset()
) -> dict[str, object]:
    """The keyword arguments of a demo function from a query string; DemoError if bad."""
    names = [p.name for p in specs]
    for key in query:
        if key not in names and key not in allowed:
            raise DemoError(f"unknown parameter {key[:40]!r}; this demo takes {', '.join(names)}")
    values: dict[str, object] = {}
    for param in specs:
        given = query.getlist(param.name)
        if len(given) > 1:
            raise DemoError(f"{param.name} is given more than once")
        if given:
            value = param.kind.parse(param.name, given[0])
            if value is not OMITTED:
                values[param.name] = value
    return values
