"""The trainer writes the same pieces with the same counts as the original BytePiece trainer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokenizer import Tokenizer
from tokenizer.bnlm import PureNgramCounter
from tokenizer.trainer import Trainer

from .conftest import CORPUS, MODEL

MIXED = [
    "BytePiece是一个更纯粹、更高压缩率的Tokenizer。科学空间 2023年9月7日。",
    "随机分词浅探：从Viterbi Decoding到Viterbi Sampling, 1234 5678 😀😀 naïve café",
    "混合 mixed 文本 with 数字 12345 and emoji 🚀 and ligature ﬁ\n\n\nline after newlines",
]


def corpus_lines() -> list[str]:
    return CORPUS.read_text(encoding="utf-8").splitlines()


def test_training_on_the_abstracts_reproduces_the_original_model(tmp_path: Path) -> None:
    trainer = Trainer(order=6, max_vocab_size=8000, min_count=2)
    trainer.train(corpus_lines())
    assert trainer.save(tmp_path / "arxiv.model") == [tmp_path / "arxiv.model"]
    assert json.loads((tmp_path / "arxiv.model").read_text()) == json.loads(MODEL.read_text())


@pytest.mark.slow
def test_the_pure_path_reproduces_the_original_model() -> None:
    trainer = Trainer(order=6, max_vocab_size=8000, min_count=2, backend="python")
    trainer.train(corpus_lines())
    assert trainer.model() == json.loads(MODEL.read_text())


@pytest.mark.parametrize(
    "options",
    [
        {"order": 6, "max_vocab_size": 400, "min_count": 2},
        {"order": 4, "max_vocab_size": 10000, "min_count": 3, "ensure_unicode": False},
        {"order": 5, "max_vocab_size": 600, "isolate_digits": True, "max_piece_length": 8},
        {"order": 7, "max_vocab_size": 100000, "min_count": 2},
        {"order": 12, "max_vocab_size": 3000, "min_count": 3},
    ],
)
def test_both_paths_train_the_same_model(options: dict) -> None:
    texts = corpus_lines()[:40] + MIXED * 3
    compiled = Trainer(**options, backend="compiled")
    compiled.train(texts)
    pure = Trainer(**options, backend="python")
    pure.train(texts)
    assert compiled.model() == pure.model()
    assert 256 < len(compiled.model()) <= options["max_vocab_size"] - 3


def test_both_paths_segment_with_the_ngram_model_alike() -> None:
    chunks = [line.encode() for line in corpus_lines()[:30] + MIXED]
    from tokenizer._fast import NgramCounter

    for order in (1, 2, 6, 9, 15):
        compiled, pure = NgramCounter(order), PureNgramCounter(order)
        compiled.add(chunks)
        pure.add(chunks)
        expected = {g: c for table in pure.counts[1:] for g, c in table.items()}
        assert dict(compiled.items()) == expected
        assert compiled.total == pure.counts[0][b""]
        for unicode in (True, False):
            fast, slow = compiled.tagger(2, unicode), pure.tagger(2, unicode)
            for chunk in chunks:
                assert fast.tag(chunk) == slow.tag(chunk)
                assert b"".join(fast.tag(chunk)) == chunk


@pytest.mark.parametrize("order", [1, 3, 12])
def test_counting_by_length_keeps_what_counting_everything_keeps(order: int) -> None:
    from tokenizer._fast import NgramCounter

    chunks = [line.encode() for line in corpus_lines()[:80] + MIXED]
    for make in (NgramCounter, PureNgramCounter):
        everything, by_length = make(order), make(order)
        everything.add(chunks)
        everything.prune(3)
        for k in range(1, order + 1):
            by_length.count_level(chunks, k)
            by_length.prune(3)
        if isinstance(everything, PureNgramCounter):
            assert by_length.counts == everything.counts
        else:
            assert sorted(by_length.items()) == sorted(everything.items())
            assert by_length.total == everything.total


def test_counts_survive_pickling_and_merging() -> None:
    import pickle

    from tokenizer._fast import NgramCounter

    chunks = [line.encode() for line in corpus_lines()[:60]]
    whole = NgramCounter(10)
    whole.add(chunks)
    first, second = NgramCounter(10), NgramCounter(10)
    first.add(chunks[:25])
    second.add(chunks[25:])
    merged = pickle.loads(pickle.dumps(first))
    merged.merge(pickle.loads(pickle.dumps(second)))
    assert sorted(merged.items()) == sorted(whole.items())
    assert merged.total == whole.total


def test_workers_do_not_change_the_model() -> None:
    texts = corpus_lines()[:450]
    single = Trainer(max_vocab_size=3000)
    single.train(texts)
    double = Trainer(max_vocab_size=3000)
    double.train(iter(texts), workers=2)
    assert double.model() == single.model()


def test_ensure_unicode_pieces_decode(tmp_path: Path) -> None:
    trainer = Trainer(order=6, max_vocab_size=2000, min_count=2)
    trainer.train(MIXED * 20 + corpus_lines()[:50])
    for value in trainer.model().values():
        piece_text, count = value[1], value[2]
        assert isinstance(piece_text, str) and count >= 1
    pieces = [p for vocabulary in trainer.vocabularies for p in vocabulary if len(p) > 1]
    assert pieces
    for piece in pieces:
        piece.decode("utf-8")  # every multi-byte piece is whole characters


def test_no_wasted_pieces_and_every_byte_present() -> None:
    trainer = Trainer(max_vocab_size=1500)
    trainer.train(corpus_lines()[:200])
    tokenizer = Tokenizer(trainer.model())
    vocabulary = trainer.vocabularies[0]
    assert all(bytes([b]) in vocabulary for b in range(256))
    for piece in vocabulary:
        assert tokenizer.segment(piece) == [piece]


def test_several_sizes_write_one_model_each(tmp_path: Path) -> None:
    trainer = Trainer(max_vocab_size=[600, 1200])
    vocabularies = trainer.train(corpus_lines()[:200])
    assert [len(v) for v in vocabularies][1] <= 597 < len(vocabularies[0]) <= 1197
    paths = trainer.save(tmp_path / "m")
    assert paths == [tmp_path / "m.1200", tmp_path / "m.600"]
    small = Tokenizer(paths[1])
    assert small.vocab_size == len(vocabularies[1]) + 3


def test_progress_is_reported() -> None:
    seen: dict[str, int] = {}

    def progress(stage: str, n: int) -> None:
        seen[stage] = seen.get(stage, 0) + n

    Trainer(max_vocab_size=500).train(corpus_lines()[:20], progress=progress)
    assert seen["count 1-grams"] == seen["count 6-grams"] == 20
    assert seen["count pieces"] == 20
    assert "prune pieces" in seen
