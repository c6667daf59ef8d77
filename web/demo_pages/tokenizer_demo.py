"""The tokenizer demo, the one demo page whose function the site defines itself (the others
come from `demos`): the shipped BytePiece model's Viterbi segmentation of any text, sampled
segmentations beside it, and the result classes the JSON endpoint serialises."""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from demos import params
from demos.errors import DemoError
from tokenizer import Tokenizer, default_model_path, default_tokenizer

TOKENIZE_MAX_BYTES = 10 * 1024
TOKENIZE_MAX_SAMPLES = 8
TOKENIZE_ALPHA = (0.0, 100.0)
TOKENIZE_TEXT = (
    "Transformers read text as a sequence of tokens. A unigram tokenizer such as BytePiece "
    "picks the most probable segmentation, or samples one to regularise training."
)
_sampling_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _sampling_tokenizer() -> Tokenizer:
    # The shared default tokenizer must not be reseeded; sampling uses its own copy.
    return Tokenizer(default_model_path())


@dataclass(slots=True)  # not frozen: a 10 KB text makes some 60,000, frozen init costs 2x
class Piece:
    """One token: its text (undecodable bytes as \\xNN), id, bytes as hex, byte span."""

    text: str
    id: int
    bytes: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segmentation:
    tokens: int
    bytes_per_token: float | None
    pieces: list[Piece]


@dataclass(frozen=True)
class TokenizeResult:
    text: str
    alpha: float
    seed: int
    bytes: int
    characters: int
    vocab_size: int
    tokens: int
    bytes_per_token: float | None
    pieces: list[Piece]
    samples: list[Segmentation]


def _segmentation(data: bytes, ids: Sequence[int], offsets: Sequence[tuple[int, int]]):
    pieces = []
    for piece_id, (start, end) in zip(ids, offsets, strict=True):
        piece = data[start:end]
        text = piece.decode("utf-8", errors="backslashreplace")
        pieces.append(Piece(text, piece_id, piece.hex(), start, end))
    return Segmentation(len(pieces), len(data) / len(pieces) if pieces else None, pieces)


def tokenize(
    text: object = TOKENIZE_TEXT, alpha: object = 0.3, seed: object = 0, samples: object = 4
) -> TokenizeResult:
    """The shipped tokenizer's Viterbi segmentation of `text` and `samples` sampled ones.

    Samples are drawn at `alpha` (probability proportional to P(w)^alpha) from a stream
    seeded with `seed`, so that the same parameters give the same samples.
    """
    if not isinstance(text, str):
        raise DemoError("text must be a string")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > TOKENIZE_MAX_BYTES:
        raise DemoError(f"text must be at most {TOKENIZE_MAX_BYTES} bytes of UTF-8, got {size}")
    alpha = params.real("alpha", alpha, *TOKENIZE_ALPHA)
    seed = params.seed(seed)
    samples = params.integer("samples", samples, 0, TOKENIZE_MAX_SAMPLES)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DemoError("text must be valid Unicode (no lone surrogates)") from None

    tokenizer = default_tokenizer()
    best = tokenizer.encode_with_offsets(text)
    viterbi = _segmentation(best.text, best.ids, best.offsets)
    drawn = []
    with _sampling_lock:
        sampler = _sampling_tokenizer()
        sampler.seed(seed)
        for _ in range(samples):
            encoding = sampler.encode_with_offsets(text, alpha=alpha)
            drawn.append(_segmentation(encoding.text, encoding.ids, encoding.offsets))
    return TokenizeResult(
        text=text,
        alpha=alpha,
        seed=seed,
        bytes=len(best.text),
        characters=len(unicodedata.normalize("NFC", text)),
        vocab_size=tokenizer.vocab_size,
        tokens=viterbi.tokens,
        bytes_per_token=viterbi.bytes_per_token,
        pieces=viterbi.pieces,
        samples=drawn,
    )
