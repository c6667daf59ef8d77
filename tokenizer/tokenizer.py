"""The BytePiece tokenizer: unigram segmentation of UTF-8 bytes, decoded or sampled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tokenizer.backends import BackendName, make_segmenter, resolve_backend
from tokenizer.model import BOS_ID, EOS_ID, SPECIALS, ModelSource, load_vocabulary
from tokenizer.rng import SplitMix64
from tokenizer.text import normalize


@dataclass(frozen=True)
class Encoding:
    """Token ids with their byte spans into ``text``, the NFC-normalised UTF-8 input."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    text: bytes

    @property
    def pieces(self) -> list[bytes]:
        return [self.text[start:end] for start, end in self.offsets]


class Tokenizer:
    """A BytePiece model (path, gzip'd path or the JSON mapping) ready to tokenize.

    ``alpha < 0`` picks the most probable segmentation (Viterbi); ``alpha >= 0`` samples one
    with probability proportional to ``exp(alpha * sum(log p))``, from the tokenizer's own random
    stream (``seed`` makes it repeatable). ``backend`` is "compiled", "python", "auto" or None
    (both: the compiled path when it is built).
    """

    def __init__(
        self, model: ModelSource, seed: int | None = None, backend: str | None = None
    ) -> None:
        self.vocabulary = load_vocabulary(model)
        self.backend: BackendName = resolve_backend(backend)
        self._piece_to_id: dict[bytes | str, int] = dict(self.vocabulary.ids.items())
        self._pieces: dict[int, bytes] = {i: p for p, i in self.vocabulary.ids.items()}
        self._id_to_piece: dict[int, bytes | str] = dict(self._pieces.items())
        for special_id, special in enumerate(SPECIALS):
            self._piece_to_id[special] = special_id
            self._id_to_piece[special_id] = special
        self._segmenter = make_segmenter(
            self.backend, self.vocabulary.ids, self.vocabulary.log_probs()
        )
        self._rng = SplitMix64(seed)

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary) + len(SPECIALS)

    def seed(self, seed: int | None) -> None:
        """Restart the random stream used by sampling."""
        self._rng = SplitMix64(seed)

    def tokenize(self, text: str, alpha: float = -1) -> list[bytes]:
        return self._segmenter.pieces(normalize(text), alpha, self._rng)

    def encode(
        self, text: str, add_bos: bool = False, add_eos: bool = False, alpha: float = -1
    ) -> list[int]:
        ids = self._segmenter.ids(normalize(text), alpha, self._rng)
        if add_bos:
            ids.insert(0, BOS_ID)
        if add_eos:
            ids.append(EOS_ID)
        return ids

    def encode_with_offsets(self, text: str, alpha: float = -1) -> Encoding:
        data = normalize(text)
        ids, ends = self._segmenter.spans(data, alpha, self._rng)
        offsets = list(zip([0, *ends], ends, strict=False))
        return Encoding(ids=ids, offsets=offsets, text=data)

    def segment(self, data: bytes, alpha: float = -1) -> list[bytes]:
        """Pieces of raw bytes taken as one chunk: no normalisation, no split at newlines."""
        return self._segmenter.pieces(data, alpha, self._rng, lines=False)

    def decode(self, ids: Iterable[int]) -> str:
        pieces = [self._pieces[i] for i in ids if i > EOS_ID]
        return b"".join(pieces).decode(errors="ignore")

    def piece_to_id(self, piece: bytes | str) -> int:
        """The id of a piece (bytes) or of ``"<pad>"``, ``"<bos>"``, ``"<eos>"``."""
        return self._piece_to_id[piece]

    def id_to_piece(self, piece_id: int) -> bytes | str:
        """The piece (bytes) of an id; the special ids 0-2 give their names as str."""
        return self._id_to_piece[piece_id]

    def pieces_to_ids(self, pieces: Iterable[bytes | str]) -> list[int]:
        return [self._piece_to_id[p] for p in pieces]

    def ids_to_pieces(self, ids: Iterable[int]) -> list[bytes | str]:
        return [self._id_to_piece[i] for i in ids]
