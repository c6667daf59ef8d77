"""Ranked full-text search over the whole archive, inside the site's database.

Owns the index terms of a paper (``search.text``, ``search.analysis``: folded words, and each
word without its last BytePiece piece, for partial words), the query language
(``search.query``, planned by ``search.plan``), the index itself: segments of compressed
posting lists (``search.segments``, built and read by the compiled ``search._kernel``),
evaluated with BM25 and top-k (``search.evaluate``), stored on SQLite in the papers'
transactions (``search.storage``, read through ``search.loaded``, every paper's length and
day first from one stored row, ``search.snapshot``, searched by ``search.sqlite``, into
memory a served process reserves: ``search.reserve``), and highlighting. Everything but the
storage and reading is pure, so that another database's backend can reuse it.

- ``search_papers(session, query, ...)``: one page of ranked papers with highlight spans;
- ``parse_query(text)``: the plan of a query string (never fails);
- ``index_papers(session, ids)``, ``rebuild_index(sessions)``, ``check_index(session)``;
  ``index_papers`` is the ingest's ``papers_changed`` hook: the site and the command line
  hand it to every ingest, so that each batch is indexed in its transaction; with
  ``foresee_papers`` as its ``papers_coming`` hook, the papers' texts are analyzed while the
  batch is written;
- ``has_index(session)``, ``index_size(session)``: whether the database holds the index, and
  its size;
- ``related_paper_ids(session, paper_id, title, abstract)``;
- ``configure(SearchOptions.from_settings(settings))``: what the composition roots call first
  (the tokenizer model and backend, whether bodies are indexed, the cache's budget).
"""

from search.analysis import Analyzer, IndexedDocument
from search.engine import SearchHit, SearchPage, search_papers
from search.indexing import (
    IndexCheck,
    RebuildReport,
    check_index,
    foresee_papers,
    index_papers,
    rebuild_index,
)
from search.options import SearchOptions, configure, shared_analyzer
from search.query import Clause, Field, Query, Term, parse_query
from search.related import related_paper_ids
from search.sqlite import load_index
from search.storage import IndexSize, has_index, index_size

__all__ = [
    "Analyzer",
    "Clause",
    "Field",
    "IndexCheck",
    "IndexSize",
    "IndexedDocument",
    "Query",
    "RebuildReport",
    "SearchHit",
    "SearchOptions",
    "SearchPage",
    "Term",
    "check_index",
    "configure",
    "foresee_papers",
    "has_index",
    "index_papers",
    "index_size",
    "load_index",
    "parse_query",
    "rebuild_index",
    "related_paper_ids",
    "search_papers",
    "shared_analyzer",
]
