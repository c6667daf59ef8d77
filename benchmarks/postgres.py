"""The benchmarks' PostgreSQL side: psycopg connections to the server of a SQLAlchemy URL, made
as the tests make theirs (``tests.pg.databases.connect``: the benchmarks run on the tests'
throwaway cluster, ``tests/pg/cluster.sh``)."""

from __future__ import annotations

from tests.pg.databases import connect

__all__ = ["connect", "run"]


def run(server: str, statement: str, database: str = "postgres") -> list[tuple]:
    """``statement`` run on ``database`` of the server of ``server`` (autocommit)."""
    with connect(server, database, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []
