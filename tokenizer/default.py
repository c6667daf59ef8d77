"""The model shipped with coolpapers: BytePiece trained on arXiv titles and abstracts.

``arxiv.model.gz`` is what ``Trainer(**DEFAULT_TRAINING)`` writes for the 1,294 papers of
``tests/fixtures/bytepiece/arxiv-abstracts.txt`` (7,986 pieces). Those settings (a 12-gram byte
model, pieces seen at least 3 times) compress held-out abstracts about 6% better than
SentencePiece unigram with the same vocabulary size (see benchmarks/README.md); the original
BytePiece's reference settings (order 6, min_count 2) make a smaller, weaker model on a corpus
this small.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from tokenizer.tokenizer import Tokenizer

DEFAULT_MODEL = "arxiv.model.gz"
DEFAULT_TRAINING = {"order": 12, "min_count": 3, "max_vocab_size": 8000}


def default_model_path() -> Path:
    """The path of the shipped model file (gzip'd BytePiece JSON)."""
    return Path(str(resources.files("tokenizer") / DEFAULT_MODEL))


@lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    """The shipped tokenizer, loaded once per process (Viterbi decoding; do not reseed it)."""
    return Tokenizer(default_model_path())
