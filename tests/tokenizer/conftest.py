"""Fixtures of the tokenizer tests: the golden BytePiece data and both segmentation paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tokenizer import Tokenizer

BYTEPIECE = Path(__file__).parent.parent / "fixtures" / "bytepiece"
MODEL = BYTEPIECE / "arxiv-abstracts.model"
CORPUS = BYTEPIECE / "arxiv-abstracts.txt"
BACKENDS = ["compiled", "python"]


def read_golden(name: str) -> list[dict]:
    with (BYTEPIECE / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def golden_abstracts() -> list[dict]:
    return read_golden("golden-abstracts.jsonl")


@pytest.fixture(scope="session")
def golden_edge_cases() -> list[dict]:
    return read_golden("golden-edge-cases.jsonl")


@pytest.fixture(scope="session", params=BACKENDS)
def arxiv_tokenizer(request: pytest.FixtureRequest) -> Tokenizer:
    """The reference model, once per segmentation path (Viterbi only: never sample with it)."""
    return Tokenizer(MODEL, backend=request.param)
