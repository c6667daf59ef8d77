"""Which segmenter a tokenizer runs: the compiled extension when it was built, else pure Python.

``backend="python"`` forces the pure path (the site passes its TOKENIZER_BACKEND setting);
``compiled`` demands the extension and fails loudly when it is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Literal, Protocol

from tokenizer.rng import SplitMix64

BackendName = Literal["compiled", "python"]


class Segmenter(Protocol):
    def ids(self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True) -> list[int]: ...

    def pieces(
        self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True
    ) -> list[bytes]: ...

    def spans(
        self, data: bytes, alpha: float, rng: SplitMix64, lines: bool = True
    ) -> tuple[list[int], list[int]]: ...


def compiled_module() -> ModuleType | None:
    """The compiled extension module, or None when it was not built."""
    try:
        from tokenizer import _fast
    except ImportError:
        return None
    return _fast


def resolve_backend(name: str | None = None) -> BackendName:
    """The backend to use for ``name`` ("compiled", "python", "auto" or None for the default)."""
    choice = (name or "auto").strip().lower()
    if choice == "python":
        return "python"
    if choice == "compiled":
        if compiled_module() is None:
            raise RuntimeError(
                "the compiled tokenizer extension is not built; run `pip install -e .`"
            )
        return "compiled"
    if choice == "auto":
        return "compiled" if compiled_module() is not None else "python"
    raise ValueError(f"unknown tokenizer backend {name!r}: expected compiled, python or auto")


def make_segmenter(
    backend: BackendName, ids: Mapping[bytes, int], log_probs: Mapping[bytes, float]
) -> Segmenter:
    if backend == "compiled":
        from tokenizer._fast import Segmenter as CompiledSegmenter

        return CompiledSegmenter(ids, log_probs)
    from tokenizer.pure import PureSegmenter

    return PureSegmenter(ids, log_probs)
