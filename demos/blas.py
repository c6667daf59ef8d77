"""One BLAS thread per demo call.

The demos run many tiny BLAS and LAPACK calls (QR of a 256 x 256 matrix, BFGS updates). With
OpenBLAS's default of one thread per core, each such call wakes the other threads; when the
cores are busy with other work they stall for milliseconds, and a 10 ms QR took 1.8 s on the
shared 2-core machine. A demo call therefore runs with a single BLAS thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

P = ParamSpec("P")
R = TypeVar("R")

_controller: ThreadpoolController | None = None


def _blas() -> ThreadpoolController:
    # Made on first use, once numpy's and scipy's BLAS libraries are loaded: the demos import
    # scipy on first use (the site starts without it), so it is loaded here, or its BLAS would
    # escape the limit.
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401

        _controller = ThreadpoolController()
    return _controller


def single_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` with BLAS limited to one thread."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _blas().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper
