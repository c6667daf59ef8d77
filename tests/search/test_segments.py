"""A paper's analysis (``search.segments.analyze``): the kernel reads the words of ASCII fields
itself, and must number and digest them exactly as the words read by ``search.text.words``."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search import _kernel
from search.analysis import Analyzer
from search.documents import PaperText
from search.options import shared_analyzer
from search.segments import Vocabulary, analyze, day_number
from search.text import words

# Text with the characters that matter to the split: letters of both cases, digits,
# separators of every kind, and some non-ASCII letters, marks and ideographs.
_CHARS = st.sampled_from(
    [
        *"aZb9Q0 \t\n-_.,;:'\"()[]{}$\\^&|~`@#%*+=<>/?!",
        *["é", "ß", "İ", "ﬁ", "\u0301", "中", "文", "Ω", "™", "\x00", "\x7f"],
    ]
)
_TEXT = st.text(_CHARS, max_size=60)
_ASCII_TEXT = st.text(st.characters(max_codepoint=127), max_size=60)


def _reference(analyzer: Analyzer, vocabulary: Vocabulary, text: PaperText):
    """The analysis as it was written first: every field's words read in Python, then
    numbered, and the digest over the words joined."""
    title = words(text.title or "")
    abstract = words(text.abstract or "")
    authors = [w for name in text.authors for w in words(name)]
    body = words(text.body) if text.body else []
    day = day_number(text.published)
    numbers, ends, _ = _kernel.number_paper(
        vocabulary, analyzer.stem_terms, title, abstract, authors, body
    )
    hasher = hashlib.blake2b(digest_size=12)
    for part in (title, abstract, authors, body) if body else (title, abstract, authors):
        hasher.update(" ".join(part).encode("utf-8"))
        hasher.update(b"\x1e")
    hasher.update(str(day).encode())
    return numbers, ends, hasher.digest()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(_TEXT, _ASCII_TEXT),
            st.one_of(_TEXT, _ASCII_TEXT),
            st.lists(st.one_of(_TEXT, _ASCII_TEXT), max_size=4),
            st.one_of(st.just(""), _TEXT, _ASCII_TEXT),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_analysis_numbers_and_digests_as_the_words_read_in_python(papers) -> None:
    analyzer = shared_analyzer()
    ours, theirs = Vocabulary(), Vocabulary()
    for n, (title, abstract, authors, body) in enumerate(papers):
        text = PaperText(f"2401.{n:05d}", title, abstract, tuple(authors), body=body)
        found = analyze(analyzer, ours, text)
        numbers, ends, digest = _reference(analyzer, theirs, text)
        assert found.tokens.tolist() == numbers.tolist()
        assert found.ends == ends
        assert found.digest == digest
        assert found.length == ends[2]
    assert ours.terms == theirs.terms
    assert np.array_equal(ours.stems, theirs.stems)


def test_an_ascii_field_is_read_as_words_reads_it() -> None:
    vocabulary = Vocabulary()
    text = "Deep-Learning: 3D U-Net's x_1 (v2.0)\n\tFOO"
    numbers, ends, joined = _kernel.number_paper(vocabulary, lambda word: (), text, [], "", "")
    assert [vocabulary.terms[i] for i in numbers.tolist()] == words(text)
    assert joined == (" ".join(words(text)) + "\x1e\x1e\x1e").encode()
    assert ends == (11,) * 6


def test_a_field_given_as_text_must_be_ascii() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        _kernel.number_paper(Vocabulary(), lambda word: (), "café", [], [], [])
