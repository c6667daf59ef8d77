"""``web.apart``: a function run in a child process, its answer or its error brought back."""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.alike import Alike
from web.apart import CHILD_PRELOAD, _answer, in_child_process, preload_children

ROOT = Path(__file__).resolve().parents[2]

WAIT = 30  # seconds at most that a child is waited for (never reached when it passes)


async def test_a_build_in_a_child_process_is_killed_when_cancelled():
    task = asyncio.ensure_future(in_child_process(time.sleep, WAIT))
    while not multiprocessing.active_children():
        await asyncio.sleep(0.01)
    (child,) = multiprocessing.active_children()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not child.is_alive() and multiprocessing.active_children() == []


async def test_a_child_process_raises_here_what_it_raised_and_its_death_is_an_error():
    with pytest.raises(ValueError, match="invalid literal"):
        await in_child_process(int, "not a number")
    with pytest.raises(ChildProcessError, match="ended with 3"):
        await in_child_process(os._exit, 3)
    assert multiprocessing.active_children() == []


def test_a_child_whose_parent_stopped_waiting_ends_quietly():
    receiving, sending = multiprocessing.Pipe(duplex=False)
    receiving.close()  # the parent cancelled, or shut down
    _answer(sending, Alike, ([],), {})  # the answer cannot be sent: no traceback, no error
    assert sending.closed


def test_what_children_preload_can_be_imported() -> None:
    """The forkserver ignores a module it cannot import: a misspelt one would go unseen."""
    for name in CHILD_PRELOAD:
        importlib.import_module(name)


def loaded(name: str) -> bool:
    return name in sys.modules


def test_a_child_starts_with_what_its_server_preloaded() -> None:
    """scikit-learn imported once, by the server children are forked from (this module, which
    the child imports to find ``loaded``, does not import it). In a process of its own: the
    forkserver is one a process, and the search index's builds may have started it here."""
    script = (
        "import asyncio; from tests.web.test_apart import loaded; from web.apart import "
        "in_child_process as run; print(asyncio.run(run(loaded, 'sklearn.cluster')), "
        "asyncio.run(run(loaded, 'a.module.nobody.imports')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert found.stdout.split() == ["True", "False"], found.stderr[-2000:]


def test_the_served_site_has_its_children_preloaded_whatever_starts_their_server() -> None:
    """``cli.serve`` sets the preload before anything starts the forkserver; an index build
    (``search.indexing``) forks its workers from the same server."""
    from multiprocessing import forkserver

    preload_children()
    assert forkserver._forkserver._preload_modules == list(CHILD_PRELOAD)
