"""The benchmarks' PostgreSQL side: psycopg connections to the server of a SQLAlchemy URL."""

from __future__ import annotations

from typing import Any


def connect(url: str, database: str | None = None, autocommit: bool = False) -> Any:
    """A psycopg connection to the server of ``url``, to its database or to ``database``."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=database or parsed.database,
        autocommit=autocommit,
    )


def run(server: str, statement: str, database: str = "postgres") -> list[tuple]:
    """``statement`` run on ``database`` of the server of ``server`` (autocommit)."""
    with connect(server, database, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []
