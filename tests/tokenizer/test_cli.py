"""The ``tokenizer`` command group: training from files or the database, and encoding stdin."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from cli.tokenizer import paper_text, tokenizer
from tokenizer import Tokenizer, default_tokenizer

from .conftest import CORPUS, MODEL


def test_train_from_files_writes_a_model(tmp_path: Path) -> None:
    corpus = tmp_path / "texts.txt"
    corpus.write_text("\n".join(CORPUS.read_text(encoding="utf-8").splitlines()[:150]) + "\n")
    out = tmp_path / "model.json.gz"
    result = CliRunner().invoke(
        tokenizer, ["train", "--out", str(out), "--vocab", "1000", str(corpus)]
    )
    assert result.exit_code == 0, result.output
    assert "pieces from 150 texts" in result.output
    trained = Tokenizer(out)
    assert 256 < trained.vocab_size <= 1000
    assert trained.decode(trained.encode("Transformers for arXiv")) == "Transformers for arXiv"


def test_train_needs_exactly_one_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(tokenizer, ["train", "--out", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "either text files or --from-db" in result.output


def test_train_from_the_database(settings, database_path: Path, tmp_path: Path) -> None:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:120]
    with sqlite3.connect(database_path) as db:
        db.executemany(
            "INSERT INTO papers (id, version, title, abstract, withdrawn, hidden, created_at,"
            " modified_at) VALUES (?, 1, ?, ?, 0, 0, '2024-01-01', '2024-01-01')",
            [(f"2401.{i:05d}", line[:40], line[40:]) for i, line in enumerate(lines)]
            + [("2401.99999", "No abstract", "")],
        )
    out = tmp_path / "db.model"
    result = CliRunner().invoke(
        tokenizer, ["train", "--from-db", "--limit", "100", "--vocab", "900", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "pieces from 100 texts" in result.output
    assert Tokenizer(out).vocab_size <= 900


def test_paper_text_joins_title_and_abstract() -> None:
    assert paper_text("Attention Is All  You Need.", "The dominant\n  models") == (
        "Attention Is All You Need. The dominant models"
    )


def test_encode_prints_ids_or_pieces() -> None:
    text = "Attention is all you need.\n科学空间 😀\n"
    reference = Tokenizer(MODEL)
    result = CliRunner().invoke(tokenizer, ["encode", "--model", str(MODEL), "--ids"], input=text)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        " ".join(map(str, reference.encode(line))) for line in text.splitlines()
    ]
    result = CliRunner().invoke(tokenizer, ["encode", "--model", str(MODEL)], input=text)
    pieces = [json.loads(line) for line in result.output.splitlines()]
    assert "".join(pieces[0]) == "Attention is all you need."
    # Pieces that are parts of a character are shown as escaped bytes.
    assert pieces[1] == [
        p.decode("utf-8", "backslashreplace") for p in reference.tokenize("科学空间 😀")
    ]
    assert "\\xe7" in pieces[1]


def test_encode_samples_repeatably_and_defaults_to_the_shipped_model() -> None:
    text = "Sampling segmentations of abstracts\n" * 3
    args = ["encode", "--alpha", "0.1", "--seed", "7", "--ids"]
    first = CliRunner().invoke(tokenizer, args, input=text)
    second = CliRunner().invoke(tokenizer, args, input=text)
    assert first.exit_code == 0 and first.output == second.output
    decoded = [
        default_tokenizer().decode(map(int, line.split())) for line in first.output.splitlines()
    ]
    assert decoded == text.splitlines()


def test_encode_refuses_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text("not json")
    result = CliRunner().invoke(tokenizer, ["encode", "--model", str(bogus)], input="x\n")
    assert result.exit_code != 0
    assert "not a BytePiece model" in result.output
