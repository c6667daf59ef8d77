"""Polite HTTP to arXiv: ``ArxivClient``.

One ``httpx.AsyncClient`` per host (one connection, a User-Agent naming the project and its
contact address, timeouts on every request); every request passes the host's ``HostGate``
(one at a time, ``interval`` seconds apart); failures that may pass (transport errors,
timeouts, a truncated body, 429/500/502/503/504) are retried by ``retry.http_policy``,
waiting what ``Retry-After`` asks; bodies are streamed and refused past ``max_bytes``.
A response that arrives whole but holds a document cut short (HTTP 200, malformed XML) is
no transport error; ``document_policy`` says how often ``fetch_document`` asks again.

``get`` returns every other status to the caller, who knows what an error document of its
source looks like; 403 raises ``AccessDenied`` at once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity

from crawler.fetch.errors import AccessDenied, FetchError, ResponseTooLarge, TruncatedDocument
from crawler.fetch.gate import GATES, GateRegistry, HostGate, Sleep
from crawler.parse import DEFAULT_MAX_BYTES
from models.settings import Settings
from retry import (
    HTTP_MAX_WAIT,
    RETRYABLE_STATUSES,
    SYSTEM_CLOCK,
    AsyncRetry,
    Clock,
    GaveUp,
    Policy,
    http_policy,
    parse_retry_after,
    wait_full_jitter,
)

log = logging.getLogger("coolpapers.fetch")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
# A slow server can keep every read under the read timeout; this bounds one whole attempt.
ATTEMPT_DEADLINE = 300.0
# A document cut short is asked for again (every request of a crawl is idempotent): three
# tries in all, a few seconds apart, then the crawl stops with the reason.
DOCUMENT_POLICY = Policy(
    max_tries=3, wait=wait_full_jitter(initial=2.0, maximum=30.0), retry_on=TruncatedDocument
)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A complete response: its status, headers and whole (decoded) body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def host_of(url: str | httpx.URL) -> str:
    """The key of a host: scheme, name and port (``https://export.arxiv.org:443``)."""
    url = httpx.URL(url)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return f"{url.scheme}://{url.host}:{port}"


class ArxivClient:
    """Requests to arXiv's hosts, one host at a time and never in a hurry.

    ``clock`` and ``sleep`` drive both the retries and the gates: with a ``FakeClock`` a
    test waits for neither ``Retry-After`` nor the request interval. Unless ``gates`` is
    given, a client on the real clock uses the process-wide ``GATES`` (so concurrent crawls
    share one gate per host), and a client on another clock gets gates of its own.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        interval: float,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        attempt_deadline: float = ATTEMPT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        policy: Policy = http_policy,
        document_policy: Policy = DOCUMENT_POLICY,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Sleep | None = None,
        gates: GateRegistry | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.interval = interval
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.attempt_deadline = attempt_deadline
        self.max_bytes = max_bytes
        self.policy = policy
        self.document_policy = document_policy
        self.clock = clock
        self.sleep = sleep
        if gates is None:
            real_time = clock is SYSTEM_CLOCK and sleep is None
            gates = GATES if real_time else GateRegistry(clock=clock, sleep=sleep)
        self.gates = gates
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> ArxivClient:
        options.setdefault("user_agent", settings.user_agent)
        options.setdefault("interval", settings.MIN_REQUEST_INTERVAL)
        return cls(**options)

    async def __aenter__(self) -> ArxivClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.aclose()

    def _client(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = httpx.AsyncClient(
                headers={"User-Agent": self.user_agent},
                timeout=self.timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                follow_redirects=True,
                transport=self._transport,
            )
        return client

    async def get(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fetched:
        """GET ``url`` politely, retrying what may pass; raises ``FetchError`` when it won't."""
        request_url = httpx.URL(url, params=params)

        def tell(state: tenacity.RetryCallState) -> None:
            assert state.outcome is not None
            failure = _describe(state.outcome.exception())
            wait = state.upcoming_sleep
            log.warning(
                "GET %s: %s; retrying in %.1f s (attempt %d failed)",
                request_url,
                failure,
                wait,
                state.attempt_number,
            )

        policy = self.policy.add_hooks(before_sleep=tell)
        try:
            async for attempt in AsyncRetry(policy, sleep=self.sleep, clock=self.clock):
                with attempt:
                    return await self._get_once(request_url, headers)
        except GaveUp as exc:
            failure = _describe(exc.last_exception)
            raise FetchError(
                f"GET {request_url}: {failure} (gave up after {exc.attempts} attempts)"
            ) from exc
        except httpx.HTTPError as exc:  # not worth retrying: a bad URL, a protocol misuse
            raise FetchError(f"GET {request_url}: {_describe(exc)}") from exc
        raise AssertionError("unreachable: a retry run either returns or raises")

    async def _get_once(self, url: httpx.URL, headers: dict[str, str] | None) -> Fetched:
        host = host_of(url)
        gate = self.gates.gate(host, self.interval)
        client = self._client(host)
        async with gate.slot():
            try:
                async with asyncio.timeout(self.attempt_deadline):
                    return await self._stream(client, url, headers, gate)
            except TimeoutError:
                raise httpx.ReadTimeout(
                    f"no complete response within {self.attempt_deadline:g} s"
                ) from None

    async def _stream(
        self,
        client: httpx.AsyncClient,
        url: httpx.URL,
        headers: dict[str, str] | None,
        gate: HostGate,
    ) -> Fetched:
        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in RETRYABLE_STATUSES:
                wanted = response.headers.get("Retry-After")
                seconds = parse_retry_after(wanted, self.clock.time()) if wanted else None
                if seconds:
                    gate.defer(min(seconds, HTTP_MAX_WAIT))
                raise httpx.HTTPStatusError(
                    f"HTTP {status}", request=response.request, response=response
                )
            if status == 403:
                raise AccessDenied(
                    f"GET {url}: arXiv refused access (HTTP 403); stop crawling and check the "
                    "User-Agent, the contact address and the request rate"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise ResponseTooLarge(
                    f"GET {url}: the response is {int(declared):,} bytes, over the limit of "
                    f"{self.max_bytes:,}"
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(
                        f"GET {url}: the response is over the limit of {self.max_bytes:,} bytes"
                    )
                chunks.append(chunk)
            return Fetched(str(response.url), status, response.headers, b"".join(chunks))


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no error"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
