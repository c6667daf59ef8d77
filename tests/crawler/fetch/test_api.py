"""Crawling the search API from a local fake of export.arxiv.org: paging, its error entry,
empty pages before the end, both response formats, and look-ups by id."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from crawler.fetch import (
    BadDocument,
    CrawlError,
    FetchError,
    SourceError,
    TruncatedDocument,
    crawl_papers,
    crawl_query,
)
from crawler.fetch.api import fetch_papers
from retry import FakeClock
from tests.crawler.conftest import client_for
from tests.fakearxiv import (
    XML_BOMB,
    CutShort,
    FakeArxiv,
    Render,
    Reply,
    Reset,
    Serve,
    Stall,
    Status,
    Truncate,
    api_entries,
    fixture,
)
from tests.fakearxiv.state import count, crawl_runs, database_state, open_database


async def search(sessions, arxiv, clock, query="testing", **options):
    options.setdefault("page_size", 25)
    async with client_for(clock) as client:
        return await crawl_query(sessions, client, query, api_base=arxiv.url + "/api", **options)


async def lookup(sessions, arxiv, clock, ids):
    async with client_for(clock) as client:
        return await crawl_papers(sessions, client, ids, api_base=arxiv.url + "/api")


def starts(arxiv) -> list[int]:
    return [int(r.param("start")) for r in arxiv.seen("/api/query")]


async def test_a_search_pages_through_every_result(sessions, arxiv, clock, database_path):
    result = await search(sessions, arxiv, clock)
    assert starts(arxiv) == [0, 25, 50, 75]
    assert (result.total_results, result.papers, result.counts.new) == (100, 100, 100)
    assert count(database_path, "papers") == 100
    request = arxiv.seen()[0]
    assert (request.param("search_query"), request.param("max_results")) == ("testing", "25")
    assert request.param("sortBy") == "submittedDate"
    [run] = crawl_runs(database_path)
    assert (run["source"], run["status"], run["n_new"], run["checkpoint"]) == (
        "api",
        "succeeded",
        100,
        "100",
    )


async def test_max_stops_early_and_asks_only_for_what_it_needs(sessions, arxiv, clock):
    result = await search(sessions, arxiv, clock, max_results=60)
    assert starts(arxiv) == [0, 25, 50]
    assert [r.param("max_results") for r in arxiv.seen()] == ["25", "25", "10"]
    assert result.papers == 60


async def test_overlapping_pages_keep_each_paper_once(sessions, arxiv, clock, database_path):
    entries = arxiv.default_results
    arxiv.search_results["overlap"] = entries[:30] + entries[20:50]  # 10 repeated
    result = await search(sessions, arxiv, clock, query="overlap")
    assert result.papers == 50
    assert (result.counts.new, result.counts.unchanged) == (50, 0)
    assert count(database_path, "papers") == 50


async def test_an_empty_page_before_the_end_is_asked_again(sessions, arxiv, clock, database_path):
    arxiv.inject(Render(arxiv.empty_api_page), path="/api/query", params={"start": "50"}, times=2)
    result = await search(sessions, arxiv, clock)
    assert starts(arxiv) == [0, 25, 50, 50, 50, 75]
    assert result.papers == 100
    assert clock.sleeps == [3.0, 3.0]
    assert count(database_path, "papers") == 100


async def test_an_empty_page_that_stays_empty_stops_with_a_clear_error(
    sessions, arxiv, clock, database_path
):
    arxiv.inject(
        Render(arxiv.empty_api_page), path="/api/query", params={"start": "50"}, times=None
    )
    with pytest.raises(CrawlError, match="empty page at start=50 although it counts 100"):
        await search(sessions, arxiv, clock)
    assert count(database_path, "papers") == 50  # the pages before it are stored
    run = crawl_runs(database_path)[0]
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("failed", 50, "50")
    arxiv.clear_faults()
    await search(sessions, arxiv, clock)
    assert count(database_path, "papers") == 100


async def test_the_error_entry_is_reported_not_retried(sessions, arxiv, clock, database_path):
    arxiv.api_replies[("bad", 0)] = Reply(400, fixture("atom-api/id_abc_s0_m100_b79c8dcf6bc3.xml"))
    with pytest.raises(SourceError, match=r"arXiv API error .*: incorrect id format for abc"):
        await search(sessions, arxiv, clock, query="bad")
    assert len(arxiv.seen()) == 1
    assert crawl_runs(database_path)[0]["status"] == "failed"


async def test_the_legacy_response_format_is_read(sessions, arxiv, clock, database_path):
    arxiv.api_replies[("cat:cs.RO AND (neural)", 0)] = Reply(
        200, fixture("atom-api/xiv_arxiv_response.xml")
    )
    result = await search(sessions, arxiv, clock, query="cat:cs.RO AND (neural)", max_results=2)
    assert (result.total_results, result.papers) == (5619, 2)
    assert [p[0] for p in database_state(database_path)["papers"]] == ["2510.14827", "2510.14968"]


async def test_papers_by_id_in_any_style(sessions, arxiv, clock, database_path):
    result = await lookup(
        sessions,
        arxiv,
        clock,
        [
            "quant-ph/0201082v1",
            "arXiv:1605.08386",
            "https://arxiv.org/abs/2104.12255v1",
            "0808.05394",
            "1605.08386",
        ],
    )
    [request] = arxiv.seen()
    assert request.param("id_list") == "quant-ph/0201082v1,1605.08386,2104.12255v1,0808.05394"
    assert result.missing == ["0808.05394"]
    assert (result.papers, result.counts.new, result.counts.failed) == (3, 3, 1)
    run = crawl_runs(database_path)[0]
    assert (run["status"], run["n_failed"]) == ("succeeded", 1)
    assert '"missing"' in run["gaps"]


async def test_ids_go_in_batches_of_at_most_one_hundred(arxiv, clock):
    ids = list(arxiv.api_corpus)
    ids += [f"2301.{n:05d}" for n in range(150 - len(ids))]
    async with client_for(clock) as client:
        records, missing = await fetch_papers(client, ids, api_base=arxiv.url + "/api")
    sizes = [len(r.param("id_list").split(",")) for r in arxiv.seen()]
    assert sizes == [100, 50]
    assert len(records) + len(missing) == 150


async def test_a_version_that_is_not_served_is_missing(arxiv, clock):
    async with client_for(clock) as client:
        records, missing = await fetch_papers(
            client, ["quant-ph/0201082v2"], api_base=arxiv.url + "/api"
        )
    assert (records, missing) == ([], ["quant-ph/0201082v2"])


FAULTS = [Status(503, retry_after=5), Status(429), Reset(), Truncate(0.5), Stall(2.0)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, migrated_template):
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    shutil.copy(migrated_template, path)

    async def fill() -> None:
        with FakeArxiv() as arxiv:
            async with open_database(path) as sessions:
                await search(sessions, arxiv, FakeClock())

    asyncio.run(fill())
    return database_state(path)


@pytest.mark.parametrize("fault", FAULTS, ids=repr)
async def test_faults_on_a_middle_page_lose_and_repeat_nothing(
    sessions, arxiv, clock, database_path, reference, fault
):
    arxiv.inject(fault, path="/api/query", params={"start": "50"}, times=2)
    await search(sessions, arxiv, clock)
    assert database_state(database_path) == reference


@pytest.mark.parametrize("fault", FAULTS, ids=repr)
async def test_a_lasting_fault_stops_and_a_new_crawl_completes(
    sessions, arxiv, clock, database_path, reference, fault
):
    arxiv.inject(fault, path="/api/query", params={"start": "50"}, times=None)
    with pytest.raises(FetchError, match="start=50"):
        await search(sessions, arxiv, clock)
    arxiv.clear_faults()
    await search(sessions, arxiv, clock)
    assert database_state(database_path) == reference


def test_the_corpus_of_the_fake_has_every_recorded_entry(arxiv):
    assert len(api_entries(fixture("atom-api/q_testing_s0_m100_cfe7536492ca.xml"))) == 100
    assert {"quant-ph/0201082", "1605.08386", "2104.12255"} <= set(arxiv.api_corpus)


async def test_an_xml_bomb_on_a_page_stops_the_search_and_a_new_one_completes(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(Serve(XML_BOMB), path="/api/query", params={"start": "25"})
    with pytest.raises(BadDocument, match="entity declarations are not accepted"):
        await search(sessions, arxiv, clock)
    assert count(database_path, "papers") == 25
    await search(sessions, arxiv, clock)
    assert database_state(database_path) == reference


async def test_a_page_cut_short_once_is_asked_again(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(CutShort(0.5), path="/api/query", params={"start": "50"})
    result = await search(sessions, arxiv, clock)
    assert starts(arxiv) == [0, 25, 50, 50, 75]
    assert (result.papers, result.counts.new) == (100, 100)
    assert database_state(database_path) == reference


async def test_a_page_always_cut_short_stops_with_the_reason_after_three_tries(
    sessions, arxiv, clock, database_path, reference
):
    arxiv.inject(CutShort(0.5), path="/api/query", params={"start": "50"}, times=None)
    with pytest.raises(TruncatedDocument, match=r"start=50.*malformed XML.*asked 3 times"):
        await search(sessions, arxiv, clock)
    assert starts(arxiv) == [0, 25, 50, 50, 50]
    assert count(database_path, "papers") == 50
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"], run["checkpoint"]) == ("failed", 50, "50")
    arxiv.clear_faults()
    await search(sessions, arxiv, clock)
    assert database_state(database_path) == reference


async def test_a_lookup_cut_short_once_is_asked_again(arxiv, clock):
    arxiv.inject(CutShort(0.5), path="/api/query")
    async with client_for(clock) as client:
        records, missing = await fetch_papers(
            client, ["quant-ph/0201082", "1605.08386"], api_base=arxiv.url + "/api"
        )
    assert {r.arxiv_id for r in records} == {"quant-ph/0201082", "1605.08386"}
    assert missing == []
    assert len(arxiv.seen("/api/query")) == 2
