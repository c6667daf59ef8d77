"""`Demo`: what a demo page is made of: its function, parameter specs and figures."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from web.demo_pages.figures import Figure
from web.demo_pages.params import Param


@dataclass(frozen=True)
class Demo:
    slug: str
    title: str
    summary: str
    article: str
    function: Callable[..., object]
    params: tuple[Param, ...]
    figures: Callable[[dict], list[Figure]]
    api_path: str
    keys: tuple[str, ...]  # the documented keys of the JSON answer
    rules: tuple[str, ...] = ()  # how parameters constrain each other, for the API's readers

    @property
    def path(self) -> str:
        return f"/demos/{self.slug}"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, object]:
        signature = inspect.signature(self.function)
        return {name: p.default for name, p in signature.parameters.items()}
