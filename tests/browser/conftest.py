"""Browser tests: the site on uvicorn in a thread, over a filled database, driven by Chromium.

The browser is the one ``make test`` found or installed (``COOLPAPERS_CHROMIUM``), else
``chromium`` on the PATH; without one the browser tests fail, they never skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from models.settings import Settings
from tests.web.data import fill
from web.app import create_app

CHROMIUM_VARIABLE = "COOLPAPERS_CHROMIUM"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
START_TIMEOUT = 20.0


def chromium() -> Path:
    """The Chromium to drive: ``$COOLPAPERS_CHROMIUM`` when set, else ``chromium`` on the
    PATH; a missing browser fails the test that needs it."""
    configured = os.environ.get(CHROMIUM_VARIABLE)
    found = configured if configured is not None else shutil.which("chromium")
    if not found or not os.access(found, os.X_OK) or not Path(found).is_file():
        pytest.fail(
            f"no Chromium for the browser tests ({CHROMIUM_VARIABLE}={configured!r}, "
            f"chromium on the PATH: {shutil.which('chromium')!r}); `make test` installs it",
            pytrace=False,
        )
    return Path(found)


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=str(chromium()), args=CHROMIUM_ARGS, headless=True
    )


class ServerThread:
    """uvicorn serving ``app`` on a free port of 127.0.0.1, in a daemon thread."""

    def __init__(self, app) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the site did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="package")
def site_url(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[str]:
    chromium()  # no site to start without a browser to drive it
    path = tmp_path_factory.mktemp("site") / "site.db"
    shutil.copy(migrated_template, path)
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    asyncio.run(fill(settings))
    with ServerThread(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="package")
def browser(site_url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


class Console:
    """Errors the page reported: script errors, CSP violations, failed requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def new_context(browser, site_url: str):
    """Makes fresh browser contexts (a new profile each: no cookies, no localStorage)."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=site_url, **options)
        context.set_default_timeout(10_000)
        # Nothing leaves 127.0.0.1: a request elsewhere fails the test.
        context.route(
            lambda url: not url.startswith(site_url),
            lambda route: (_outside.append(route.request.url), route.abort()),
        )
        contexts.append(context)
        return context

    _outside: list[str] = []
    yield make
    for context in contexts:
        context.close()
    assert _outside == [], f"requests left the site: {_outside}"


@pytest.fixture
def page(new_context, console: Console):
    page = new_context().new_page()
    console.attach(page)
    return page


def screenshot(page, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
