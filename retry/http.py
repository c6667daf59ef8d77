"""``http_policy``: retrying httpx requests that failed for reasons that may pass.

Retried: transport errors and timeouts, and the statuses 429, 500, 502, 503 and 504,
whether they come back as an ``httpx.Response`` returned by the retried function or as an
``httpx.HTTPStatusError`` raised by it (``response.raise_for_status()``). Other 4xx and 5xx
statuses are never retried. The wait is the server's ``Retry-After`` (seconds or an HTTP
date) when it sends one, else exponential backoff with full jitter; never above
``HTTP_MAX_WAIT``.
"""

from __future__ import annotations

import sys
from typing import Any

from retry.policy import Policy
from retry.waits import wait_full_jitter, wait_retry_after

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
HTTP_MAX_WAIT = 60.0

# httpx is looked up rather than imported: an httpx object can only exist once httpx has
# been imported, and `import retry` stays cheap for code that never speaks HTTP.


def is_retryable_response(result: Any) -> bool:
    """True for an ``httpx.Response`` whose status is worth another try."""
    httpx = sys.modules.get("httpx")
    return (
        httpx is not None
        and isinstance(result, httpx.Response)
        and result.status_code in RETRYABLE_STATUSES
    )


def is_retryable_http_error(exc: BaseException) -> bool:
    """True for httpx transport errors and timeouts, and for ``HTTPStatusError`` with a
    retryable status. Errors that repeat identically (an unsupported URL scheme, a
    malformed request) are not retried."""
    httpx = sys.modules.get("httpx")
    if httpx is None:
        return False
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRYABLE_STATUSES
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return False
    return isinstance(exc, httpx.TransportError)


http_policy = Policy(
    max_tries=5,
    wait=wait_retry_after(
        fallback=wait_full_jitter(initial=1.0, maximum=HTTP_MAX_WAIT), max_wait=HTTP_MAX_WAIT
    ),
    retry_on=is_retryable_http_error,
    retry_on_result=is_retryable_response,
)
