"""Category filters at any number: the same answer as one category, and one statement of SQL
served by the category index however many there are."""

from __future__ import annotations

from search import Query, search_papers
from search.query import Clause, Term
from tests.search.test_query import letters
from tests.search.test_relevance import ALL, corpus, found_ids, has_word, text_of

# Far more categories than SQLite's expression depth allows as a chain of ORs.
UNKNOWN = tuple(f"zz.{letters(i)}" for i in range(1500))


async def test_categories_match_in_any_case_and_archives_by_their_prefix(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    learning = [d for d in docs if has_word(text_of(d), "learning")]
    in_cs_lg = {d.id for d in learning if "cs.LG" in d.categories}
    in_cs = {d.id for d in learning if any(c.startswith("cs.") for c in d.categories)}
    assert in_cs_lg and in_cs_lg < in_cs
    assert set(await found_ids(sample_sessions, "learning", categories=["CS.lg"])) == in_cs_lg
    assert set(await found_ids(sample_sessions, "learning cat:cs.*")) == in_cs
    assert set(await found_ids(sample_sessions, "learning", categories=["CS"])) == in_cs
    # An archive is not the start of another's name: "c" is not "cs".
    assert await found_ids(sample_sessions, "learning", categories=["c"]) == []


async def test_any_number_of_categories_is_one_lookup(sample_sessions) -> None:
    docs = await corpus(sample_sessions)
    in_cs_lg = {d.id for d in docs if "cs.LG" in d.categories}
    learning = Clause((Term(("learning",)),))
    for query in (
        Query(clauses=(learning,), categories=(*UNKNOWN, "cs.LG")),
        Query(categories=(*UNKNOWN, "cs.LG")),
    ):
        async with sample_sessions() as session:
            page = await search_papers(session, query, limit=ALL)
        found = {hit.paper.id for hit in page.hits}
        assert found and found <= in_cs_lg
        if not query.clauses:
            assert found == in_cs_lg
    everything = Query(excluded_categories=UNKNOWN)
    async with sample_sessions() as session:
        page = await search_papers(session, everything, limit=ALL)
    assert page.total == len(docs)
