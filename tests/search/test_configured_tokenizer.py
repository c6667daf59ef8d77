"""Search indexes with the tokenizer model and backend of the settings it is handed."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

import search
from models.settings import Settings
from search import SearchOptions, shared_analyzer
from search.analysis import Analyzer
from tokenizer import default_model_path


@pytest.fixture
def restored() -> Iterator[None]:
    yield
    search.configure(SearchOptions())


def test_the_shipped_model_by_default() -> None:
    assert SearchOptions().tokenizer().vocab_size == Analyzer().tokenizer.vocab_size


def test_a_configured_model_is_used(restored: None, tmp_path: Path) -> None:
    model = json.loads(gzip.decompress(Path(default_model_path()).read_bytes()))
    word = "zyxwvutsrq"
    next_id = max(entry[0] for entry in model.values()) + 1
    model[base64.b64encode(word.encode()).decode()] = [next_id, word, 10**9]
    custom = tmp_path / "custom.model"
    custom.write_text(json.dumps(model))
    search.configure(SearchOptions.from_settings(Settings(TOKENIZER_MODEL=str(custom))))
    tokenizer = shared_analyzer().tokenizer
    assert tokenizer.vocab_size == Analyzer().tokenizer.vocab_size + 1
    assert tokenizer.tokenize(word) == [word.encode()]
    search.configure(SearchOptions())
    assert shared_analyzer().tokenizer.tokenize(word) != [word.encode()]


def test_the_backend_setting_reaches_the_tokenizer(restored: None) -> None:
    search.configure(SearchOptions.from_settings(Settings(TOKENIZER_BACKEND="python")))
    assert shared_analyzer().tokenizer.backend == "python"
    search.configure(SearchOptions.from_settings(Settings(TOKENIZER_BACKEND="auto")))
    assert shared_analyzer().tokenizer.backend == "compiled"


def test_a_missing_model_file_is_a_clear_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such model file"):
        Settings(TOKENIZER_MODEL=str(tmp_path / "absent.model"))


def test_an_unknown_backend_is_a_clear_settings_error() -> None:
    with pytest.raises(ValidationError, match="TOKENIZER_BACKEND"):
        Settings(TOKENIZER_BACKEND="rust")
