"""A small index held in memory, built and searched by the same code as the stored one."""

from __future__ import annotations

from collections.abc import Sequence

from search import _kernel
from search.analysis import Analyzer
from search.documents import PaperText
from search.evaluate import Collection, Ranking, TermList, collection_of, evaluate
from search.plan import plan_query
from search.query import parse_query
from search.segments import Vocabulary, analyze, build_segment


class MemoryIndex:
    def __init__(self, texts: Sequence[PaperText], analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer or Analyzer()
        vocabulary = Vocabulary()
        papers = [(i + 1, analyze(self.analyzer, vocabulary, t)) for i, t in enumerate(texts)]
        self.ids = {i + 1: t.id for i, t in enumerate(texts)}
        self.lists: dict[str, TermList] = {}
        for row in build_segment([p for _, p in papers], vocabulary).rows():
            docids, tf = _kernel.decode(row.docs, row.df, 1)
            entries = _kernel.position_entries(row.positions, row.df)
            self.lists[row.term] = TermList(docids, tf, (row.positions, entries))
        self.collection: Collection = collection_of(
            [d for d, _ in papers], [p.length for _, p in papers], [p.day for _, p in papers]
        )

    def search(self, text: str, k: int = 10) -> Ranking | None:
        plan = plan_query(parse_query(text), self.analyzer)
        return None if plan is None else evaluate(plan, self.lists, self.collection, k=k)

    def ids_of(self, text: str) -> list[str]:
        ranking = self.search(text, k=1000)
        return [] if ranking is None else [self.ids[d] for d in ranking.docids]
