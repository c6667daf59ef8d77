"""The offline summarizer: sentences picked from the abstract, no language model.

The abstract is cut into sentences, and three short sections are made of them: the method
(sentences such as "we propose ..."), the result ("we show ...", "outperforms ...") and,
first, the key sentences among the others (scored by position, cue phrases and overlap with
the title and the rest of the abstract). Fast and deterministic: the same abstract always
gives the same summary.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from summaries.faq import QA

MODEL_NAME = "extractive"
KEY_SENTENCES = 3
SECTION_SENTENCES = 2

SECTIONS = {
    "en": ("Key sentences", "Method", "Result"),
    "zh": ("关键句", "方法", "结果"),
}
NOT_STATED = {
    "en": "*Not stated in so many words in the abstract.*",
    "zh": "*摘要中没有明确说明。*",
}

METHOD_CUES = (
    "we propose", "we present", "we introduce", "we develop", "we design", "we describe",
    "we formulate", "we derive", "we construct", "we build", "we train", "we extend",
    "this paper proposes", "this paper presents", "this paper introduces", "this work proposes",
    "this work presents", "this work introduces", "our approach", "our method",
    "our framework", "our model", "our algorithm", "is based on", "we use", "we employ",
    "we leverage", "we adopt", "by combining", "we study", "we investigate", "we analyze",
    "we analyse", "we consider", "we apply", "here we", "in this paper", "in this work",
)  # fmt: skip
RESULT_CUES = (
    "we show", "we demonstrate", "we find", "we prove", "we obtain", "we observe",
    "we report", "we achieve", "results show", "results demonstrate", "results indicate",
    "results suggest", "experiments show", "experiments demonstrate", "outperform",
    "achieves", "achieving", "improves", "improvement", "state-of-the-art",
    "state of the art", "significantly", "accuracy", "speedup", "speed-up", "reduces",
    "is found", "are found", "consistent with", "agreement with", "leads to", "yields",
    "surpass", "competitive",
)  # fmt: skip
PROBLEM_CUES = (
    "however", "challenge", "problem", "remains", "limited", "lack", "difficult",
    "bottleneck", "open question", "unclear", "suffer", "fail", "costly", "expensive",
)  # fmt: skip

STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "these", "this",
    "those", "to", "via", "we", "was", "were", "which", "with", "without", "using", "use",
    "used", "based", "new", "paper", "work", "approach", "method", "study", "results", "show",
    "propose", "proposed",
))  # fmt: skip
ABBREVIATIONS = frozenset((
    "e.g", "i.e", "et", "al", "cf", "vs", "fig", "figs", "eq", "eqs", "ref", "refs", "sec",
    "no", "resp", "approx", "ca",
))  # fmt: skip

_WORD = re.compile(r"[a-z][a-z0-9-]+")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
# A full stop, question or exclamation mark followed by space and what opens a sentence.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9$(\[\"'])|(?<=[。！？])\s*")


@dataclass(frozen=True, slots=True)
class Sentence:
    position: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()


def split_sentences(text: str) -> list[Sentence]:
    """The abstract's sentences, whitespace normalised; TeX and abbreviations stay whole."""
    text = " ".join(text.split())
    if not text:
        return []
    # Hide math so that a "." inside $...$ never ends a sentence.
    formulas: list[str] = []

    def hide(match: re.Match[str]) -> str:
        formulas.append(match.group(0))
        return f"\x00{len(formulas) - 1}\x00"

    masked = _MATH.sub(hide, text)
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(masked):
        before = masked[start : match.start()]
        if _ends_with_abbreviation(before):
            continue
        pieces.append(before)
        start = match.end()
    pieces.append(masked[start:])

    def unhide(piece: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: formulas[int(m.group(1))], piece)

    texts = [unhide(p).strip() for p in pieces]
    return [Sentence(i, t) for i, t in enumerate(t for t in texts if t)]


def _ends_with_abbreviation(text: str) -> bool:
    words = text.rstrip(".").split()
    if not words:
        return True
    last = words[-1].lower().strip("(")
    # "J. Smith": an initial; "e.g.", "et al.": a known abbreviation.
    return (len(last) == 1 and last.isalpha()) or last in ABBREVIATIONS


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _has(sentence: Sentence, cues: tuple[str, ...]) -> bool:
    lower = sentence.lower
    return any(cue in lower for cue in cues)


def _scores(title: str, sentences: list[Sentence]) -> dict[int, float]:
    title_words = set(_words(title))
    frequency = Counter(w for s in sentences for w in set(_words(s.text)))
    scores: dict[int, float] = {}
    for s in sentences:
        words = set(_words(s.text))
        score = 0.0
        if s.position == 0:
            score += 1.0
        score += 1.0 * _has(s, METHOD_CUES) + 1.0 * _has(s, RESULT_CUES)
        score += 0.5 * _has(s, PROBLEM_CUES)
        if title_words:
            score += 1.5 * len(words & title_words) / len(title_words)
        if words:
            # Centrality: how many of its words the other sentences share.
            shared = sum(1 for w in words if frequency[w] > 1)
            score += shared / len(words)
        scores[s.position] = score
    return scores


def _bullets(sentences: list[Sentence], language: str) -> str:
    if not sentences:
        return NOT_STATED[language]
    return "\n".join(f"- {s.text}" for s in sorted(sentences, key=lambda s: s.position))


def extract(title: str, abstract: str, language: str = "en") -> list[QA]:
    """The key sentences, the method and the result of an abstract, as three sections."""
    try:
        key_title, method_title, result_title = SECTIONS[language]
    except KeyError:
        raise ValueError(f"no extractive sections in language {language!r}") from None
    sentences = split_sentences(abstract)
    scores = _scores(title, sentences)
    ranked = sorted(sentences, key=lambda s: (-scores[s.position], s.position))
    method = [s for s in sentences if _has(s, METHOD_CUES)][:SECTION_SENTENCES]
    result = [s for s in sentences if _has(s, RESULT_CUES) and s not in method]
    result = result[-SECTION_SENTENCES:]
    # The key sentences are the best of the others, unless nothing else is left.
    key = [s for s in ranked if s not in method and s not in result][:KEY_SENTENCES]
    return [
        QA(key_title, _bullets(key or ranked[:1], language)),
        QA(method_title, _bullets(method, language)),
        QA(result_title, _bullets(result, language)),
    ]
