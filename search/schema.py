"""The names of the search index's tables; all start with ``TABLE_PREFIX``.

They are created by the migration ``0004`` on SQLite only and are not SQLAlchemy models:
``models.schema.is_managed_table`` leaves them out of schema comparisons.

- ``search_docs``: one row per indexed paper, ``docid`` (the FTS rowid) for its ``paper_id``;
- ``search_fts``: the FTS5 table of index terms (``search.analysis``), ``ascii`` tokenizer;
- ``search_vocab``: an ``fts5vocab`` view of it (document frequency of each term).
"""

from __future__ import annotations

TABLE_PREFIX = "search_"
DOCS_TABLE = "search_docs"
FTS_TABLE = "search_fts"
VOCAB_TABLE = "search_vocab"
