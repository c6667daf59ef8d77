"""tenacity's retry machinery with an injected clock and sleep.

``SyncController``/``AsyncController`` are ``tenacity.Retrying``/``AsyncRetrying`` whose call
state reads time from a ``Clock`` (so tenacity's delay-based stops run on a fake clock in
tests), and whose give-up step runs the policy's hooks and raises ``GaveUp``.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import tenacity

from retry.clock import SYSTEM_CLOCK, Clock
from retry.errors import GaveUp
from retry.policy import Hook, Policy, is_retryable_kind

Sleep = Callable[[float], object]
GiveUpQuietly = Callable[[tenacity.RetryCallState], Any]


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a run needs beyond its policy: how to sleep, what time it is, how to end."""

    sleep: Sleep | None = None
    clock: Clock = SYSTEM_CLOCK
    raise_on_give_up: bool = True


class RunState(tenacity.RetryCallState):
    """A tenacity call state timed by ``clock`` that also knows its policy."""

    def __init__(
        self,
        retry_object: tenacity.BaseRetrying,
        *,
        clock: Clock,
        policy: Policy,
        fn: Callable[..., Any] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(retry_object, fn, args, kwargs or {})
        self.clock = clock
        self.policy = policy
        self.start_time = clock.monotonic()
        # True once an attempt finished with a result the policy accepts.
        self.accepted = False

    def set_result(self, val: Any) -> None:
        super().set_result(val)
        self.outcome_timestamp = self.clock.monotonic()
        self.accepted = not self.policy.should_retry_result(val)

    def set_exception(self, exc_info: Any) -> None:
        super().set_exception(exc_info)
        self.outcome_timestamp = self.clock.monotonic()
        self.accepted = False

    @property
    def elapsed(self) -> float:
        return self.clock.monotonic() - self.start_time


def _gave_up(state: tenacity.RetryCallState) -> GaveUp:
    assert state.outcome is not None
    elapsed = state.elapsed if isinstance(state, RunState) else state.seconds_since_start or 0.0
    return GaveUp(state.outcome, attempts=state.attempt_number, elapsed=elapsed)


def _run_hooks(hooks: tuple[Hook, ...], state: tenacity.RetryCallState) -> None:
    for hook in hooks:
        result = hook(state)
        if inspect.isawaitable(result):
            _discard(result)
            raise TypeError(f"hook {hook!r} is async; use it with AsyncRetry or an async def")


async def _arun_hooks(hooks: tuple[Hook, ...], state: tenacity.RetryCallState) -> None:
    for hook in hooks:
        result = hook(state)
        if inspect.isawaitable(result):
            await result


def _discard(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _sync_sleep(sleep: Sleep) -> Callable[[float], None]:
    def run(seconds: float) -> None:
        result = sleep(float(seconds))
        if inspect.isawaitable(result):
            _discard(result)
            raise TypeError(f"sleep {sleep!r} is async; synchronous retries need a plain sleep")

    return run


def _async_sleep(sleep: Sleep | None) -> Callable[[float], Awaitable[None]]:
    async def run(seconds: float) -> None:
        if sleep is None:
            import asyncio

            await asyncio.sleep(float(seconds))
            return
        result = sleep(float(seconds))
        if inspect.isawaitable(result):
            await result

    return run


def _controller_kwargs(policy: Policy) -> dict[str, Any]:
    return {
        "stop": policy.stop_strategy(),
        "wait": policy.wait,
        "retry": policy.retry_condition(),
        "reraise": False,
        "retry_error_cls": GaveUp,
    }


class _Runs(tenacity.BaseRetrying):
    """What both controllers share: a run starts on the controller's policy and clock.

    Abstract (tenacity's ``__call__`` is left to ``Retrying``/``AsyncRetrying``, which come
    after this class in each controller's bases)."""

    policy: Policy
    clock: Clock

    def start(
        self,
        fn: Callable[..., Any] | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> RunState:
        self.begin()
        return RunState(self, clock=self.clock, policy=self.policy, fn=fn, args=args, kwargs=kwargs)


class SyncController(_Runs, tenacity.Retrying):
    def __init__(self, policy: Policy, runtime: Runtime, give_up_quietly: GiveUpQuietly) -> None:
        def before_sleep(state: tenacity.RetryCallState) -> None:
            _run_hooks(policy.before_sleep, state)

        def give_up(state: tenacity.RetryCallState) -> Any:
            _run_hooks(policy.on_give_up, state)
            if runtime.raise_on_give_up:
                assert state.outcome is not None
                raise _gave_up(state) from state.outcome.exception()
            return give_up_quietly(state)

        super().__init__(
            sleep=_sync_sleep(runtime.sleep or time.sleep),
            before_sleep=before_sleep,
            retry_error_callback=give_up,
            **_controller_kwargs(policy),
        )
        self.policy = policy
        self.clock = runtime.clock

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        state = self.start(fn, args, kwargs)
        while True:
            do = self.iter(retry_state=state)
            if isinstance(do, tenacity.DoAttempt):
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    if not is_retryable_kind(exc):
                        raise
                    state.set_exception(sys.exc_info())
                else:
                    state.set_result(result)
            elif isinstance(do, tenacity.DoSleep):
                state.prepare_for_next_attempt()
                self.sleep(do)
            else:
                return do


class AsyncController(_Runs, tenacity.AsyncRetrying):
    def __init__(self, policy: Policy, runtime: Runtime, give_up_quietly: GiveUpQuietly) -> None:
        async def before_sleep(state: tenacity.RetryCallState) -> None:
            await _arun_hooks(policy.before_sleep, state)

        async def give_up(state: tenacity.RetryCallState) -> Any:
            await _arun_hooks(policy.on_give_up, state)
            if runtime.raise_on_give_up:
                assert state.outcome is not None
                raise _gave_up(state) from state.outcome.exception()
            return give_up_quietly(state)

        pause = _async_sleep(runtime.sleep)
        super().__init__(
            sleep=pause,
            before_sleep=before_sleep,
            retry_error_callback=give_up,
            **_controller_kwargs(policy),
        )
        self.policy = policy
        self.clock = runtime.clock
        self._pause = pause

    async def pause(self, seconds: float) -> None:
        """Sleep between two attempts: ``self.sleep``, which tenacity types as a plain
        function although ``AsyncRetrying`` awaits it."""
        await self._pause(seconds)

    # Narrower than tenacity's ``__call__`` (any callable, its result awaited only when it is
    # a coroutine function): this controller runs coroutine functions only.
    async def __call__(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        state = self.start(fn, args, kwargs)
        while True:
            do = await self.iter(retry_state=state)
            if isinstance(do, tenacity.DoAttempt):
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as exc:
                    if not is_retryable_kind(exc):
                        raise
                    state.set_exception(sys.exc_info())
                else:
                    state.set_result(result)
            elif isinstance(do, tenacity.DoSleep):
                state.prepare_for_next_attempt()
                await self.pause(do)
            else:
                return do
