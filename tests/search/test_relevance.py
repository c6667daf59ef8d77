"""Relevance on the bundled sample archive: known papers come first, every paper holding a word
is found by it, and phrases, exclusions, fields and filters mean what they say."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from crawler.records import AuthorRecord, PaperRecord
from models.queries import get_papers
from models.schema import Paper
from search import Analyzer, search_papers
from search.text import words
from tests.indexed import ingest
from tokenizer import default_tokenizer

UTC = dt.UTC
ALL = 200


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    abstract: str
    authors: str
    categories: tuple[str, ...]
    published: dt.datetime | None


async def corpus(sessions) -> list[Doc]:
    async with sessions() as session:
        ids = list((await session.execute(select(Paper.id).order_by(Paper.id))).scalars())
        papers = await get_papers(session, ids)
    return [
        Doc(
            p.id,
            p.title,
            p.abstract,
            ", ".join(a.name for a in p.authors),
            tuple(c.category for c in p.categories),
            p.published,
        )
        for p in papers
    ]


def has_word(text: str, word: str) -> bool:
    """The plain scan the index is checked against: ``word`` as a whole word, any case."""
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text, re.IGNORECASE) is not None


def starts_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![^\W_]){re.escape(word)}", text, re.IGNORECASE) is not None


def text_of(doc: Doc) -> str:
    return f"{doc.title}\n{doc.abstract}\n{doc.authors}"


def scan_words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


async def found_ids(sessions, query: str, **options) -> list[str]:
    async with sessions() as session:
        page = await search_papers(session, query, limit=ALL, **options)
    assert page.total == len(page.hits) < ALL
    return [hit.paper.id for hit in page.hits]


async def test_three_distinctive_title_words_find_their_paper_first(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    frequency = Counter(w for d in docs for w in set(scan_words(text_of(d))))
    tested = 0
    for doc in docs:
        title_words = {w for w in scan_words(doc.title) if len(w) >= 4 and not w.isdigit()}
        if len(title_words) < 3:
            continue
        chosen = sorted(title_words, key=lambda w: (frequency[w], w))[:3]
        async with sample_sessions() as session:
            page = await search_papers(session, " ".join(chosen), limit=3)
        assert page.hits, (doc.id, chosen)
        assert page.hits[0].paper.id == doc.id, (doc.id, chosen, page.hits[0].paper.title)
        tested += 1
        if tested == 50:
            break
    assert tested == 50


def recall_words(docs: list[Doc]) -> list[str]:
    """30 words of the sample, rare to common, a third of them cut into three or more pieces."""
    frequency = Counter(w for d in docs for w in set(scan_words(text_of(d))))
    tokenizer = default_tokenizer()
    candidates = sorted(
        w for w, n in frequency.items() if len(w) >= 5 and w.isascii() and w.isalpha() and n >= 2
    )
    multi = [w for w in candidates if len(tokenizer.tokenize(w)) >= 3]
    single = [w for w in candidates if len(tokenizer.tokenize(w)) < 3]
    by_count = sorted(single, key=lambda w: (-frequency[w], w))
    chosen = by_count[:5] + by_count[len(by_count) // 2 : len(by_count) // 2 + 5]
    chosen += by_count[-10:] + multi[:: max(1, len(multi) // 10)][:10]
    assert len(set(chosen)) == 30
    return chosen


async def test_every_paper_holding_a_word_is_found_by_it(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    words = recall_words(docs)
    tokenizer = default_tokenizer()
    analyzer = Analyzer()
    assert sum(len(tokenizer.tokenize(w)) >= 3 for w in words) >= 10
    for word in words:
        expected = {d.id for d in docs if has_word(text_of(d), word)}
        found = set(await found_ids(sample_sessions, word))
        assert expected <= found, (word, expected - found)  # recall 1.0
        # Beyond the word itself, only variants sharing its stem.
        stem = analyzer.stem(word) or word
        assert all(starts_word(text_of(d), stem) for d in docs if d.id in found), word


async def test_a_phrase_finds_exactly_the_papers_with_those_words_in_order(sample_sessions):
    docs = await corpus(sample_sessions)
    for phrase in ("neural network", "machine learning", "large language models", "dark matter"):
        pattern = r"(?<![^\W_])" + r"[\W_]+".join(phrase.split()) + r"(?![^\W_])"
        expected = {d.id for d in docs if re.search(pattern, text_of(d), re.IGNORECASE)}
        assert expected, phrase
        assert set(await found_ids(sample_sessions, f'"{phrase}"')) == expected


async def test_excluded_words_leave_papers_out(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    with_testing = set(await found_ids(sample_sessions, "testing"))
    software = {d.id for d in docs if has_word(text_of(d), "software")}
    assert software & with_testing
    without = set(await found_ids(sample_sessions, "testing -software"))
    assert without == with_testing - software
    phrase = {d.id for d in docs if re.search(r"test\W+cases", text_of(d), re.IGNORECASE)}
    without_phrase = set(await found_ids(sample_sessions, 'testing -"test cases"'))
    assert without_phrase == with_testing - phrase != with_testing


async def test_or_finds_either(sample_sessions) -> None:
    either = set(await found_ids(sample_sessions, "entanglement OR superconductivity"))
    assert either == set(await found_ids(sample_sessions, "entanglement")) | set(
        await found_ids(sample_sessions, "superconductivity")
    )


async def test_field_prefixes_look_in_that_field_only(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    in_titles = {d.id for d in docs if starts_word(d.title, "quantum")}
    assert set(await found_ids(sample_sessions, "ti:quantum")) == in_titles
    in_abstracts = {d.id for d in docs if starts_word(d.abstract, "quantum")}
    assert set(await found_ids(sample_sessions, "abs:quantum")) == in_abstracts
    assert in_titles != in_abstracts
    author = next(d.authors.split(", ")[0].split()[-1] for d in docs if d.authors)
    by_author = {d.id for d in docs if has_word(d.authors, author)}
    assert set(await found_ids(sample_sessions, f"au:{author}")) == by_author


async def test_title_ranks_above_abstract(sample_sessions) -> None:
    docs = {d.id: d for d in await corpus(sample_sessions)}
    ranked = await found_ids(sample_sessions, "entanglement")
    in_title = [has_word(docs[i].title, "entanglement") for i in ranked]
    assert True in in_title and False in in_title
    assert in_title == sorted(in_title, reverse=True)


async def test_date_filters_in_the_query_and_as_parameters(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    low, high = dt.date(2007, 1, 1), dt.date(2023, 12, 31)

    def within(d: Doc) -> bool:
        return d.published is not None and low <= d.published.date() <= high

    expected = {d.id for d in docs if within(d) and has_word(text_of(d), "the")}
    assert 0 < len(expected) < sum(has_word(text_of(d), "the") for d in docs)
    assert set(await found_ids(sample_sessions, "the from:2007 until:2023-12-31")) == expected
    assert set(await found_ids(sample_sessions, "the", date_from=low, date_until=high)) == expected
    only_dates = set(await found_ids(sample_sessions, "from:2007 until:2023"))
    assert only_dates == {d.id for d in docs if within(d)}


async def test_category_filters(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    in_cs_lg = {d.id for d in docs if "cs.LG" in d.categories and has_word(text_of(d), "learning")}
    assert in_cs_lg
    assert set(await found_ids(sample_sessions, "learning cat:cs.LG")) == in_cs_lg
    assert set(await found_ids(sample_sessions, "learning", categories=["cs.LG"])) == in_cs_lg
    in_cs = {
        d.id
        for d in docs
        if any(c.startswith("cs.") for c in d.categories) and has_word(text_of(d), "learning")
    }
    assert set(await found_ids(sample_sessions, "learning cat:cs")) == in_cs
    outside = set(await found_ids(sample_sessions, "learning -cat:cs.LG"))
    assert outside == {d.id for d in docs if has_word(text_of(d), "learning")} - in_cs_lg


async def test_sort_by_date_puts_the_newest_first(sample_sessions) -> None:
    async with sample_sessions() as session:
        page = await search_papers(session, "the", sort="date", limit=50)
    days = [hit.paper.published for hit in page.hits if hit.paper.published]
    assert len(days) > 10
    assert days == sorted(days, reverse=True)


def record(arxiv_id: str, title: str, abstract: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=1,
        title=title,
        abstract=abstract,
        authors=(AuthorRecord("Li Wei"),),
        primary_category="cs.CL",
        categories=("cs.CL",),
        published=dt.datetime(2025, 3, 1, tzinfo=UTC),
    )


async def ingest_records(sessions, *records: PaperRecord) -> None:
    async with sessions.begin() as session:
        await ingest(session, list(records))


# The same paper with a word in the plural and in the singular.
TRANSFORMERS = (
    record("2503.00011", "Sparse transformers for zebrafish", "Several zebrafish."),
    record("2503.00012", "A transformer for zebrafish", "One zebrafish."),
)


async def test_a_chinese_query_finds_chinese_text(sample_sessions) -> None:
    await ingest_records(
        sample_sessions,
        record("2503.00001", "基于注意力机制的中文分词", "我们提出一种新的深度学习模型。"),
        record("2503.00002", "机制设计与注意力", "关于拍卖的研究。"),
    )
    assert await found_ids(sample_sessions, "注意力机制") == ["2503.00001"]
    assert set(await found_ids(sample_sessions, "注意力")) == {"2503.00001", "2503.00002"}
    assert await found_ids(sample_sessions, "深度学习 模型") == ["2503.00001"]
    async with sample_sessions() as session:
        page = await search_papers(session, "注意力机制")
    hit = page.hits[0]
    assert [hit.paper.title[s:e] for s, e in hit.title_spans] == ["注意力机制"]


async def test_a_partial_word_finds_its_variants_ranked_lower(sample_sessions) -> None:
    await ingest_records(sample_sessions, *TRANSFORMERS)
    assert await found_ids(sample_sessions, "transformer zebrafish") == [
        "2503.00012",
        "2503.00011",
    ]
    async with sample_sessions() as session:
        page = await search_papers(session, "transformer zebrafish")
    plural = page.hits[1].paper
    assert [plural.title[s:e] for s, e in page.hits[1].title_spans] == ["transformers", "zebrafish"]
    assert await found_ids(sample_sessions, "transformers zebrafish") == [
        "2503.00011",
        "2503.00012",
    ]


async def test_a_quoted_word_leaves_its_variants_out(sample_sessions) -> None:
    await ingest_records(sample_sessions, *TRANSFORMERS)
    assert await found_ids(sample_sessions, '"transformer" zebrafish') == ["2503.00012"]


async def test_a_broad_query_is_ranked_and_counted_whole(sample_sessions) -> None:
    async with sample_sessions() as session:
        full = await search_papers(session, "the", limit=ALL)
        pages = [
            await search_papers(session, "the", limit=7, offset=offset)
            for offset in range(0, min(full.total, 70), 7)
        ]
        papers = (await session.execute(select(Paper))).scalars().all()
    holding = [p for p in papers if "the" in words(f"{p.title} {p.abstract}")]
    assert full.total_exact and full.total == len(holding) > 100
    scores = [h.score for h in full.hits]
    assert scores == sorted(scores, reverse=True)
    assert [h.paper.id for page in pages for h in page.hits] == [h.paper.id for h in full.hits[:70]]
