"""Work in a child process: ``in_child_process`` runs a function there and returns what it
returns (or raises what it raised), for work that would hold the interpreter's lock of the
site's process for long (the related papers' vectors), or import what that process should
not (scikit-learn, for a list's topics and "for you").

Children are forked from a server process (multiprocessing's forkserver) that has imported
``CHILD_PRELOAD`` once, so that a child starts without importing them. This module imports
nothing of the site's, since every child imports it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import anyio.to_thread

T = TypeVar("T")


def _answer(
    sending: Connection, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """In the child: ``function``'s result, or what it raised, sent back."""
    try:
        answer: tuple[bool, Any] = (True, function(*args, **kwargs))
    except Exception as error:
        answer = (False, error)
    try:
        sending.send(answer)
    except BrokenPipeError:  # the parent stopped waiting (cancelled, or shut down)
        pass
    finally:
        sending.close()


# What the children of ``in_child_process`` import, loaded once by the server they are forked
# from (forkserver): a child then starts without importing them (scikit-learn: a second).
CHILD_PRELOAD = (
    "web.apart",
    "search.alike",
    "sklearn.feature_extraction.text",
    "sklearn.cluster",
    "sklearn.svm",
)


def preload_children() -> None:
    """Have the process's forkserver import ``CHILD_PRELOAD`` when it starts: the server is
    one for the whole process (the search index's builds fork from it too), so this is done
    before anything starts it (``cli.serve``), and again by each ``in_child_process``."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(CHILD_PRELOAD))


async def in_child_process(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(*args, **kwargs)`` in a child process of its own (forkserver: not a fork of
    this process and its threads), killed if the caller is cancelled; what it raises is
    raised here. The arguments and the result travel pickled, worker threads start the child
    and wait for its answer. A child that dies without one (killed, out of memory) is a
    ``ChildProcessError``."""
    preload_children()
    context = multiprocessing.get_context("forkserver")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(sending, function, args, kwargs), daemon=True)
    try:
        await anyio.to_thread.run_sync(child.start)
        sending.close()  # the child's end: the pipe ends when the child does
        try:
            ok, value = await anyio.to_thread.run_sync(receiving.recv, abandon_on_cancel=True)
        except EOFError:
            await anyio.to_thread.run_sync(child.join)
            raise ChildProcessError(
                f"the child ended with {child.exitcode}, without an answer"
            ) from None
    except BaseException:
        if child.pid is not None:
            child.kill()
            await anyio.to_thread.run_sync(child.join)
        raise
    finally:
        receiving.close()
        sending.close()
    await anyio.to_thread.run_sync(child.join)
    if not ok:
        raise value
    result: T = value
    return result
