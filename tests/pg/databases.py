"""Databases of the test PostgreSQL cluster: templates made once, a fresh copy per test.

The cluster is the one ``tests/pg/cluster.sh`` starts; its address comes in
``COOLPAPERS_TEST_POSTGRES_URL``. A copy is ``CREATE DATABASE ... TEMPLATE``, which costs
a few milliseconds for the suite's small databases, and is dropped when its test ends.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

URL_VARIABLE = "COOLPAPERS_TEST_POSTGRES_URL"
LOG_VARIABLE = "COOLPAPERS_TEST_POSTGRES_LOG"

_names = itertools.count()


def server_url() -> str | None:
    """The cluster's address (a SQLAlchemy URL of its ``postgres`` database), if one runs."""
    return os.environ.get(URL_VARIABLE) or None


def connect(
    url: str, database: str | None = None, *, autocommit: bool = False
) -> psycopg.Connection:
    """A psycopg connection to the server of the SQLAlchemy ``url``: to its database, or to
    ``database`` (the benchmarks use it too)."""
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=database or parsed.database,
        autocommit=autocommit,
    )


def _server(url: str) -> psycopg.Connection:
    """A connection to the server's ``postgres`` database, for creating and dropping others."""
    return connect(url, "postgres", autocommit=True)


def database_url(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def new_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_names)}"


def create(url: str, name: str, template: str | None = None) -> str:
    """Creates database ``name`` (a copy of ``template`` when given); returns its URL."""
    with _server(url) as connection:
        statement = f'CREATE DATABASE "{name}"'
        if template:
            statement += f' TEMPLATE "{template}"'
        connection.execute(statement)
    return database_url(url, name)


def drop(url: str, name: str) -> None:
    """Drops database ``name``, closing the connections a test left open to it."""
    with _server(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def disconnect(url: str) -> int:
    """Ends every connection to the database of ``url`` (as a restart would); returns how many."""
    with _server(url) as connection:
        row = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (make_url(url).database,),
        ).fetchone()
    return int(row[0]) if row else 0


def _pg_ctl() -> str:
    config = shutil.which("pg_config")
    if config:
        found = subprocess.run([config, "--bindir"], capture_output=True, text=True).stdout
        if found.strip() and Path(found.strip(), "pg_ctl").exists():
            return str(Path(found.strip(), "pg_ctl"))
    return sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]


def restart() -> None:
    """Restarts the test cluster (``pg_ctl restart``, fast shutdown: every connection is cut)
    and waits until it accepts connections again; its directory is the log's."""
    log = Path(os.environ[LOG_VARIABLE])
    command = [_pg_ctl(), "-D", str(log.parent / "data"), "-l", str(log), "-m", "fast", "-w"]
    command += ["-t", "60", "restart"]
    if os.getuid() == 0:  # the cluster is the postgres user's (see cluster.sh)
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=90)


def query(url: str, statement: str) -> list[tuple]:
    """The rows of ``statement`` (no parameters) run on the test database of ``url``, SQLite
    or PostgreSQL, in a connection of its own that commits at the end."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        with sqlite3.connect(parsed.database or "") as connection:
            return connection.execute(statement).fetchall()
    with connect(url) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []
