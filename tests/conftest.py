"""Fixtures shared by the whole suite: a migrated database per test, settings, sessions.

Tests that touch the database run once per backend: on SQLite, and on PostgreSQL when the
suite runs beside a cluster (``tests/pg/cluster.sh``, as ``make test`` does). ``--db=sqlite``,
``--db=postgresql`` or ``--db=both`` picks them; the default is both when a cluster is there,
SQLite alone otherwise. A test that asks for ``database_path`` (the SQLite file itself) or
is marked ``sqlite_only`` runs on SQLite alone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cli import db as cli_db
from models.db import create_engine, session_factory
from models.settings import Settings
from tests.pg import databases

FIXTURES = Path(__file__).parent / "fixtures"

# Nothing in the suite reaches arXiv: unless a test says otherwise (with its fake arXiv), no
# full text is fetched for a summary and no paper the archive lacks is fetched for a page. Set
# in the environment, so that every Settings and every command a test starts sees it too.
os.environ.setdefault("COOLPAPERS_FULLTEXT", "off")
os.environ.setdefault("COOLPAPERS_FETCH_ON_DEMAND", "false")

# Examples are not timed: the suite runs on several processes at once, and an example's time
# would measure its neighbours. The tests about time are marked ``serial`` and run alone.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")


def upgrade_database(url: str) -> None:
    """``cli.db.upgrade_database`` in a thread of its own: the migrations run their own event
    loop, and a session fixture may be first set up inside a browser test, whose Playwright
    page keeps a loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(cli_db.upgrade_database, url).result()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="the database backends of the tests that touch one (default: both when "
        f"{databases.URL_VARIABLE} names a PostgreSQL cluster, else sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("--db") or ("both" if databases.server_url() else "sqlite")
    if choice != "sqlite" and not databases.server_url():
        raise pytest.UsageError(
            f"--db={choice} needs a PostgreSQL cluster in {databases.URL_VARIABLE}: "
            "run the tests through tests/pg/cluster.sh (make test does)"
        )
    config.stash[_BACKENDS_KEY] = BACKENDS if choice == "both" else (choice,)


_BACKENDS_KEY = pytest.StashKey[tuple[str, ...]]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    backends = metafunc.config.stash[_BACKENDS_KEY]
    sqlite_only = metafunc.definition.get_closest_marker("sqlite_only")
    if "database_path" in metafunc.fixturenames or sqlite_only:
        backends = ("sqlite",)
    if metafunc.definition.get_closest_marker("postgresql_only"):
        backends = ("postgresql",)
    metafunc.parametrize("db_backend", backends)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL among the backends (``--db=sqlite``), its own tests are left out."""
    if "postgresql" in config.stash[_BACKENDS_KEY]:
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


@pytest.fixture
def db_backend() -> str:
    """The database backend of this test (parametrized by ``pytest_generate_tests``)."""
    return "sqlite"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """An empty PostgreSQL database at the latest migration, made once; yields its name."""
    server = databases.server_url()
    assert server, f"no PostgreSQL cluster in {databases.URL_VARIABLE}"
    name = databases.new_name("template")
    upgrade_database(databases.create(server, name))
    yield name
    databases.drop(server, name)


@pytest.fixture
def postgres_copy(request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Makes fresh copies of PostgreSQL templates for this test (dropped at its end)."""
    server = databases.server_url()
    assert server
    made: list[str] = []

    def copy(template: str) -> str:
        name = databases.new_name("test")
        made.append(name)
        return databases.create(server, name, template)

    yield copy
    for name in made:
        databases.drop(server, name)


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest) -> str:
    """A fresh database at the latest migration, on this test's backend."""
    if db_backend == "postgresql":
        copy = request.getfixturevalue("postgres_copy")
        return copy(request.getfixturevalue("postgres_template"))
    return sqlite_url(request.getfixturevalue("sqlite_database"))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the latest migration, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_database(sqlite_url(path))
    return path


@pytest.fixture
def sqlite_database(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "coolpapers.db"
    shutil.copy(migrated_template, path)
    return path


@pytest.fixture
def database_path(db_backend: str, database_url: str, sqlite_database: Path) -> Path:
    """The SQLite file of this test's database (such tests run on SQLite alone)."""
    assert db_backend == "sqlite"
    return sqlite_database


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = database_url
    monkeypatch.setenv("COOLPAPERS_DATABASE_URL", url)
    # No test reaches the real arXiv: those that fetch papers on demand say so.
    return Settings(
        DATABASE_URL=url, MIN_REQUEST_INTERVAL=0.0, FETCH_ON_DEMAND=False, FULLTEXT="off"
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings=settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def fixture_path() -> Iterator[Path]:
    yield FIXTURES
