"""The cached list pages over HTTP: validators, 304s, and what the first response carries."""

from __future__ import annotations

from web.cache import matches_etag


def test_the_first_response_of_a_list_already_comes_from_the_cache(client):
    first = client.get("/arxiv/cs.AI", headers={"accept-encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["etag"].startswith('"')
    assert int(first.headers["content-length"]) < len(first.content)  # sent compressed
    again = client.get("/arxiv/cs.AI", headers={"accept-encoding": "gzip"})
    assert again.headers["etag"] == first.headers["etag"]
    assert again.text == first.text


def test_a_client_holding_the_page_gets_a_304_without_the_body(client):
    plain = client.get("/arxiv/cs.AI", headers={"accept-encoding": "identity"})
    tag = plain.headers["etag"]
    cached = client.get(
        "/arxiv/cs.AI", headers={"accept-encoding": "identity", "if-none-match": tag}
    )
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == tag
    assert "accept-encoding" in cached.headers["vary"]
    assert "content-encoding" not in cached.headers
    assert "content-security-policy" in cached.headers  # the site's headers still apply


def test_each_encoding_has_its_own_etag(client):
    plain = client.get("/arxiv/cs.AI", headers={"accept-encoding": "identity"})
    gzipped = client.get("/arxiv/cs.AI", headers={"accept-encoding": "gzip"})
    assert plain.headers["etag"] != gzipped.headers["etag"]
    other = client.get(
        "/arxiv/cs.AI", headers={"accept-encoding": "gzip", "if-none-match": plain.headers["etag"]}
    )
    assert other.status_code == 200 and other.text == plain.text


def test_another_page_or_language_is_not_taken_for_the_held_one(client):
    tag = client.get("/arxiv/cs.AI").headers["etag"]
    assert client.get("/arxiv/cs.CL", headers={"if-none-match": tag}).status_code == 200
    chinese = client.get("/arxiv/cs.AI", headers={"if-none-match": tag, "accept-language": "zh"})
    assert chinese.status_code == 200
    assert chinese.headers["etag"] != tag


def test_if_none_match_is_compared_weakly_and_accepts_lists_and_star():
    assert matches_etag('"abc"', b'"abc"')
    assert matches_etag('W/"abc"', b'"abc"')
    assert matches_etag('"x", "abc"', b'"abc"')
    assert matches_etag("*", b'"abc"')
    assert not matches_etag('"abcd"', b'"abc"')
    assert not matches_etag("", b'"abc"')


def test_a_feed_is_cached_like_a_page_until_the_data_changes(client, filled_settings):
    import asyncio

    from crawler.ingest import ingest
    from models.db import create_engine, session_factory
    from tests.web.data import DAY3, paper

    first = client.get("/arxiv/cs.AI/feed", headers={"accept-encoding": "identity"})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/atom+xml")
    tag = first.headers["etag"]
    held = client.get(
        "/arxiv/cs.AI/feed", headers={"accept-encoding": "identity", "if-none-match": tag}
    )
    assert held.status_code == 304 and held.content == b""
    gzipped = client.get("/arxiv/cs.AI/feed", headers={"accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip" and gzipped.text == first.text
    cache = client.app.state.page_cache
    assert cache.misses == 1 and cache.hits == 2

    async def add() -> None:
        engine = create_engine(settings=filled_settings)
        async with session_factory(engine).begin() as session:
            await ingest(session, [paper("2411.10099", "A late arrival", ("cs.AI",), DAY3)])
        await engine.dispose()

    asyncio.run(add())
    cache._checked_at = float("-inf")  # as if check_interval had passed
    fresh = client.get("/arxiv/cs.AI/feed", headers={"accept-encoding": "identity"})
    assert "A late arrival" in fresh.text and fresh.headers["etag"] != tag


def test_feeds_differ_by_query_and_bad_ones_are_not_kept(client):
    whole = client.get("/arxiv/cs.AI/feed").text
    kept = client.get("/arxiv/cs.AI/feed?include=nothingmatchesthis").text
    assert kept != whole
    assert client.get("/arxiv/cs.AI/feed?date=yesterday-ish").status_code == 400
    assert client.get("/arxiv/cs.AI/feed?date=yesterday-ish").status_code == 400


def test_the_list_api_is_cached_like_the_list_page(client):
    first = client.get("/api/list/cs.AI", headers={"accept-encoding": "identity"})
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    held = client.get(
        "/api/list/cs.AI",
        headers={"accept-encoding": "identity", "if-none-match": first.headers["etag"]},
    )
    assert held.status_code == 304
    again = client.get("/api/list/cs.AI", headers={"accept-encoding": "gzip"})
    assert again.json() == first.json() and again.headers["content-encoding"] == "gzip"
    assert client.get("/api/list/cs.AI?date=never").status_code == 400


def test_the_home_page_is_kept_until_the_data_moves(client) -> None:
    first = client.get("/")
    assert first.status_code == 200 and first.headers.get("etag")
    again = client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    other = client.get("/?lang=zh")
    assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"]
