"""The names of the search index's tables; all start with ``TABLE_PREFIX``.

They are created by the migration ``0005`` (on SQLite and PostgreSQL) and are not SQLAlchemy models:
``models.schema.is_managed_table`` leaves them out of schema comparisons.

- ``search_docs``: one row per indexed paper: its ``docid`` (never reused), a digest of its
  terms, its length in words and its publication day;
- ``search_deleted``: the docids that left the index, in order (``seq``);
- ``search_segments``: the segments, each a range of docids written together;
- ``search_postings``: each term's posting list in each segment (``search.segments``);
- ``search_meta``: ``index_id``, the index's identity (cached state is keyed by it);
- ``search_snapshot`` (migration ``0014``): every paper's row of ``search_docs`` up to a docid
  as three arrays in one row (``search.snapshot``), what a process reads first.
"""

from __future__ import annotations

TABLE_PREFIX = "search_"
DOCS_TABLE = "search_docs"
DELETED_TABLE = "search_deleted"
SEGMENTS_TABLE = "search_segments"
POSTINGS_TABLE = "search_postings"
META_TABLE = "search_meta"
SNAPSHOT_TABLE = "search_snapshot"
