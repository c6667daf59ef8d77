"""What protects the site from its visitors and from other sites: security headers on every
response, a cap on request bodies, who a client is (for the rate limits, through trusted
proxies only), whether a request comes from this site, and the site's public URL.

- ``SecurityHeadersMiddleware``: a strict Content-Security-Policy and friends; wrapped
  around the whole application (``web.app``), so that error pages carry them too.
- ``BodyLimitMiddleware``: 413 for a body over the limit, by its Content-Length or, without
  one, as soon as the bytes received pass it.
- ``client_address(request, settings)``: the key of every per-client limit.
- ``same_site(request, settings)``: whether a browser request comes from the site's pages.
- ``site_url(request, settings)``: the base of absolute links.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """The request's body passed the limit (raised while the body is read)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit // 1024} KiB")
        self.limit = limit


class BodyLimitMiddleware:
    """At most ``max_bytes`` of request body (``larger`` names paths with a limit of their
    own): checked on Content-Length before the app runs, and on the bytes received while it
    reads them."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope["path"], self.default_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > max_bytes):
                await _too_large(send, max_bytes)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(send, max_bytes)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": f"the request body is larger than {limit // 1024} KiB", "status": 413}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None, networks: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def peer_address(request: Request, settings: Settings) -> str:
    """The address the request came from: the direct peer, or, when the peer is one of the
    trusted proxies of FORWARDED_ALLOW_IPS, the right-most X-Forwarded-For hop that is not
    (hops to its left are whatever the client chose to send)."""
    peer = request.client.host if request.client else ""
    networks = settings.forwarded_networks
    if not _trusted(_address(peer), networks):
        return peer or "unknown"
    hops = [
        hop.strip()
        for value in request.headers.getlist("x-forwarded-for")
        for hop in value.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(_address(hop), networks):
            return hop
    return hops[0] if hops else peer


def client_address(request: Request, settings: Settings) -> str:
    """The key of a client for the per-client limits: its IPv4 address, or the /64 of its
    IPv6 address (one subscriber's whole prefix, whose addresses it may rotate at will)."""
    found = peer_address(request, settings)
    address = _address(found)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address) if address is not None else found[:100]


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Whether ``host`` (without port) matches ALLOWED_HOSTS, as TrustedHostMiddleware reads it."""
    host = host.lower()
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def site_url(request: Request, settings: Settings) -> str:
    """The base of the site's absolute links, without a final slash: BASE_URL when set, else
    the request's own base when its host is allowed, else "" (links stay relative)."""
    if settings.BASE_URL:
        return settings.BASE_URL
    if host_allowed(request.url.hostname or "", settings.ALLOWED_HOSTS):
        return str(request.base_url).rstrip("/")
    return ""


def site_origin(request: Request, settings: Settings) -> str:
    """``scheme://host[:port]`` of the site, as browsers send it in Origin."""
    if settings.BASE_URL:
        parts = urlsplit(settings.BASE_URL)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def same_site(request: Request, settings: Settings, *, referer: bool = False) -> bool:
    """Whether a browser sent the request from one of the site's pages.

    ``Sec-Fetch-Site: same-origin`` says so; else Origin must be the site's origin (or, with
    ``referer``, the Referer's origin when there is no Origin). A request with neither
    header is refused: browsers send them, and other clients can add Origin.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("origin")
    if origin is None and referer:
        given = request.headers.get("referer")
        if given:
            parts = urlsplit(given)
            origin = f"{parts.scheme}://{parts.netloc}"
    return origin is not None and origin.lower() == site_origin(request, settings)
