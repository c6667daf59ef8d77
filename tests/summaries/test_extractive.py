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
    lines = key.splitlines()
    assert len(lines) == 3 and all(line.startswith("- ") for line in lines)
    sentences = [s.text for s in split_sentences(ABSTRACT)]
    # Picked sentences appear in the abstract's order.
    assert [sentences.index(line[2:]) for line in lines] == sorted(
        sentences.index(line[2:]) for line in lines
    )
    assert "- We propose FlashMix" in key


def test_deterministic_and_labelled_in_chinese() -> None:
    assert extract("T", ABSTRACT, "zh") == extract("T", ABSTRACT, "zh")
    assert [qa.question for qa in extract("T", ABSTRACT, "zh")] == list(SECTIONS["zh"])


def test_an_abstract_without_method_or_result_says_so() -> None:
    faq = extract("Notes", "A short note about nothing in particular.")
    assert faq[0].answer == "- A short note about nothing in particular."
    assert faq[1].answer == NOT_STATED["en"]
    assert faq[2].answer == NOT_STATED["en"]
    assert extract("Empty", "")[0].answer == NOT_STATED["en"]
