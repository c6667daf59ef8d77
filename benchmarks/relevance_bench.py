"""Relevance of related papers and of "for you", measured on real papers, and their speed.

``python -m benchmarks.relevance_bench`` reads the bundled sample and the recorded OAI pages
(1,309 real papers) and reports:

- related papers: the share of a paper's 5 related papers that share a category with it, over
  every paper, for the tf-idf "more like this" (``search.alike``) and, with ``--before``, for
  the rarest shared words ranked by BM25 (``search.related_paper_ids``, the former method);
- "for you": the AUC of the ranking when the stars are 30 papers of one category and the
  candidates every other paper, for each of the 8 largest categories;
- timings: related papers of one paper and ``for_you`` for 30 stars and 2,000 candidates over
  an archive of ``--papers`` synthetic papers (100,000 by default) made of the real ones' words.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from crawler.imports import read_file
from crawler.parse import parse_document
from crawler.sample import sample_files
from search.alike import Alike, PaperText

ROOT = Path(__file__).resolve().parent.parent
OAI_PAGES = ROOT / "tests" / "fixtures" / "arxiv" / "oai"
RELATED = 5
STARS = 30
SEED = 18


def real_papers(files: Sequence[Path] | None = None) -> list[PaperText]:
    """The papers of the sample and of the recorded OAI pages (the last record of an id wins)."""
    chosen = files if files is not None else [*sample_files(), *sorted(OAI_PAGES.glob("*.xml"))]
    papers: dict[str, PaperText] = {}
    for path in chosen:
        for record in parse_document(read_file(path)).papers:
            if record.title and record.categories:
                papers[record.arxiv_id] = PaperText(
                    record.arxiv_id, record.title, record.abstract, tuple(record.categories)
                )
    return [papers[k] for k in sorted(papers)]


def category_share(
    papers: Sequence[PaperText], related: Callable[[str], list[str]], limit: int = RELATED
) -> tuple[float, int]:
    """The share of related papers sharing a category with their paper, and how many there were."""
    categories = {p.id: set(p.categories) for p in papers}
    shared = total = 0
    for paper in papers:
        for other in related(paper.id)[:limit]:
            total += 1
            shared += bool(categories[paper.id] & categories.get(other, set()))
    return (shared / total if total else 0.0), total


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """The probability that a positive outranks a negative (ties count half)."""
    ranked = sorted(zip(scores, positive, strict=True), key=lambda pair: pair[0])
    rank_sum, rank, i = 0.0, 1, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = rank + (j - i - 1) / 2
        rank_sum += average * sum(1 for k in range(i, j) if ranked[k][1])
        rank += j - i
        i = j
    n_pos = sum(positive)
    n_neg = len(positive) - n_pos
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def for_you_aucs(
    papers: Sequence[PaperText], alike: Alike, categories: int = 8, stars: int = STARS
) -> dict[str, float]:
    """For each of the largest primary categories: stars are ``stars`` of its papers, the
    candidates every other paper; the AUC of the others of the category among the candidates."""
    primary = Counter(p.categories[0] for p in papers)
    rng = random.Random(SEED)
    figures: dict[str, float] = {}
    for category, _ in primary.most_common(categories):
        members = [p.id for p in papers if category in p.categories]
        starred = set(rng.sample(members, min(stars, len(members) // 2)))
        candidates = [p.id for p in papers if p.id not in starred]
        result = alike.for_you(sorted(starred), candidates)
        in_category = {p.id for p in papers if category in p.categories}
        scores = [s for _, s in result.ranked]
        figures[category] = auc(scores, [i in in_category for i, _ in result.ranked])
    return figures


def synthetic_archive(papers: Sequence[PaperText], n: int, seed: int = SEED) -> list[PaperText]:
    """``n`` papers made by shuffling the sentences of real ones, keeping their categories."""
    rng = random.Random(seed)
    made: list[PaperText] = []
    for i in range(n):
        base = papers[i % len(papers)]
        other = papers[rng.randrange(len(papers))]
        sentences = (base.abstract + " " + other.abstract).split(". ")
        rng.shuffle(sentences)
        made.append(
            PaperText(
                f"{9000 + i // 100_000}.{i % 100_000:05d}",
                base.title,
                ". ".join(sentences[: len(sentences) // 2 + 1]),
                base.categories,
            )
        )
    return made


def _ms(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def before(papers: Sequence[PaperText]) -> dict[str, list[str]]:
    """Related papers by the former method: the rarest shared words, ranked by BM25 over the
    search index of a temporary database holding the same papers."""
    import search
    from cli.db import upgrade_database
    from crawler.imports import import_files
    from crawler.ingest import IngestHooks
    from models.db import create_engine, session_factory
    from models.settings import Settings

    files = [*sample_files(), *sorted(OAI_PAGES.glob("*.xml"))]
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite+aiosqlite:///{workdir}/before.db"
        upgrade_database(url)

        async def go() -> dict[str, list[str]]:
            engine = create_engine(url, settings=Settings(DATABASE_URL=url))
            sessions = session_factory(engine)
            try:
                await import_files(
                    sessions, files, hooks=IngestHooks(papers_changed=search.index_papers)
                )
                found = {}
                async with sessions() as session:
                    for p in papers:
                        found[p.id] = await search.related_paper_ids(
                            session, p.id, p.title, p.abstract, limit=RELATED
                        )
                return found
            finally:
                await engine.dispose()

        return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000, help="archive size for timings")
    parser.add_argument("--before", action="store_true", help="also measure the former method")
    options = parser.parse_args()
    papers = real_papers()
    started = time.perf_counter()
    alike = Alike(papers)
    print(f"{len(papers)} real papers, vectors built in {time.perf_counter() - started:.1f} s")
    share, total = category_share(papers, lambda i: [r for r, _ in alike.related(i, RELATED)])
    print(f"related papers sharing a category (tf-idf, categories): {share:.1%} of {total}")
    words_only = Alike(papers, category_weight=0.0)
    share, total = category_share(papers, lambda i: [r for r, _ in words_only.related(i, RELATED)])
    print(f"related papers sharing a category (tf-idf, words only): {share:.1%} of {total}")
    if options.before:
        former = before(papers)
        share, total = category_share(papers, lambda i: former.get(i, []))
        print(f"related papers sharing a category (rarest shared words): {share:.1%} of {total}")
    aucs = for_you_aucs(papers, alike)
    for category, figure in aucs.items():
        print(f"for you AUC, stars from {category}: {figure:.3f}")
    print(f"for you AUC, mean: {statistics.mean(aucs.values()):.3f}")
    started = time.perf_counter()
    big = Alike(synthetic_archive(papers, options.papers))
    print(f"{len(big)} papers: vectors built in {time.perf_counter() - started:.1f} s")
    rng = random.Random(SEED)
    ids = big.ids.tolist()
    some = [ids[rng.randrange(len(big))] for _ in range(200)]
    queue = iter(some * 2)
    median, p95 = _ms(lambda: big.related(next(queue), 10), len(some))
    print(f"related papers of one paper: median {median:.2f} ms, p95 {p95:.2f} ms")
    stars = rng.sample(ids, STARS)
    candidates = rng.sample(ids, 2000)
    median, p95 = _ms(lambda: big.for_you(stars, candidates), 20)
    print(f"for you, 30 stars and 2,000 candidates: median {median:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
