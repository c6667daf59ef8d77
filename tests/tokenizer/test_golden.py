"""The tokenizer reproduces the original BytePiece's ids exactly, in both paths."""

from __future__ import annotations

import unicodedata

import pytest

from tokenizer import Tokenizer


def test_every_golden_abstract_encodes_exactly(
    arxiv_tokenizer: Tokenizer, golden_abstracts: list[dict]
) -> None:
    assert len(golden_abstracts) == 1294
    mismatches = [
        row["text"][:60]
        for row in golden_abstracts
        if arxiv_tokenizer.encode(row["text"]) != row["ids"]
    ]
    assert mismatches == []


def test_every_golden_edge_case_encodes_exactly(
    arxiv_tokenizer: Tokenizer, golden_edge_cases: list[dict]
) -> None:
    assert len(golden_edge_cases) == 14
    for row in golden_edge_cases:
        assert arxiv_tokenizer.encode(row["text"]) == row["ids"], repr(row["text"][:60])


def test_decode_of_encode_is_the_nfc_text(
    arxiv_tokenizer: Tokenizer, golden_abstracts: list[dict], golden_edge_cases: list[dict]
) -> None:
    for row in golden_edge_cases + golden_abstracts[:200]:
        text = row["text"]
        assert arxiv_tokenizer.decode(arxiv_tokenizer.encode(text)) == unicodedata.normalize(
            "NFC", text
        )


def test_pieces_concatenate_to_the_normalised_bytes(
    arxiv_tokenizer: Tokenizer, golden_edge_cases: list[dict]
) -> None:
    for row in golden_edge_cases:
        pieces = arxiv_tokenizer.tokenize(row["text"])
        assert b"".join(pieces) == unicodedata.normalize("NFC", row["text"]).encode()
        assert arxiv_tokenizer.pieces_to_ids(pieces) == row["ids"]


def test_offsets_are_byte_spans_of_the_normalised_text(arxiv_tokenizer: Tokenizer) -> None:
    text = "Cafe\u0301 näive\n\nline two\r\n😀 科学"
    encoding = arxiv_tokenizer.encode_with_offsets(text)
    assert encoding.text == unicodedata.normalize("NFC", text).encode()
    assert encoding.ids == arxiv_tokenizer.encode(text)
    assert encoding.offsets[0][0] == 0
    assert encoding.offsets[-1][1] == len(encoding.text)
    for (_, end), (start, _) in zip(encoding.offsets, encoding.offsets[1:], strict=False):
        assert end == start
    assert encoding.pieces == arxiv_tokenizer.tokenize(text)
    assert [arxiv_tokenizer.piece_to_id(p) for p in encoding.pieces] == encoding.ids


def test_empty_text_has_no_tokens(arxiv_tokenizer: Tokenizer) -> None:
    assert arxiv_tokenizer.encode("") == []
    assert arxiv_tokenizer.encode("", add_bos=True, add_eos=True) == [1, 2]
    assert arxiv_tokenizer.encode_with_offsets("").offsets == []


def test_specials_and_vocabulary(arxiv_tokenizer: Tokenizer) -> None:
    assert arxiv_tokenizer.vocab_size == 4603 + 3
    assert arxiv_tokenizer.encode("a", add_bos=True, add_eos=True)[::2] == [1, 2]
    assert [arxiv_tokenizer.id_to_piece(i) for i in range(3)] == ["<pad>", "<bos>", "<eos>"]
    assert arxiv_tokenizer.piece_to_id("<eos>") == 2
    assert arxiv_tokenizer.id_to_piece(3) == b"\x00"
    # Specials are never produced from text and are dropped by decode.
    ids = arxiv_tokenizer.encode("<pad>")
    assert 0 not in ids
    assert arxiv_tokenizer.decode([1, *ids, 0, 2]) == "<pad>"


def test_decode_drops_incomplete_utf8(arxiv_tokenizer: Tokenizer) -> None:
    first_byte_of_e_acute = arxiv_tokenizer.piece_to_id(b"\xc3")
    assert arxiv_tokenizer.decode([arxiv_tokenizer.piece_to_id(b"a"), first_byte_of_e_acute]) == "a"


def test_unknown_id_is_an_error(arxiv_tokenizer: Tokenizer) -> None:
    with pytest.raises(KeyError):
        arxiv_tokenizer.decode([10**6])
