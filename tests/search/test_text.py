"""Words as the index sees them: case, accents, Unicode forms, unsegmented scripts, spans."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from search.analysis import Analyzer
from search.text import fold, is_unsegmented, words, words_with_spans


def test_case_accents_and_unicode_forms_fold_to_the_same_word() -> None:
    nfc = "Schrödinger Équation naïve"
    nfd = unicodedata.normalize("NFD", nfc)
    assert words(nfc) == words(nfd) == words("SCHRODINGER equation NAIVE")
    assert words(nfc) == ["schrodinger", "equation", "naive"]
    assert words("ﬁnite ＧＰＴ Straße") == ["finite", "gpt", "strasse"]


def test_punctuation_and_underscores_split_words() -> None:
    assert words("self-attention, GPT-4 (x_1); e.g.") == [
        "self",
        "attention",
        "gpt",
        "4",
        "x",
        "1",
        "e",
        "g",
    ]


def test_chinese_characters_are_words_and_latin_words_stay_whole() -> None:
    assert words("基于Transformer的深度学习") == [
        "基",
        "于",
        "transformer",
        "的",
        "深",
        "度",
        "学",
        "习",
    ]
    assert is_unsegmented("深") and not is_unsegmented("deep")


def test_spans_point_into_the_text_as_given() -> None:
    text = "Über die Schro\u0308dinger-Gleichung: 注意力"
    found = list(words_with_spans(text))
    assert [w.text for w in found] == words(text)
    for word in found:
        assert fold(text[word.start : word.end]).startswith(word.text) or len(word.text) == 1
    assert text[found[2].start : found[2].end] == "Schro\u0308dinger"
    assert [text[w.start : w.end] for w in found[-3:]] == ["注", "意", "力"]


@given(st.text())
def test_words_never_fail_and_agree_with_their_spans(text: str) -> None:
    found = list(words_with_spans(text))
    assert [w.text for w in found] == words(text)
    for w in found:
        assert 0 <= w.start < w.end <= len(text)
        assert w.text and " " not in w.text


@given(st.text())
def test_folding_is_stable(text: str) -> None:
    assert words(" ".join(words(text))) == words(text)


def test_a_stem_is_the_word_without_its_last_piece() -> None:
    analyzer = Analyzer()
    for word in ("transformers", "transformer", "networks", "superconductivity", "learning"):
        pieces = analyzer.tokenizer.tokenize(word)
        expected = word[: len(word) - len(pieces[-1])] if len(pieces) > 1 else ""
        assert analyzer.stem(word) == (expected if len(expected) >= 4 else "")
    assert analyzer.stem("networks") == "network"
    assert analyzer.stem("graph") == ""  # one piece: no stem
    assert analyzer.stem("深") == ""


def test_a_document_has_words_per_field_and_distinct_stems() -> None:
    analyzer = Analyzer()
    doc = analyzer.document(
        "Transformers for Graphs", "Graphs, graphs and more graphs.", ["Émilie du Châtelet"]
    )
    assert doc.title == "transformers for graphs"
    assert doc.abstract == "graphs graphs and more graphs"
    assert doc.authors == "emilie du chatelet"
    stems = [analyzer.stem(w) for w in ("transformers", "graphs", "more")]
    expected = ["transformers", stems[0], "graphs", stems[1]]
    assert doc.title_stems.split() == [t for t in expected if t]
    assert doc.abstract_stems.split() == [t for t in ["graphs", stems[1], "more", stems[2]] if t]
    assert "graph" in doc.abstract_stems.split()
