"""The error raised when a policy gives up."""

from __future__ import annotations

from typing import Any

import tenacity


class GaveUp(tenacity.RetryError):
    """Every allowed attempt failed.

    Raised ``from`` the last exception, so tracebacks show it as the direct cause. When the
    last attempt returned a value that the policy retries on (an HTTP 503 response, say),
    ``last_result`` holds it and there is no cause. A subclass of ``tenacity.RetryError``.
    """

    def __init__(self, last_attempt: tenacity.Future, *, attempts: int, elapsed: float) -> None:
        super().__init__(last_attempt)
        self.attempts = attempts
        self.elapsed = elapsed

    @property
    def last_exception(self) -> BaseException | None:
        return self.last_attempt.exception()

    @property
    def last_result(self) -> Any:
        return None if self.last_attempt.failed else self.last_attempt.result()

    def __str__(self) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        exc = self.last_exception
        last = f"last error {exc!r}" if exc is not None else f"last result {self.last_result!r}"
        return f"gave up after {tries} in {self.elapsed:.3g} s; {last}"
