"""The BytePiece trainer: n-gram counting, n-gram pruning, segmentation of the corpus with the
byte n-gram model, and pruning of the resulting pieces (see ``bnlm`` and ``pruning``).

For the same texts and parameters it writes the same pieces with the same counts as the
original ``bytepiece.Trainer``, whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Protocol, Self, TypeVar, cast

from tokenizer.backends import resolve_backend
from tokenizer.bnlm import PureNgramCounter
from tokenizer.model import ModelEntry, dump_model, save_model
from tokenizer.pruning import prune_pieces
from tokenizer.text import training_chunks, training_pattern

Progress = Callable[[str, int], None]
"""Called as ``progress(stage, n)`` when ``n`` more texts (or pieces) of a stage are done."""

# The compiled counter packs an n-gram and its length into 128 bits.
COMPILED_MAX_ORDER = 15


# Texts per task when training with several workers.
BATCH_SIZE = 200

T = TypeVar("T")


class PieceCounting(Protocol):
    """An n-gram tagger (``PureNgramTagger`` or the compiled ``NgramTagger``)."""

    def count_pieces(self, chunks: Iterable[bytes]) -> dict[bytes, int]: ...


class NgramCounting(Protocol):
    """An n-gram counter (``PureNgramCounter`` or the compiled ``NgramCounter``); a run
    only ever combines counters of one kind."""

    def count_level(self, chunks: Iterable[bytes], k: int, known: Self | None = None) -> None: ...

    def prune(self, min_count: int) -> None: ...

    def merge(self, other: Self) -> None: ...

    def tagger(self, min_count: int, ensure_unicode: bool) -> PieceCounting: ...


def _no_progress(stage: str, n: int) -> None:
    pass


# The task of the running ``map_batches``, inherited by its forked workers.
_batch_task: Callable[[list[str]], object] | None = None


def _run_batch(batch: list[str]) -> tuple[int, object]:
    assert _batch_task is not None
    return len(batch), _batch_task(batch)


def _batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while batch := list(islice(iterator, size)):
        yield batch


def map_batches(
    task: Callable[[list[str]], T],
    texts: Iterable[str],
    workers: int,
    stage: str,
    progress: Progress,
) -> Iterator[T]:
    """``task`` over batches of texts in forked worker processes (results in any order)."""
    global _batch_task
    _batch_task = task
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            for done, result in pool.imap_unordered(_run_batch, _batches(texts, BATCH_SIZE)):
                progress(stage, done)
                # What ``task`` returned, through the module global the workers inherit.
                yield cast(T, result)
    finally:
        _batch_task = None


class Trainer:
    """BytePiece training with the original's parameters (and defaults).

    ``order``: length of the byte n-grams of the segmenting model (the compiled path takes up
    to 15); ``max_vocab_size``: one size or several (one model each); ``min_count``: fewest
    occurrences of a kept n-gram and of a kept piece; ``max_piece_length`` in bytes;
    ``isolate_digits``: every digit its own chunk; ``ensure_unicode``: pieces start and end on
    character boundaries. ``backend`` as for :class:`Tokenizer`.
    """

    def __init__(
        self,
        order: int = 6,
        max_vocab_size: int | Sequence[int] = 10000,
        min_count: int = 2,
        max_piece_length: int = 36,
        isolate_digits: bool = False,
        ensure_unicode: bool = True,
        backend: str | None = None,
    ) -> None:
        if order < 1:
            raise ValueError("order must be at least 1")
        self.order = order
        self.min_count = min_count
        self.max_piece_length = max_piece_length
        self.isolate_digits = isolate_digits
        self.ensure_unicode = ensure_unicode
        sizes = [max_vocab_size] if isinstance(max_vocab_size, int) else list(max_vocab_size)
        self.max_vocab_sizes = sorted(sizes, reverse=True)
        self.backend = resolve_backend(backend)
        self.vocabularies: list[dict[bytes, int]] = []

    def _chunks(self, texts: Iterable[str], stage: str, progress: Progress) -> Iterator[bytes]:
        pattern = training_pattern(self.isolate_digits)
        for text in texts:
            yield from training_chunks(text, pattern)
            progress(stage, 1)

    def _counter(self) -> NgramCounting:
        if self.backend == "compiled" and self.order <= COMPILED_MAX_ORDER:
            from tokenizer._fast import NgramCounter

            return NgramCounter(self.order)
        return PureNgramCounter(self.order)

    def _count_level_batch(self, known: NgramCounting, k: int, batch: list[str]) -> NgramCounting:
        counter = self._counter()
        counter.count_level(self._chunks(batch, "", _no_progress), k, known)
        return counter

    def _tag_batch(self, batch: list[str]) -> dict[bytes, int]:
        return self._tagger.count_pieces(self._chunks(batch, "", _no_progress))

    def train(
        self, texts: Iterable[str], workers: int = 1, progress: Progress | None = None
    ) -> list[dict[bytes, int]]:
        """Train on ``texts`` (read twice; an iterator is first made a list).

        Returns one vocabulary (piece -> count) per vocabulary size, largest first.
        """
        report = progress or _no_progress
        if iter(texts) is texts:
            texts = list(texts)
        parallel = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
        # N-grams are counted one length at a time, each length only where both shorter
        # n-grams inside it were kept: the same kept counts as counting everything at once.
        counter = self._counter()
        for k in range(1, self.order + 1):
            stage = f"count {k}-grams"
            if parallel:
                task = partial(self._count_level_batch, counter, k)
                for part in map_batches(task, texts, workers, stage, report):
                    counter.merge(part)
            else:
                counter.count_level(self._chunks(texts, stage, report), k)
            counter.prune(self.min_count)
        self._tagger = counter.tagger(self.min_count, self.ensure_unicode)
        del counter
        if parallel:
            pieces: dict[bytes, int] = {}
            for counted in map_batches(self._tag_batch, texts, workers, "count pieces", report):
                for piece, count in counted.items():
                    pieces[piece] = pieces.get(piece, 0) + count
        else:
            pieces = self._tagger.count_pieces(self._chunks(texts, "count pieces", report))
        del self._tagger
        report("prune pieces", 0)
        self.vocabularies = prune_pieces(
            pieces,
            min_count=self.min_count,
            max_piece_length=self.max_piece_length,
            max_vocab_sizes=self.max_vocab_sizes,
            backend=self.backend,
        )
        return self.vocabularies

    def model(self, index: int = 0) -> dict[str, ModelEntry]:
        """The trained model (BytePiece JSON mapping) for the ``index``-th largest size."""
        if not self.vocabularies:
            raise RuntimeError("train() first")
        return dump_model(self.vocabularies[index])

    def save(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write the model to ``path``; with several sizes, to ``path.<size>`` for each."""
        if not self.vocabularies:
            raise RuntimeError("train() first")
        if len(self.vocabularies) == 1:
            paths = [Path(path)]
        else:
            paths = [Path(f"{os.fspath(path)}.{size}") for size in self.max_vocab_sizes]
        for vocabulary, target in zip(self.vocabularies, paths, strict=True):
            save_model(dump_model(vocabulary), target)
        return paths
