"""Reading and writing BytePiece model files, and the shipped default model."""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

import pytest

from tokenizer import Tokenizer, Trainer, default_model_path, default_tokenizer, load_vocabulary
from tokenizer.default import DEFAULT_TRAINING
from tokenizer.model import dump_model, read_model, save_model

from .conftest import CORPUS, MODEL


def test_dump_orders_pieces_by_length_then_bytes() -> None:
    model = dump_model({b"ab": 4, b"b": 2, b"\xe7\xa7\x91": 7, b"a": 3})
    assert list(model.values()) == [[3, "a", 3], [4, "b", 2], [5, "ab", 4], [6, "科", 7]]
    assert list(model) == ["YQ==", "Yg==", "YWI=", "56eR"]


@pytest.mark.parametrize("name", ["model.json", "model.json.gz"])
def test_saved_models_read_back(tmp_path: Path, name: str) -> None:
    original = read_model(MODEL)
    save_model(original, tmp_path / name)
    assert read_model(tmp_path / name) == original
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_the_original_indented_format_loads() -> None:
    vocabulary = load_vocabulary(MODEL)
    assert len(vocabulary) == 4603
    assert vocabulary.ids[b"\x00"] == 3
    assert sorted(vocabulary.ids.values()) == list(range(3, 4606))
    assert vocabulary.counts == {
        piece: value[-1]
        for piece, value in zip(vocabulary.ids, json.loads(MODEL.read_text()).values(), strict=True)
    }


def test_an_empty_model_is_refused() -> None:
    with pytest.raises(ValueError, match="no pieces"):
        load_vocabulary({})


def test_the_default_model_is_what_the_trainer_writes_for_the_abstracts() -> None:
    shipped = json.loads(gzip.decompress(default_model_path().read_bytes()))
    trainer = Trainer(**DEFAULT_TRAINING)
    trainer.train(CORPUS.read_text(encoding="utf-8").splitlines())
    assert trainer.model() == shipped


def test_the_default_tokenizer_is_loaded_once(golden_edge_cases: list[dict]) -> None:
    tokenizer = default_tokenizer()
    assert tokenizer is default_tokenizer()
    assert tokenizer.vocab_size == 7989
    for row in golden_edge_cases:
        assert tokenizer.decode(tokenizer.encode(row["text"])) == unicodedata.normalize(
            "NFC", row["text"]
        )
    # The shipped model compresses its own abstracts better than the reference model.
    text = CORPUS.read_text(encoding="utf-8")[:20000]
    assert len(tokenizer.encode(text)) < 0.8 * len(Tokenizer(MODEL).encode(text))
