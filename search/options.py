"""What the search takes from the site's settings, handed to it by whoever assembles the site.

The composition roots (``web.app.create_app``, ``cli.context.services``) call ``configure``
with the TOKENIZER_MODEL, TOKENIZER_BACKEND, SEARCH_FULL_TEXT and SEARCH_CACHE_MB settings;
code that calls the search without them (tests, benchmarks) gets those settings' defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.settings import Settings
from search.analysis import Analyzer
from tokenizer import Tokenizer, default_model_path, default_tokenizer


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """``tokenizer_model``: the BytePiece model file the index is built with (empty: the
    shipped one); ``tokenizer_backend``: "auto", "compiled" or "python"; ``full_text``:
    whether papers' bodies are indexed; ``cache_mb``: memory for decoded posting lists."""

    tokenizer_model: str = ""
    tokenizer_backend: str = "auto"
    full_text: bool = True
    cache_mb: int = 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchOptions:
        return cls(
            tokenizer_model=settings.TOKENIZER_MODEL,
            tokenizer_backend=settings.TOKENIZER_BACKEND,
            full_text=settings.SEARCH_FULL_TEXT,
            cache_mb=settings.SEARCH_CACHE_MB,
        )

    @property
    def cache_bytes(self) -> int:
        return self.cache_mb * 1024 * 1024

    def tokenizer(self) -> Tokenizer:
        """The tokenizer of these options (the shipped one, loaded once, by default)."""
        if not self.tokenizer_model and self.tokenizer_backend == "auto":
            return default_tokenizer()
        return Tokenizer(
            self.tokenizer_model or default_model_path(), backend=self.tokenizer_backend
        )


_current = SearchOptions()
_shared_analyzer = Analyzer(load=_current.tokenizer)


def current() -> SearchOptions:
    """The options the search runs with now."""
    return _current


def shared_analyzer() -> Analyzer:
    """The analyzer, with the configured tokenizer, that indexing and searching use by default."""
    return _shared_analyzer


def configure(options: SearchOptions) -> None:
    """Run the search with ``options`` from now on (with a new analyzer when the tokenizer's
    model or backend changed)."""
    global _current, _shared_analyzer
    if (options.tokenizer_model, options.tokenizer_backend) != (
        _current.tokenizer_model,
        _current.tokenizer_backend,
    ):
        _shared_analyzer = Analyzer(load=options.tokenizer)
    _current = options
