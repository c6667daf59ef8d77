"""Retrying of coolpapers: one policy, two ways to apply it, built on tenacity.

This package owns how the application tries again: the ``Policy`` (when to stop, how long
to wait, which exceptions and results to retry, which hooks to call), the named policies
``http_policy``, ``sqlite_policy`` and ``database_policy``, and the two forms that run a
policy, in sync and async code alike. It imports nothing else of coolpapers.

The decorator, when the risky code already is (or fits well as) a function::

    @retry(http_policy)
    async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
        return await client.get(url)          # a 503 response is retried too

The loop, when the code belongs where it is and its local variables are needed after::

    for attempt in Retry(5, raise_on_give_up=False):
        with attempt:
            rows = load_rows()
    if attempt.allright:
        use(rows)
    else:
        log.warning("no rows after %d attempts: %r", attempt.attempts, attempt.exception)

(``async for attempt in AsyncRetry(...)`` in async code.) Both forms take the same
arguments: a ``Policy`` or a number of tries, then ``max_tries=``, ``deadline=``, ``wait=``,
``retry_on=``, ``retry_on_result=``, ``before_sleep=``, ``on_give_up=``, ``stop=``,
``sleep=``, ``clock=`` and ``raise_on_give_up=``. Giving up raises ``GaveUp`` from the last
exception unless ``raise_on_give_up=False``. No sleep follows a success or the last
failure; KeyboardInterrupt, SystemExit and cancellation are never retried.
"""

from tenacity import (
    stop_after_attempt,
    stop_after_delay,
    stop_before_delay,
    wait_exponential,
    wait_fixed,
    wait_none,
)

from retry.clock import SYSTEM_CLOCK, Clock, FakeClock, SleepingClock, SystemClock, VirtualClock
from retry.database import database_policy, is_transient_database_error
from retry.decorator import retry
from retry.errors import GaveUp
from retry.http import (
    HTTP_MAX_WAIT,
    RETRYABLE_STATUSES,
    http_policy,
    is_retryable_http_error,
    is_retryable_response,
)
from retry.loop import AsyncRetry, Attempt, Retry
from retry.options import RetryOptions
from retry.policy import Hook, Policy
from retry.sqlite import is_sqlite_locked, sqlite_policy
from retry.waits import parse_retry_after, retry_after_seconds, wait_full_jitter, wait_retry_after

__all__ = [
    "HTTP_MAX_WAIT",
    "RETRYABLE_STATUSES",
    "SYSTEM_CLOCK",
    "AsyncRetry",
    "Attempt",
    "Clock",
    "FakeClock",
    "GaveUp",
    "Hook",
    "Policy",
    "Retry",
    "RetryOptions",
    "SleepingClock",
    "SystemClock",
    "VirtualClock",
    "database_policy",
    "http_policy",
    "is_retryable_http_error",
    "is_retryable_response",
    "is_sqlite_locked",
    "is_transient_database_error",
    "parse_retry_after",
    "retry",
    "retry_after_seconds",
    "sqlite_policy",
    "stop_after_attempt",
    "stop_after_delay",
    "stop_before_delay",
    "wait_exponential",
    "wait_fixed",
    "wait_full_jitter",
    "wait_none",
    "wait_retry_after",
]
