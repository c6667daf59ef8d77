"""The offline summarizer picks the key sentences, the method and the result of an abstract."""

from __future__ import annotations

from summaries.extractive import NOT_STATED, SECTIONS, extract, split_sentences
from tests.summaries.conftest import ABSTRACT


def test_sentences_survive_abbreviations_decimals_and_math() -> None:
    text = (
        "We study transformers, e.g. BERT and GPT, following Smith et al. in detail. "
        "The error is $O(n^{1.5})$. It drops by 4.2 points. J. Smith agrees!  Done?  Yes."
    )
    assert [s.text for s in split_sentences(text)] == [
        "We study transformers, e.g. BERT and GPT, following Smith et al. in detail.",
        "The error is $O(n^{1.5})$.",
        "It drops by 4.2 points.",
        "J. Smith agrees!",
        "Done?",
        "Yes.",
    ]


def test_whitespace_of_feeds_is_normalised() -> None:
    assert [s.text for s in split_sentences("One\n  line.\nTwo.")] == ["One line.", "Two."]
    assert split_sentences("   ") == []


def test_key_sentences_method_and_result() -> None:
    faq = extract("FlashMix: fast mixing for long inputs", ABSTRACT)
    assert [qa.question for qa in faq] == list(SECTIONS["en"])
    key, method, result = (qa.answer for qa in faq)
    assert method == "- We propose FlashMix, a mixing layer whose cost is $O(n \\log n)$."
    assert result == (
        "- Experiments on three benchmarks show that FlashMix outperforms strong baselines by"
        " 4.2 points while being 3x faster."
    )
    # The key sentences are the best of those not already under method or result.
    assert key == (
        "- Large language models struggle with long inputs.\n"
        "- However, the attention cost grows quadratically with the length $n$, which remains"
        " a bottleneck."
    )


def test_key_sentences_are_the_best_three_in_the_abstracts_order() -> None:
    abstract = (
        "Graph coloring is hard. Colorings of planar graphs matter for maps. "
        "Planar graph coloring has a long history. Four colors suffice for planar maps. "
        "The weather was nice."
    )
    key = extract("Coloring planar graphs", abstract)[0].answer
    assert key.splitlines() == [
        "- Graph coloring is hard.",
        "- Colorings of planar graphs matter for maps.",
        "- Planar graph coloring has a long history.",
    ]


def test_deterministic_and_labelled_in_chinese() -> None:
    assert extract("T", ABSTRACT, "zh") == extract("T", ABSTRACT, "zh")
    assert [qa.question for qa in extract("T", ABSTRACT, "zh")] == list(SECTIONS["zh"])


def test_an_abstract_without_method_or_result_says_so() -> None:
    faq = extract("Notes", "A short note about nothing in particular.")
    assert faq[0].answer == "- A short note about nothing in particular."
    assert faq[1].answer == NOT_STATED["en"]
    assert faq[2].answer == NOT_STATED["en"]
    assert extract("Empty", "")[0].answer == NOT_STATED["en"]
