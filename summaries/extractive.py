"""The offline summarizer: sentences picked from the paper, no language model.

With a full text, the six FAQ questions are answered with sentences quoted from the sections
where papers answer them (the problem from the introduction, related work from its section,
the method from the sections between, experiments from theirs, further work from the
conclusion and limitations, and the summary from the abstract and conclusion), each quote
followed by its section as ``[§3.2]``. The quotes are the paper's own English whatever the
language of the page; a Chinese FAQ says so.

Without a full text, the abstract is cut into sentences, and three short sections are made
of them: the method (sentences such as "we propose ..."), the result ("we show ...",
"outperforms ...") and, first, the key sentences among the others (scored by position, cue
phrases and overlap with the title and the rest of the abstract).

Fast and deterministic: the same paper always gives the same summary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from fulltext.document import FullText, Section
from summaries.faq import QA, questions

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
)  # fmt: skip  # a list of phrases reads better in rows than one a line
RESULT_CUES = (
    "we show", "we demonstrate", "we find", "we prove", "we obtain", "we observe",
    "we report", "we achieve", "results show", "results demonstrate", "results indicate",
    "results suggest", "experiments show", "experiments demonstrate", "outperform",
    "achieves", "achieving", "improves", "improvement", "state-of-the-art",
    "state of the art", "significantly", "accuracy", "speedup", "speed-up", "reduces",
    "is found", "are found", "consistent with", "agreement with", "leads to", "yields",
    "surpass", "competitive",
)  # fmt: skip  # a list of phrases reads better in rows than one a line
PROBLEM_CUES = (
    "however", "challenge", "problem", "remains", "limited", "lack", "difficult",
    "bottleneck", "open question", "unclear", "suffer", "fail", "costly", "expensive",
)  # fmt: skip  # a list of phrases reads better in rows than one a line

STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "these", "this",
    "those", "to", "via", "we", "was", "were", "which", "with", "without", "using", "use",
    "used", "based", "new", "paper", "work", "approach", "method", "study", "results", "show",
    "propose", "proposed",
))  # fmt: skip  # a list of phrases reads better in rows than one a line
ABBREVIATIONS = frozenset((
    "e.g", "i.e", "et", "al", "cf", "vs", "fig", "figs", "eq", "eqs", "ref", "refs", "sec",
    "no", "resp", "approx", "ca",
))  # fmt: skip  # a list of phrases reads better in rows than one a line

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


# --- From the full text: the six questions, answered with quotes and their sections. ---

QUOTES_PER_ANSWER = 3
MIN_SENTENCE_CHARS = 40
MAX_SENTENCE_CHARS = 400

FUTURE_CUES = (
    "future work", "future research", "in the future", "future direction", "limitation",
    "leave", "left for", "remains open", "open question", "open problem", "further",
    "could be extended", "can be extended", "extend", "plan to", "promising direction",
    "not yet", "does not", "cannot", "restricted to", "only applies",
)  # fmt: skip  # a list of phrases reads better in rows than one a line
EXPERIMENT_CUES = (
    "we evaluate", "we test", "we compare", "we benchmark", "we run", "we conduct",
    "we measure", "evaluated on", "benchmark", "dataset", "baseline", "ablation",
)  # fmt: skip  # a list of phrases reads better in rows than one a line
RELATED_CUES = (
    "prior work", "previous work", "previous studies", "related work", "existing",
    "earlier", "has been", "have been", "proposed by", "et al", "in contrast", "unlike",
    "approaches", "methods such as", "line of work", "literature",
)  # fmt: skip  # a list of phrases reads better in rows than one a line

INTRODUCTION = re.compile(r"\b(introduction|motivation|overview)\b", re.I)
RELATED = re.compile(r"\b(related|prior|previous|literature|background)\b", re.I)
EXPERIMENTS = re.compile(
    r"\b(experiment\w*|evaluation|results?|empirical|benchmark\w*|numerical|simulations?)\b",
    re.I,
)
CONCLUSION = re.compile(
    r"\b(conclu\w*|discussion|limitations?|future|outlook|summary|closing)\b", re.I
)
BACK_MATTER = re.compile(
    r"\b(acknowledge?ments?|references|bibliography|appendix|supplementary|"
    r"contributions?|funding|ethics|reproducibility|checklist)\b",
    re.I,
)
_CAPTION = re.compile(r"^(fig(ure)?|table|algorithm|listing)\s*[\dA-Z.:]", re.I)

NOT_FOUND = {
    "en": "*The paper has no passage on this that the offline summarizer could find.*",
    "zh": "*离线摘要器未在论文中找到相关段落。*",
}
QUOTES_NOTE = {
    "en": "",
    "zh": "*（引文为论文的英文原文。）*",
}
FROM_ABSTRACT = {"en": "Abstract", "zh": "摘要"}


@dataclass(frozen=True, slots=True)
class Quote:
    """A sentence of a section, with where it stands in the paper."""

    text: str
    section: Section
    order: int  # position in the paper, to quote in reading order


def _top_level(section: Section) -> str:
    return section.number.split(".", 1)[0]


def _main(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """The body of the paper: no appendices (sections numbered with a letter), no back matter."""
    kept = []
    for s in sections:
        if s.anchor.startswith("A") or _top_level(s)[:1].isalpha() or BACK_MATTER.search(s.title):
            continue
        kept.append(s)
    return tuple(kept)


def _with_subsections(sections: tuple[Section, ...], match: Callable[[Section], bool]):
    """The sections whose title matches, with their subsections (same top-level number)."""
    chosen: list[Section] = []
    tops = {_top_level(s) for s in sections if s.level == 1 and s.number and match(s)}
    for s in sections:
        if match(s) or (s.number and _top_level(s) in tops):
            chosen.append(s)
    return tuple(dict.fromkeys(chosen))


def _quotes(sections: tuple[Section, ...], start: int = 0) -> list[Quote]:
    quotes: list[Quote] = []
    order = start
    for section in sections:
        for paragraph in section.text.split("\n\n"):
            paragraph = paragraph.strip()
            if not paragraph or _CAPTION.match(paragraph):
                continue
            for sentence in split_sentences(paragraph):
                order += 1
                text = sentence.text
                if not MIN_SENTENCE_CHARS <= len(text) <= MAX_SENTENCE_CHARS:
                    continue
                if text.count("$") > 6 or not (text[:1].isupper() or text[:1] == "$"):
                    continue
                quotes.append(Quote(text, section, order))
    return quotes


def _pick(
    quotes: list[Quote], cues: tuple[str, ...], title_words: set[str], n: int = QUOTES_PER_ANSWER
) -> list[Quote]:
    """The ``n`` best quotes, in reading order: those with cue phrases if any (the more the
    better), then by the words of the title they share, then the earliest."""

    def cued(quote: Quote) -> int:
        lower = quote.text.lower()
        return sum(1 for cue in cues if cue in lower)

    def score(quote: Quote) -> tuple[float, int]:
        value = 2.0 * cued(quote)
        words = set(_words(quote.text))
        if title_words and words:
            value += len(words & title_words) / len(title_words)
        return (-value, quote.order)

    pool = [q for q in quotes if cued(q)] or quotes
    best = sorted(pool, key=score)[:n]
    return sorted(best, key=lambda q: q.order)


def _cite(section: Section) -> str:
    return f" [§{section.number}]" if section.number else ""


def _answer(quotes: list[Quote], language: str, lead: list[str] | None = None) -> str:
    lines = [f"- “{text}” ({FROM_ABSTRACT[language]})" for text in lead or ()]
    lines += [f"- “{q.text}”{_cite(q.section)}" for q in quotes]
    if not lines:
        return NOT_FOUND[language]
    if QUOTES_NOTE[language]:
        lines.append("")
        lines.append(QUOTES_NOTE[language])
    return "\n".join(lines)


def extract_full_text(
    title: str, abstract: str, document: FullText, language: str = "en"
) -> list[QA] | None:
    """The six FAQ questions answered from the sections of ``document``; None when it has
    no sections to quote (then the abstract is all there is)."""
    asked = questions(language)
    sections = tuple(s for s in document.sections if s.text.strip())
    body = _main(sections) or sections
    if not _quotes(body):
        return None
    title_words = set(_words(title))
    intro = _with_subsections(body, lambda s: bool(INTRODUCTION.search(s.title)))
    if not intro:
        intro = body[:1]
    related = _with_subsections(body, lambda s: bool(RELATED.search(s.title)))
    experiments = _with_subsections(body, lambda s: bool(EXPERIMENTS.search(s.title)))
    conclusion = _with_subsections(body, lambda s: bool(CONCLUSION.search(s.title)))
    taken = set(intro) | set(related) | set(experiments) | set(conclusion)
    method = tuple(s for s in body if s not in taken)

    problem = _pick(_quotes(intro), PROBLEM_CUES, title_words)
    prior = _pick(_quotes(related), RELATED_CUES, title_words)
    approach = _pick(_quotes(method) or _quotes(intro), METHOD_CUES, title_words)
    results = _pick(_quotes(experiments), EXPERIMENT_CUES + RESULT_CUES, title_words)
    further = _pick(_quotes(conclusion), FUTURE_CUES, title_words)
    # The summary: the key sentences of the abstract, then the conclusion's own words.
    ranked = split_sentences(abstract)
    scores = _scores(title, ranked)
    lead = sorted(ranked, key=lambda s: (-scores[s.position], s.position))[:2]
    lead_texts = [s.text for s in sorted(lead, key=lambda s: s.position)]
    closing = _pick(_quotes(conclusion), RESULT_CUES + METHOD_CUES, title_words, n=2)
    if not lead_texts and not closing:
        closing = _pick(_quotes(body), METHOD_CUES + RESULT_CUES, title_words)
    answers = [
        _answer(problem, language),
        _answer(prior, language),
        _answer(approach, language),
        _answer(results, language),
        _answer(further, language),
        _answer(closing, language, lead_texts),
    ]
    return [QA(q, a) for q, a in zip(asked, answers, strict=True)]
