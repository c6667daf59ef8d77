"""The loop form: retry a block of code in place, without moving it into a function.

    for attempt in Retry(5):
        with attempt:
            ...

Each ``for`` statement starts a fresh run. The block runs until it succeeds or the policy
gives up; there is no sleep after a success or after the last failure. On giving up the
loop raises ``GaveUp``, or, with ``raise_on_give_up=False``, simply ends and leaves the
outcome in ``attempt.allright``, ``attempt.attempts`` and ``attempt.exception``.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Unpack

import tenacity

from retry.engine import AsyncController, RunState, SyncController
from retry.options import RetryOptions, resolve
from retry.policy import Policy

_QUIET_END = object()


def _end_quietly(state: tenacity.RetryCallState) -> object:
    return _QUIET_END


class _Outcome:
    """What is known about a run so far; shared by the ``Retry`` and its attempts."""

    _state: RunState | None

    @property
    def allright(self) -> bool:
        """True iff the latest attempt finished without an exception and with an accepted
        result (``attempt.result``, when the policy retries on results)."""
        return self._state is not None and self._state.outcome is not None and self._state.accepted

    @property
    def attempts(self) -> int:
        """How many attempts have been started."""
        return 0 if self._state is None else self._state.attempt_number

    @property
    def exception(self) -> BaseException | None:
        """The exception of the latest attempt, or None if it did not raise."""
        if self._state is None or self._state.outcome is None:
            return None
        return self._state.outcome.exception()

    @property
    def slept(self) -> float:
        """Seconds spent sleeping between attempts."""
        return 0.0 if self._state is None else self._state.idle_for


class Attempt(_Outcome):
    """One attempt of a loop; ``with attempt:`` records how the block ended.

    An exception the policy retries on is recorded and swallowed; any other exception
    (and always KeyboardInterrupt, SystemExit, asyncio.CancelledError) propagates at
    once. Assign ``attempt.result`` inside the block to have it checked by the policy's
    ``retry_on_result``.
    """

    def __init__(self, state: RunState) -> None:
        self._state = state
        self.number = state.attempt_number
        self.result: Any = None

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        state = self._state
        assert state is not None
        if exc_type is None or exc is None:
            state.set_result(self.result)
            return False
        state.set_exception((exc_type, exc, tb))
        return state.policy.should_retry_exception(exc)

    def __repr__(self) -> str:
        return f"<Attempt {self.number} allright={self.allright}>"


def _check_entered(state: RunState) -> None:
    if state.outcome is None:
        raise RuntimeError("each attempt must run its block inside `with attempt:`")


class Retry(_Outcome):
    """Retry a block in synchronous code: ``for attempt in Retry(...): with attempt: ...``.

    Takes the arguments shared with ``@retry``: a ``Policy`` or a number of tries
    positionally, then ``policy=``, any ``Policy`` field (``max_tries=``, ``deadline=``,
    ``wait=``, ``retry_on=``, ``retry_on_result=``, ``before_sleep=``, ``on_give_up=``,
    ``stop=``) and ``sleep=``, ``clock=``, ``raise_on_give_up=``.
    """

    def __init__(
        self, policy_or_tries: Policy | int | None = None, /, **options: Unpack[RetryOptions]
    ) -> None:
        self.policy, self._runtime = resolve(policy_or_tries, dict(options))
        self._state = None

    def __iter__(self) -> Iterator[Attempt]:
        controller = SyncController(self.policy, self._runtime, _end_quietly)
        state = controller.start()
        self._state = state
        return self._attempts(controller, state)

    @staticmethod
    def _attempts(controller: SyncController, state: RunState) -> Iterator[Attempt]:
        while True:
            do = controller.iter(retry_state=state)
            if isinstance(do, tenacity.DoAttempt):
                yield Attempt(state)
                _check_entered(state)
            elif isinstance(do, tenacity.DoSleep):
                state.prepare_for_next_attempt()
                controller.sleep(do)
            else:
                return


class AsyncRetry(_Outcome):
    """Retry a block in async code: ``async for attempt in AsyncRetry(...): with attempt: ...``.

    Same arguments as ``Retry``; ``sleep=`` may be a coroutine function (the default is
    ``asyncio.sleep``) or a plain function. Cancelling the task while it sleeps between
    attempts cancels it at once.
    """

    def __init__(
        self, policy_or_tries: Policy | int | None = None, /, **options: Unpack[RetryOptions]
    ) -> None:
        self.policy, self._runtime = resolve(policy_or_tries, dict(options))
        self._state = None

    def __aiter__(self) -> _AsyncAttempts:
        controller = AsyncController(self.policy, self._runtime, _end_quietly)
        state = controller.start()
        self._state = state
        return _AsyncAttempts(controller, state)

    def __iter__(self) -> Iterator[Attempt]:
        raise TypeError("AsyncRetry is iterated with `async for`; use Retry in synchronous code")


class _AsyncAttempts:
    def __init__(self, controller: AsyncController, state: RunState) -> None:
        self._controller = controller
        self._state = state
        self._started = False

    def __aiter__(self) -> _AsyncAttempts:
        return self

    async def __anext__(self) -> Attempt:
        state = self._state
        if self._started:
            _check_entered(state)
        while True:
            do = await self._controller.iter(retry_state=state)
            if isinstance(do, tenacity.DoAttempt):
                self._started = True
                return Attempt(state)
            if isinstance(do, tenacity.DoSleep):
                state.prepare_for_next_attempt()
                await self._controller.pause(do)
            else:
                raise StopAsyncIteration
