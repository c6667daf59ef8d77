"""the search index as segments of posting lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Replaces the FTS5 index of ``0004`` (on SQLite) with coolpapers' own: ``search_docs`` (a
docid per indexed paper, never reused, with a digest of its terms, its length and day),
``search_deleted`` (the docids gone, in order), ``search_segments`` (with the terms each
holds) and ``search_postings`` (each term's posting list in each segment, see
``search.segments``) and ``search_meta``
(the index's identity). The index starts empty: ``coolpapers db upgrade`` fills it
(``coolpapers index rebuild``).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return  # no search index on this database yet
    op.execute("DROP TABLE IF EXISTS search_vocab")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP TABLE IF EXISTS search_docs")
    op.execute(
        "CREATE TABLE search_docs ("
        "docid INTEGER PRIMARY KEY AUTOINCREMENT, paper_id VARCHAR(64) NOT NULL UNIQUE, "
        "digest BLOB NOT NULL, length INTEGER NOT NULL, day INTEGER NOT NULL)"
    )
    op.execute(
        "CREATE TABLE search_deleted ("
        "seq INTEGER PRIMARY KEY AUTOINCREMENT, docid INTEGER NOT NULL)"
    )
    op.execute(
        "CREATE TABLE search_segments ("
        "segment INTEGER PRIMARY KEY AUTOINCREMENT, first_docid INTEGER NOT NULL, "
        "last_docid INTEGER NOT NULL, docs INTEGER NOT NULL, terms BLOB NOT NULL)"
    )
    op.execute(
        "CREATE TABLE search_postings ("
        "term TEXT NOT NULL, segment INTEGER NOT NULL, df INTEGER NOT NULL, "
        "last_docid INTEGER NOT NULL, docs BLOB NOT NULL, positions BLOB NOT NULL)"
    )
    # A separate index, not the table's key: looking up a term then reads no list's bytes.
    op.execute("CREATE UNIQUE INDEX search_postings_term ON search_postings (term, segment, df)")
    op.execute("CREATE TABLE search_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    op.execute(
        "INSERT INTO search_meta (name, value) VALUES ('index_id', lower(hex(randomblob(8))))"
    )


def downgrade() -> None:
    if not _sqlite():
        return
    for table in ("search_meta", "search_postings", "search_segments", "search_deleted"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP TABLE IF EXISTS search_docs")
    op.execute(
        "CREATE TABLE search_docs ("
        "docid INTEGER PRIMARY KEY, paper_id VARCHAR(64) NOT NULL UNIQUE, terms BLOB NOT NULL)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "title, abstract, authors, title_stems, abstract_stems, "
        "tokenize = 'ascii', content = '')"
    )
    op.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')")
