"""the full-text search index (SQLite FTS5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

On SQLite: ``search_docs`` (a docid per indexed paper and its terms, compressed), the
contentless FTS5 table ``search_fts`` of index terms and its ``fts5vocab`` view
``search_vocab``. On other databases nothing is created: the
search index is not available there yet. The index starts empty: fill it with
``coolpapers index rebuild`` (new papers are indexed as they are stored).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _sqlite():
        return  # no search index on this database yet
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


def downgrade() -> None:
    if not _sqlite():
        return
    op.execute("DROP TABLE IF EXISTS search_vocab")
    op.execute("DROP TABLE IF EXISTS search_fts")
    op.execute("DROP TABLE IF EXISTS search_docs")
