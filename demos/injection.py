"""`inject`: a demo function with its dependencies bound, showing only its query parameters.

demos imports nothing of coolpapers; a demo that runs one of its objects (the retry loop, the
tokenizer) takes it as a keyword-only argument, and the composing layer binds it here. Unlike
`functools.partial`, the bound function's signature and type hints leave the bound names out,
so that it reads exactly like the demos that need nothing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")


def inject(function: Callable[..., R], **dependencies: object) -> Callable[..., R]:
    """`function` called with `dependencies` (names of its keyword-only parameters) added."""
    signature = inspect.signature(function)
    keyword_only = {
        name for name, p in signature.parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(dependencies) - keyword_only)
    if unknown:
        raise TypeError(f"{function.__name__} has no keyword-only parameter {unknown[0]!r}")

    @functools.wraps(function)
    def bound(*args: object, **kwargs: object) -> R:
        return function(*args, **kwargs, **dependencies)

    kept = [p for name, p in signature.parameters.items() if name not in dependencies]
    # inspect.signature reads __signature__ from any callable; typeshed does not declare it.
    bound.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    annotations = getattr(function, "__annotations__", {})
    bound.__annotations__ = {k: v for k, v in annotations.items() if k not in dependencies}
    return bound
