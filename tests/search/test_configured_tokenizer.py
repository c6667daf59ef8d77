"""Search indexes with the tokenizer model of the TOKENIZER_MODEL setting."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from models import settings as settings_module
from models.settings import Settings
from search.analysis import Analyzer
from search.indexing import configured_tokenizer
from tokenizer import default_model_path


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch):
    settings_module.get_settings.cache_clear()
    yield monkeypatch
    settings_module.get_settings.cache_clear()


def test_the_shipped_model_by_default(fresh_settings) -> None:
    fresh_settings.delenv("COOLPAPERS_TOKENIZER_MODEL", raising=False)
    assert configured_tokenizer().vocab_size == Analyzer().tokenizer.vocab_size


def test_a_configured_model_is_used(fresh_settings, tmp_path: Path) -> None:
    model = json.loads(gzip.decompress(Path(default_model_path()).read_bytes()))
    word = "zyxwvutsrq"
    next_id = max(entry[0] for entry in model.values()) + 1
    model[base64.b64encode(word.encode()).decode()] = [next_id, word, 10**9]
    custom = tmp_path / "custom.model"
    custom.write_text(json.dumps(model))
    fresh_settings.setenv("COOLPAPERS_TOKENIZER_MODEL", str(custom))
    tokenizer = configured_tokenizer()
    assert tokenizer.vocab_size == Analyzer().tokenizer.vocab_size + 1
    assert tokenizer.tokenize(word) == [word.encode()]


def test_a_missing_model_file_is_a_clear_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such model file"):
        Settings(TOKENIZER_MODEL=str(tmp_path / "absent.model"))
