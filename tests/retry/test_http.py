"""``http_policy`` against real httpx responses, errors, and a small server on 127.0.0.1."""

import subprocess
import sys
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from retry import (
    HTTP_MAX_WAIT,
    AsyncRetry,
    FakeClock,
    GaveUp,
    Retry,
    http_policy,
    is_retryable_http_error,
    is_retryable_response,
    retry,
    wait_fixed,
    wait_retry_after,
)

REQUEST = httpx.Request("GET", "https://export.arxiv.org/api/query")


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


def http_date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def serve(responses):
    """A function returning the given responses (or raising the given errors) in turn."""
    calls = []

    def call():
        item = responses[len(calls)]
        calls.append(item)
        if isinstance(item, BaseException):
            raise item
        return item

    return call, calls


def test_returned_responses_honour_retry_after_seconds_and_dates():
    clock = FakeClock()
    fn, calls = serve(
        [
            response(503, **{"Retry-After": "2"}),
            response(429, **{"Retry-After": http_date(clock.time() + 2 + 10)}),
            response(200),
        ]
    )
    result = retry(http_policy, sleep=clock.sleep, clock=clock)(fn)()
    assert result.status_code == 200
    assert len(calls) == 3
    assert clock.sleeps == [2.0, 10.0]


def test_retry_after_is_capped_by_the_policy_maximum():
    clock = FakeClock()
    fn, _ = serve([response(503, **{"Retry-After": "3600"}), response(200)])
    retry(http_policy, sleep=clock.sleep, clock=clock)(fn)()
    assert clock.sleeps == [HTTP_MAX_WAIT]
    fn, _ = serve([response(503, **{"Retry-After": "3600"}), response(200)])
    tighter = http_policy.replace(wait=wait_retry_after(fallback=wait_fixed(1), max_wait=10))
    retry(tighter, sleep=clock.sleep, clock=clock)(fn)()
    assert clock.sleeps == [HTTP_MAX_WAIT, 10.0]


@pytest.mark.parametrize("status", [200, 204, 301, 400, 401, 403, 404, 409, 422, 501, 505])
def test_other_statuses_are_not_retried(status):
    clock = FakeClock()
    fn, calls = serve([response(status, **{"Retry-After": "1"}), response(200)])
    assert retry(http_policy, sleep=clock.sleep)(fn)().status_code == status
    assert len(calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status):
    assert is_retryable_response(response(status))
    err = httpx.HTTPStatusError("x", request=REQUEST, response=response(status))
    assert is_retryable_http_error(err)


def test_status_errors_from_raise_for_status_are_retried_with_retry_after():
    clock = FakeClock()
    fn, calls = serve([response(502, **{"Retry-After": "5"}), response(200)])

    @retry(http_policy, sleep=clock.sleep, clock=clock)
    def get():
        return fn().raise_for_status()

    assert get().status_code == 200
    assert len(calls) == 2
    assert clock.sleeps == [5.0]


def test_a_404_status_error_propagates_at_once():
    clock = FakeClock()
    fn, calls = serve([response(404), response(200)])
    with pytest.raises(httpx.HTTPStatusError):
        for attempt in Retry(http_policy, sleep=clock.sleep):
            with attempt:
                fn().raise_for_status()
    assert len(calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (httpx.ConnectError("refused", request=REQUEST), True),
        (httpx.ReadTimeout("slow", request=REQUEST), True),
        (httpx.ConnectTimeout("slow", request=REQUEST), True),
        (httpx.RemoteProtocolError("peer closed", request=REQUEST), True),
        (httpx.UnsupportedProtocol("ftp://", request=REQUEST), False),
        (httpx.LocalProtocolError("bad header", request=REQUEST), False),
        (ValueError("not http"), False),
    ],
)
def test_transport_errors_and_timeouts(error, retried):
    assert is_retryable_http_error(error) is retried
    clock = FakeClock()
    fn, calls = serve([error, response(200)])
    if retried:
        assert retry(http_policy, sleep=clock.sleep)(fn)().status_code == 200
        assert len(calls) == 2
        # no Retry-After: full jitter from a 1 s window
        assert len(clock.sleeps) == 1 and 0.0 <= clock.sleeps[0] <= 1.0
    else:
        with pytest.raises(type(error)):
            retry(http_policy, sleep=clock.sleep)(fn)()
        assert len(calls) == 1


def test_fallback_jitter_windows_double():
    clock = FakeClock()
    fn, calls = serve([response(500)] * 5)
    with pytest.raises(GaveUp):
        retry(http_policy, sleep=clock.sleep)(fn)()
    assert len(calls) == 5
    assert len(clock.sleeps) == 4
    assert all(0.0 <= s <= 2.0**i for i, s in enumerate(clock.sleeps))


def test_giving_up_on_responses_keeps_the_last_response():
    clock = FakeClock()
    fn, _ = serve([response(503, **{"Retry-After": "1"})] * 5)
    with pytest.raises(GaveUp) as info:
        retry(http_policy, sleep=clock.sleep)(fn)()
    assert info.value.last_result.status_code == 503
    assert info.value.attempts == 5
    assert clock.sleeps == [1.0] * 4
    fn, _ = serve([response(503, **{"Retry-After": "1"})] * 5)
    quiet = retry(http_policy, sleep=clock.sleep, raise_on_give_up=False)(fn)
    assert quiet().status_code == 503


async def test_async_client_with_mock_transport():
    clock = FakeClock()
    statuses = iter([503, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(statuses), headers={"Retry-After": "3"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:

        @retry(http_policy, sleep=clock.asleep, clock=clock)
        async def fetch():
            return await client.get("https://arxiv.org/list/cs.CL/new")

        assert (await fetch()).status_code == 200
    assert clock.sleeps == [3.0, 3.0]


class _Handler(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        if type(self).hits == 1:
            self.send_response(503)
            self.send_header("Retry-After", "1")
            body = b"busy"
        else:
            self.send_response(200)
            body = b"ok"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def busy_server():
    handler = type("Handler", (_Handler,), {"hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_real_server_sync_loop(busy_server):
    url, handler = busy_server
    clock = FakeClock()
    with httpx.Client(timeout=5) as client:
        for attempt in Retry(http_policy, sleep=clock.sleep, clock=clock):
            with attempt:
                resp = client.get(url).raise_for_status()
    assert resp.text == "ok"
    assert attempt.attempts == 2
    assert handler.hits == 2
    assert clock.sleeps == [1.0]


async def test_real_server_async_loop_with_results(busy_server):
    url, handler = busy_server
    clock = FakeClock()
    async with httpx.AsyncClient(timeout=5) as client:
        async for attempt in AsyncRetry(http_policy, sleep=clock.asleep, clock=clock):
            with attempt:
                attempt.result = await client.get(url)
    assert attempt.allright
    assert attempt.result.status_code == 200
    assert handler.hits == 2
    assert clock.sleeps == [1.0]


def test_importing_retry_imports_neither_httpx_nor_sqlalchemy():
    code = "import sys, retry; print('httpx' in sys.modules, 'sqlalchemy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split() == ["False", "False"]
