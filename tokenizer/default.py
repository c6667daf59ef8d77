"""The model shipped with coolpapers: BytePiece trained on arXiv titles and abstracts."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from tokenizer.tokenizer import Tokenizer

DEFAULT_MODEL = "arxiv.model.gz"


def default_model_path() -> Path:
    """The path of the shipped model file (gzip'd BytePiece JSON)."""
    return Path(str(resources.files("tokenizer") / DEFAULT_MODEL))


@lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    """The shipped tokenizer, loaded once per process (Viterbi decoding; do not reseed it)."""
    return Tokenizer(default_model_path())
