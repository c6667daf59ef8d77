"""The decorator form: ``@retry(...)`` on a plain or an ``async`` function."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, Unpack, cast, overload

import tenacity

from retry.engine import AsyncController, SyncController
from retry.options import RetryOptions, resolve
from retry.policy import Policy

F = TypeVar("F", bound=Callable[..., Any])


def _last_outcome(state: tenacity.RetryCallState) -> Any:
    assert state.outcome is not None
    return state.outcome.result()


@overload
def retry(fn: F, /) -> F: ...
@overload
def retry(
    policy_or_tries: Policy | int | None = None, /, **options: Unpack[RetryOptions]
) -> Callable[[F], F]: ...
def retry(policy_or_tries: Any = None, /, **options: Any) -> Any:
    """Retry a function (plain or ``async``) according to a policy.

    ``@retry``, ``@retry(5)``, ``@retry(http_policy)``, ``@retry(max_tries=3, wait=0.5)``.
    Takes the same arguments as ``Retry``. On giving up it raises ``GaveUp`` from the last
    exception; with ``raise_on_give_up=False`` it instead returns the last result, or
    re-raises the last exception itself when the last attempt raised.
    """
    if callable(policy_or_tries) and not isinstance(policy_or_tries, Policy):
        if options:
            raise TypeError("use @retry(...) with options, or a bare @retry")
        return retry()(policy_or_tries)
    policy, runtime = resolve(policy_or_tries, options)

    # The wrappers take fn's signature (functools.wraps) and carry the policy as ``.policy``;
    # mypy sees them as ``_Wrapped`` objects without that attribute, and cannot tell that
    # they are the F they stand for, hence the casts and ignores below.
    def decorate(fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                return await AsyncController(policy, runtime, _last_outcome)(fn, *args, **kwargs)

            run_async.policy = policy  # type: ignore[attr-defined]  # a function's attribute
            return cast(F, run_async)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            return SyncController(policy, runtime, _last_outcome)(fn, *args, **kwargs)

        run.policy = policy  # type: ignore[attr-defined]  # a function's attribute
        return cast(F, run)

    return decorate
