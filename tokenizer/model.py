"""BytePiece's model file: ``{base64(piece): [id, printable text, count]}`` as JSON (optionally
gzip'd), with ids 0, 1, 2 reserved for ``<pad>``, ``<bos>``, ``<eos>``."""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SPECIALS = ("<pad>", "<bos>", "<eos>")
PAD_ID, BOS_ID, EOS_ID = 0, 1, 2

# A piece's entry in a model: ``[id, printable text, count]``.
ModelEntry = list[int | str]
ModelSource = str | os.PathLike[str] | Mapping[str, Sequence[int | str]]


class NotSegmentable(ValueError):
    """The vocabulary cannot cover some byte of the text (a model without all 256 bytes)."""


@dataclass(frozen=True)
class Vocabulary:
    """The pieces of a model with their ids and training counts."""

    ids: dict[bytes, int]
    counts: dict[bytes, int]

    def __len__(self) -> int:
        return len(self.ids)

    def log_probs(self) -> dict[bytes, float]:
        """``log(count) - log(total count)`` for each piece, in float64 like the original."""
        log_total = math.log(float(sum(self.counts.values())))
        return {piece: math.log(float(count)) - log_total for piece, count in self.counts.items()}


def read_model(source: ModelSource) -> dict[str, ModelEntry]:
    """The raw JSON mapping of a model given as a path (``.gz`` for gzip'd JSON) or a mapping."""
    if isinstance(source, Mapping):
        return {key: list(value) for key, value in source.items()}
    path = Path(source)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    model: dict[str, ModelEntry] = json.loads(raw.decode("utf-8"))  # the format, unchecked
    return model


def load_vocabulary(source: ModelSource) -> Vocabulary:
    """Parse a model into a :class:`Vocabulary` (pieces are bytes)."""
    ids: dict[bytes, int] = {}
    counts: dict[bytes, int] = {}
    for key, value in read_model(source).items():
        piece = base64.b64decode(key)
        if not piece:
            raise ValueError("a model piece may not be empty")
        ids[piece] = int(value[0])
        counts[piece] = int(value[-1])
    if not ids:
        raise ValueError("the model has no pieces")
    return Vocabulary(ids=ids, counts=counts)


def dump_model(counts: Mapping[bytes, int]) -> dict[str, ModelEntry]:
    """The model mapping for piece counts: ids from 3 in (length, bytes) order."""
    ordered = sorted(counts.items(), key=lambda item: (len(item[0]), item[0]))
    return {
        base64.b64encode(piece).decode(): [index + 3, piece.decode(errors="ignore"), count]
        for index, (piece, count) in enumerate(ordered)
    }


def save_model(model: Mapping[str, Sequence[int | str]], path: str | os.PathLike[str]) -> None:
    """Write a model as compact JSON, gzip'd when the path ends with ``.gz``."""
    text = json.dumps(model, ensure_ascii=False, separators=(",", ":"))
    data = text.encode("utf-8")
    target = Path(path)
    if target.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    target.write_bytes(data)
