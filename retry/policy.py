"""The ``Policy``: when to stop, how long to wait, what to retry, whom to tell.

A policy is a frozen value built from small strategy objects that tenacity understands
(a wait is any ``callable(RetryCallState) -> float``, a stop any
``callable(RetryCallState) -> bool``), so tenacity's own strategies and ours mix freely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import tenacity

Wait: TypeAlias = Callable[[tenacity.RetryCallState], float]
Stop: TypeAlias = Callable[[tenacity.RetryCallState], bool]
# A hook gets the tenacity call state; in async code it may also return an awaitable.
Hook: TypeAlias = Callable[[tenacity.RetryCallState], object]
ExceptionFilter: TypeAlias = (
    type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool]
)
ResultFilter: TypeAlias = Callable[[Any], bool]


def is_retryable_kind(exc: BaseException) -> bool:
    """Only ``Exception`` subclasses are ever retried.

    KeyboardInterrupt, SystemExit, GeneratorExit and asyncio.CancelledError derive from
    BaseException alone: they always propagate at once, whatever a policy says.
    """
    return isinstance(exc, Exception)


def _as_predicate(retry_on: ExceptionFilter) -> Callable[[BaseException], bool]:
    if isinstance(retry_on, tuple) or (
        isinstance(retry_on, type) and issubclass(retry_on, BaseException)
    ):
        types = retry_on
        return lambda exc: isinstance(exc, types)
    if callable(retry_on):
        # Exception classes were handled above, but mypy does not narrow them away after
        # ``issubclass``: what is left is the predicate.
        return cast(Callable[[BaseException], bool], retry_on)
    raise TypeError(f"retry_on must be exception types or a predicate, not {retry_on!r}")


def _as_hooks(hooks: Hook | Sequence[Hook] | None) -> tuple[Hook, ...]:
    if hooks is None:
        return ()
    if callable(hooks):
        return (hooks,)
    return tuple(hooks)


def _as_wait(wait: Wait | float) -> Wait:
    if isinstance(wait, int | float):
        if wait < 0:
            raise ValueError("a wait cannot be negative")
        return tenacity.wait_fixed(wait)
    return wait


@dataclass(frozen=True, slots=True)
class Policy:
    """How one retried operation behaves. The defaults are the classic "five tries, 2 s apart".

    - ``max_tries``: at most this many attempts (``None``: no limit on the count).
    - ``deadline``: seconds from the first attempt; no sleep is started that would end at or
      past it (``None``: no deadline). A running attempt is never interrupted.
    - ``stop``: any further tenacity stop strategy; the run stops when any stop says so.
    - ``wait``: a tenacity wait strategy, or a number of seconds for a fixed wait.
    - ``retry_on``: exception types, or a predicate over the exception, to retry on.
      Exceptions outside it propagate at once.
    - ``retry_on_result``: a predicate over a returned value; ``True`` means "try again".
    - ``before_sleep``: hooks called in order before each sleep (the call state carries the
      attempt number, the failed outcome and ``upcoming_sleep``).
    - ``on_give_up``: hooks called in order when the policy gives up, before the error.
    """

    max_tries: int | None = 5
    deadline: float | None = None
    wait: Wait = dataclasses.field(default_factory=lambda: tenacity.wait_fixed(2.0))
    retry_on: ExceptionFilter = Exception
    retry_on_result: ResultFilter | None = None
    before_sleep: tuple[Hook, ...] = ()
    on_give_up: tuple[Hook, ...] = ()
    stop: Stop | None = None

    def __post_init__(self) -> None:
        if self.max_tries is not None and self.max_tries < 1:
            raise ValueError(f"max_tries must be at least 1, not {self.max_tries}")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError(f"deadline must be positive, not {self.deadline}")
        _as_predicate(self.retry_on)  # fail early on a malformed filter
        object.__setattr__(self, "wait", _as_wait(self.wait))
        object.__setattr__(self, "before_sleep", _as_hooks(self.before_sleep))
        object.__setattr__(self, "on_give_up", _as_hooks(self.on_give_up))

    def replace(self, **changes: Any) -> Policy:
        """A copy with some fields changed, e.g. ``http_policy.replace(max_tries=3)``."""
        return dataclasses.replace(self, **changes)

    def add_hooks(
        self,
        *,
        before_sleep: Hook | Sequence[Hook] = (),
        on_give_up: Hook | Sequence[Hook] = (),
    ) -> Policy:
        """A copy with hooks appended after the ones already there."""
        return dataclasses.replace(
            self,
            before_sleep=self.before_sleep + _as_hooks(before_sleep),
            on_give_up=self.on_give_up + _as_hooks(on_give_up),
        )

    def should_retry_exception(self, exc: BaseException) -> bool:
        return is_retryable_kind(exc) and bool(_as_predicate(self.retry_on)(exc))

    def should_retry_result(self, result: Any) -> bool:
        return self.retry_on_result is not None and bool(self.retry_on_result(result))

    def stop_strategy(self) -> Stop:
        """The tenacity stop strategy of this policy."""
        stops: list[Stop] = []
        if self.max_tries is not None:
            stops.append(tenacity.stop_after_attempt(self.max_tries))
        if self.deadline is not None:
            stops.append(tenacity.stop_before_delay(self.deadline))
        if self.stop is not None:
            stops.append(self.stop)
        if not stops:
            return tenacity.stop_never
        if len(stops) == 1:
            return stops[0]
        # tenacity annotates stop_any's stops as ``stop_base`` yet only calls them, like
        # every other stop it takes (``StopBaseT`` includes plain callables).
        return tenacity.stop_any(*cast(list[tenacity.stop.stop_base], stops))

    def retry_condition(self) -> tenacity.retry_base:
        """The tenacity retry condition of this policy."""
        return _PolicyCondition(self)


class _PolicyCondition(tenacity.retry_base):
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        outcome = retry_state.outcome
        if outcome is None:
            raise RuntimeError("a retry condition was asked before any attempt finished")
        exc = outcome.exception()
        if exc is not None:
            return self.policy.should_retry_exception(exc)
        return self.policy.should_retry_result(outcome.result())
