"""What protects the site: the cap on request bodies, the allowed hosts and the canonical
URL, the page cache's key, security headers on error pages, and who a client is."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from cli.serve import proxy_options
from models.settings import Settings
from web.app import create_app
from web.security import client_address, site_url

TOKEN = "an-admin-token-that-is-long-enough-1234"
SITE = "http://testserver"


def admin_app(settings: Settings, **changes):
    return create_app(settings.model_copy(update={"ADMIN_TOKEN": SecretStr(TOKEN), **changes}))


def test_a_body_over_the_limit_is_413_by_its_length(settings) -> None:
    with TestClient(admin_app(settings, MAX_BODY_KB=4)) as client:
        response = client.post(
            "/admin/login",
            content=b"token=" + b"x" * 5000,
            headers={"Origin": SITE, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413
        assert "larger than 4 KiB" in response.json()["error"]
        assert response.headers["x-frame-options"] == "DENY"
        small = client.post("/admin/login", data={"token": "guess"}, headers={"Origin": SITE})
        assert small.status_code == 401


def test_a_body_over_the_limit_is_413_while_it_streams(settings) -> None:
    def chunks():
        yield b"token="
        for _ in range(10):
            yield b"x" * 1024

    with TestClient(admin_app(settings, MAX_BODY_KB=4)) as client:
        response = client.post(
            "/admin/login",
            content=chunks(),
            headers={"Origin": SITE, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413


def test_the_default_body_limit_is_small() -> None:
    assert Settings.model_fields["MAX_BODY_KB"].default == 64


def test_security_headers_are_on_a_500_page(settings) -> None:
    app = create_app(settings)

    async def boom(request: Request):
        raise RuntimeError("a bug")

    app.router.routes.insert(0, Route("/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hosts_outside_allowed_hosts_are_refused(settings) -> None:
    app = create_app(settings.model_copy(update={"ALLOWED_HOSTS": ["papers.example.org"]}))
    with TestClient(app, base_url="http://papers.example.org") as client:
        assert client.get("/").status_code == 200
        refused = client.get("/", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert refused.headers["x-frame-options"] == "DENY"


def test_feed_and_api_links_use_base_url_not_the_host_header(filled_settings) -> None:
    app = create_app(filled_settings.model_copy(update={"BASE_URL": "https://papers.example.org"}))
    with TestClient(app) as client:
        headers = {"Host": "evil.example"}
        feed = client.get("/arxiv/cs.AI/feed", headers=headers).text
        assert "https://papers.example.org/arxiv/cs.AI/feed" in feed
        assert "evil.example" not in feed
        search = client.get("/arxiv/search/feed?query=transformer", headers=headers).text
        assert "https://papers.example.org/arxiv/search/feed?query=transformer" in search
        assert "evil.example" not in search
        api = client.get("/api/openapi.json", headers=headers).json()
        assert api["servers"] == [{"url": "https://papers.example.org"}]


def test_the_page_cache_does_not_vary_by_host(client) -> None:
    first = client.get("/arxiv/cs.AI", headers={"Host": "one.example"})
    second = client.get("/arxiv/cs.AI", headers={"Host": "two.example"})
    assert first.text == second.text
    cache = client.app.state.page_cache
    assert (cache.hits, cache.misses) == (1, 1)
    assert len(cache._entries) == 1


def request_from(peer: str, forwarded: list[str] = ()) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": headers,
            "client": (peer, 1234),
            "query_string": b"",
        }
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("192.0.2.1", [], "192.0.2.1"),
        ("192.0.2.1", ["198.51.100.1"], "192.0.2.1"),  # not a trusted proxy
        ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["203.0.113.9, 198.51.100.1"], "198.51.100.1"),  # right-most
        ("127.0.0.1", ["203.0.113.9", "198.51.100.1, 10.0.0.2"], "198.51.100.1"),
        ("127.0.0.1", ["198.51.100.1, 127.0.0.1"], "198.51.100.1"),  # trusted hops skipped
        ("127.0.0.1", [], "127.0.0.1"),
        ("2001:db8:1:2:3:4:5:6", [], "2001:db8:1:2::/64"),
        ("127.0.0.1", ["2001:db8:1:2::7"], "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", [], "192.0.2.1"),
    ],
)
def test_client_address(peer, forwarded, expected) -> None:
    settings = Settings(FORWARDED_ALLOW_IPS="127.0.0.1,10.0.0.0/8")
    assert client_address(request_from(peer, forwarded), settings) == expected


def test_forwarded_allow_ips_are_checked_and_given_to_uvicorn() -> None:
    with pytest.raises(ValueError, match="not an IP address or network"):
        Settings(FORWARDED_ALLOW_IPS="127.0.0.1,proxy.local")
    settings = Settings(FORWARDED_ALLOW_IPS="10.0.0.0/8, 192.0.2.7")
    assert proxy_options(settings) == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.0/8,192.0.2.7",
    }
    assert proxy_options(Settings())["forwarded_allow_ips"] == "127.0.0.1"


def test_site_url_is_base_url_or_an_allowed_host() -> None:
    def request(host: str) -> Request:
        return Request(
            {
                "type": "http",
                "method": "GET",
                "path": "/x",
                "query_string": b"",
                "headers": [(b"host", host.encode())],
                "scheme": "https",
                "server": ("127.0.0.1", 443),
            }
        )

    assert site_url(request("a.example"), Settings()) == "https://a.example"
    only = Settings(ALLOWED_HOSTS="*.example.org")
    assert site_url(request("papers.example.org"), only) == "https://papers.example.org"
    assert site_url(request("evil.example"), only) == ""
    fixed = Settings(BASE_URL="https://papers.example.org/")
    assert site_url(request("evil.example"), fixed) == "https://papers.example.org"
    with pytest.raises(ValueError, match="BASE_URL"):
        Settings(BASE_URL="papers.example.org")
