"""The model shipped with coolpapers: BytePiece trained on arXiv titles and abstracts.

``arxiv.model.gz`` is what ``Trainer(order=6, max_vocab_size=8000, min_count=2)`` writes for the
1,294 papers of ``tests/fixtures/bytepiece/arxiv-abstracts.txt`` (4,603 pieces; the corpus is
too small for more). It is the same model, piece for piece and count for count, as the original
BytePiece trainer writes for that file.
"""

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
