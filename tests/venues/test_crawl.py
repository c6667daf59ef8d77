"""Crawling venues from their publishers against a local fake with faults: OpenReview v2 and
v1 (paged, resumable), CVF open access, the ACL Anthology over HTTP; the command and the
weekly job."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cli.crawl import venue_bases
from cli.main import cli
from cli.operations import VENUES_JOB, all_jobs, venues_job
from crawler.fetch.errors import FetchError, SourceError
from models.schema import CrawlRun, CrawlStatus, Paper, PaperAuthor, VenuePaper
from retry import FakeClock
from schedule import JobContext
from schedule.setup import calendar_of
from tests.crawler.conftest import client_for
from tests.fakearxiv.server import Reset, Status
from tests.venues.fakevenues import FakeVenues
from venues.crawl import RUN_SOURCE, SourceBases, anthology_collection, crawl_venue, source_for
from venues.cvf import paper_path, parse_abstract, parse_listing
from venues.openreview import parse_notes, track_of, venue_group
from venues.records import VenueError


@pytest.fixture
def venues():
    with FakeVenues() as server:
        yield server


def bases(server: FakeVenues) -> SourceBases:
    return SourceBases(
        openreview=server.url + "/v2",
        openreview_v1=server.url + "/v1",
        cvf=server.url + "/cvf",
        acl=server.url + "/acl",
        pmlr=server.url + "/pmlr",
        pmlr_index=server.url + "/pmlr-index",
    )


async def rows(sessions, venue: str) -> dict[str, tuple[Paper, VenuePaper]]:
    async with sessions() as session:
        found = await session.execute(
            select(Paper, VenuePaper)
            .join(VenuePaper, VenuePaper.paper_id == Paper.id)
            .where(VenuePaper.venue == venue)
            .options(selectinload(Paper.authors).joinedload(PaperAuthor.author))
        )
        return {p.id: (p, v) for p, v in found.all()}


def test_sources_and_names_by_venue():
    assert source_for("ICLR.2024") == "openreview"
    assert source_for("cvpr.2023") == "cvf"
    assert source_for("EMNLP.2023") == "acl"
    assert source_for("COLT.2024") == "pmlr"
    assert venue_group("ICLR.2024") == "ICLR.cc/2024/Conference"
    assert venue_group("COLM.2024") == "colmweb.org/COLM/2024/Conference"
    assert anthology_collection("ACL.2024") == "2024.acl"
    assert anthology_collection("ACL.2017") == "P17"
    with pytest.raises(VenueError, match=r"expected NAME\.YEAR"):
        source_for("ICLR-2024")


async def test_openreview_v2_pages_through_faults(sessions, venues):
    clock = FakeClock()
    venues.inject(Status(503, retry_after=7), path="/v2/notes", times=2)
    venues.inject(Reset(), path="/v2/notes", params={"offset": "2"})
    async with client_for(clock) as client:
        result = await crawl_venue(sessions, client, "iclr.2024", bases=bases(venues), page_size=2)
    assert (result.venue, result.api, result.papers, result.pages) == ("ICLR.2024", "v2", 3, 2)
    assert result.counts.new == 3
    assert sum(clock.sleeps) >= 14  # the two Retry-After waits, on the fake clock
    offsets = [r.param("offset") for r in venues.seen("/v2/notes") if r.fault is None]
    assert offsets == ["0", "2"]
    assert all(r.param("limit") == "2" for r in venues.seen("/v2/notes"))
    stored = await rows(sessions, "ICLR.2024")
    oral, oral_venue = stored["openreview:hSyW5go0v8"]
    assert oral.title == "Sparse Attention with Learned Routing for Long Documents"
    assert [a.author.name for a in oral.authors] == ["Mira Okafor", "Tomas Lindqvist", "Wen Zhao"]
    assert "$O(n^2)$" in oral.abstract
    assert oral.published.date() == dt.date(2024, 1, 18)  # pdate, in milliseconds
    assert oral_venue.decision == "oral"
    assert oral_venue.keywords == ["sparse attention", "long context", "routing"]
    assert oral_venue.tldr.startswith("A router picks")
    assert oral_venue.pdf_url == "https://openreview.net/pdf?id=hSyW5go0v8"
    assert oral_venue.landing_url == "https://openreview.net/forum?id=hSyW5go0v8"
    assert oral_venue.code_links == ["https://github.com/example-lab/routed-attention"]
    assert oral_venue.position == 4821
    decisions = {pid: v.decision for pid, (_, v) in stored.items()}
    assert sorted(decisions.values()) == ["oral", "poster", "spotlight"]
    assert {v.track for _, v in stored.values()} == {None}  # the main conference
    assert stored["openreview:Qx7Lm2Pd9A"][1].tldr is None
    async with sessions() as session:
        run = await session.get(CrawlRun, result.run_id)
    assert (run.source, run.status, run.checkpoint) == (RUN_SOURCE, CrawlStatus.SUCCEEDED, "")
    assert run.parameters == {"venue": "ICLR.2024", "source": "openreview"}


def test_openreview_tracks_come_from_the_venue_or_its_group():
    from tests.venues.fakevenues import FIXTURES

    data = (FIXTURES / "openreview" / "neurips2023.datasets.v2.json").read_bytes()
    page = parse_notes(data, "NeurIPS.2023", api="v2")
    tracks = [(p.key, p.track, p.decision) for p in page.papers]
    assert tracks == [
        ("Bm3Kd8Qw2R", "Datasets and Benchmarks", "poster"),
        ("Tf6Wc1Zn7H", "Datasets and Benchmarks", "oral"),
    ]
    said = "NeurIPS 2024 Datasets and Benchmarks Track Poster"
    assert track_of(said) == "Datasets and Benchmarks"
    assert track_of("ICLR 2024 oral", "ICLR.cc/2024/Conference") is None
    assert track_of("ICLR 2023 notable top 5%") is None
    assert track_of(None, "NeurIPS.cc/2023/Track/Datasets_and_Benchmarks/Rejected") == (
        "Datasets and Benchmarks"
    )


async def test_a_recrawl_rewrites_only_what_changed(sessions, venues):
    clock = FakeClock()
    async with client_for(clock) as client:
        await crawl_venue(sessions, client, "ICLR.2024", bases=bases(venues))
        venues.v2_notes["ICLR.cc/2024/Conference"][2]["content"]["venue"]["value"] = (
            "ICLR 2024 spotlight"
        )
        again = await crawl_venue(sessions, client, "ICLR.2024", bases=bases(venues))
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 1, 2)
    assert (await rows(sessions, "ICLR.2024"))["openreview:Zr4Ne8Kt1B"][1].decision == "spotlight"


async def test_older_venues_come_from_api_v1_without_the_rejected(sessions, venues):
    async with client_for(FakeClock()) as client:
        result = await crawl_venue(sessions, client, "ICLR.2021", bases=bases(venues))
    assert (result.api, result.papers) == ("v1", 1)
    [v1] = venues.seen("/v1/notes")
    assert v1.param("invitation") == "ICLR.cc/2021/Conference/-/Blind_Submission"
    stored = await rows(sessions, "ICLR.2021")
    assert list(stored) == ["openreview:YicbFdNTTy"]
    paper, venue = stored["openreview:YicbFdNTTy"]
    assert venue.decision == "poster"
    assert venue.tldr == "Rewire the graph where its curvature is most negative."
    assert [a.author.name for a in paper.authors] == ["Jonas Weber", "Priya Raman"]


async def test_an_interrupted_crawl_resumes_at_its_page(sessions, venues):
    clock = FakeClock()
    venues.inject(Status(500), path="/v2/notes", params={"offset": "2"}, times=None)
    async with client_for(clock) as client:
        with pytest.raises(FetchError, match="HTTP 500"):
            await crawl_venue(sessions, client, "ICLR.2024", bases=bases(venues), page_size=2)
        async with sessions() as session:
            [run] = (await session.scalars(select(CrawlRun))).all()
        assert (run.status, run.checkpoint, run.n_new) == (CrawlStatus.FAILED, "v2:2", 2)
        assert len(await rows(sessions, "ICLR.2024")) == 2
        venues.clear_faults()
        before = len(venues.seen())
        result = await crawl_venue(
            sessions, client, "ICLR.2024", bases=bases(venues), page_size=2, resume=True
        )
    assert result.resumed and result.run_id == run.id
    assert [r.param("offset") for r in venues.seen()[before:]] == ["2"]
    assert result.counts.new == 3
    assert len(await rows(sessions, "ICLR.2024")) == 3


async def test_a_page_that_is_not_json_stores_nothing_of_it(sessions, venues):
    from tests.fakearxiv.server import Serve

    venues.inject(Serve(b"<html>maintenance</html>"), path="/v2/notes")
    async with client_for(FakeClock()) as client:
        with pytest.raises(SourceError, match="not JSON"):
            await crawl_venue(sessions, client, "ICLR.2024", bases=bases(venues))
    assert await rows(sessions, "ICLR.2024") == {}


def test_the_cvf_listing_is_read_field_by_field():
    from tests.venues.fakevenues import FIXTURES

    parsed = parse_listing((FIXTURES / "cvf" / "CVPR2024.html").read_bytes(), "CVPR.2024")
    first, second = parsed.papers
    assert first.id == "cvf:Arnaud_Depth_From_Defocus_in_the_Wild_CVPR_2024_paper"
    assert first.title == "Depth From Defocus in the Wild"
    assert [a.name for a in first.authors] == ["Claire Arnaud", "Dae-Hyun Kim"]
    assert first.pages == "10231-10241"
    assert first.pdf_url == (
        "https://openaccess.thecvf.com/content/CVPR2024/papers/"
        "Arnaud_Depth_From_Defocus_in_the_Wild_CVPR_2024_paper.pdf"
    )
    assert first.landing_url.endswith("/content/CVPR2024/html/" + first.key + ".html")
    assert first.extra["arxiv"] == "2312.04567"
    assert first.extra["extras"][0]["label"] == "supp"
    assert "arxiv" not in second.extra and second.position == 2
    assert parsed.skipped == 1 and "paper 3 has no title link" in parsed.problems[0]
    with pytest.raises(VenueError, match="lists no paper"):
        parse_listing(b"<html><body>Site maintenance</body></html>", "CVPR.2024")


async def test_cvf_crawl_links_arxiv_through_a_bad_gateway(sessions, venues):
    venues.inject(Status(502), path="/cvf/CVPR2024")
    async with client_for(FakeClock()) as client:
        result = await crawl_venue(sessions, client, "CVPR.2024", bases=bases(venues))
        with pytest.raises(SourceError, match="not found"):
            await crawl_venue(sessions, client, "ICCV.2023", bases=bases(venues))
        with pytest.raises(VenueError, match="CVPR, ICCV, WACV only"):
            await crawl_venue(sessions, client, "ICLR.2024", source="cvf", bases=bases(venues))
    assert (result.source, result.papers, result.counts.failed) == ("cvf", 2, 1)
    [request, *_] = venues.seen("/cvf/CVPR2024")
    assert request.param("day") == "all"
    stored = await rows(sessions, "CVPR.2024")
    venue = stored["cvf:Arnaud_Depth_From_Defocus_in_the_Wild_CVPR_2024_paper"][1]
    assert venue.arxiv_id == "2312.04567"


async def test_cvf_abstracts_come_from_each_papers_page(sessions, venues):
    first = "Arnaud_Depth_From_Defocus_in_the_Wild_CVPR_2024_paper"
    second = "Moreau_Relighting_Faces_With_Few_Photos_CVPR_2024_paper"
    venues.inject(Status(503), path=f"/cvf/content/CVPR2024/html/{first}.html", times=1)
    clock = FakeClock()
    async with client_for(clock) as client:
        result = await crawl_venue(sessions, client, "CVPR.2024", bases=bases(venues))
    assert (result.papers, result.abstracts_missing, result.counts.failed) == (2, 1, 1)
    pages = [r.path for r in venues.seen("/cvf/content/")]
    assert pages == [
        f"/cvf/content/CVPR2024/html/{first}.html",  # the 503
        f"/cvf/content/CVPR2024/html/{first}.html",
        f"/cvf/content/CVPR2024/html/{second}.html",  # not found
    ]
    [missing] = [p for p in result.problems if "without abstract" in p]
    assert second in missing and "not found" in missing
    stored = await rows(sessions, "CVPR.2024")
    assert stored[f"cvf:{first}"][0].abstract == (
        "Depth from defocus recovers scene depth from the blur of a focal stack. We estimate "
        "it from two photos taken with a hand-held camera, without calibration, and reach 12% "
        "lower error than prior work."
    )
    assert stored[f"cvf:{second}"][0].abstract == ""
    async with sessions() as session:
        run = await session.get(CrawlRun, result.run_id)
    assert any(second in problem for problem in run.gaps["problems"])


def test_a_cvf_page_without_abstract_is_refused():
    assert paper_path("WACV.2024", "K_x") == "/content/WACV2024/html/K_x.html"
    with pytest.raises(VenueError, match="no abstract"):
        parse_abstract(b"<html><body><div id='papertitle'>T</div></body></html>", "K_x")
    with pytest.raises(VenueError, match="no abstract"):
        parse_abstract(b"<html><body><div id='abstract'>  </div></body></html>", "K_x")


async def test_acl_collection_over_http(sessions, venues):
    async with client_for(FakeClock()) as client:
        result = await crawl_venue(sessions, client, "ACL.2024", bases=bases(venues))
    [request] = venues.seen("/acl/")
    assert request.path == "/acl/2024.acl.xml"
    assert result.source == "acl" and result.papers == 30
    stored = await rows(sessions, "ACL.2024")
    assert "acl:2024.acl-long.2" in stored


async def test_pmlr_volume_over_http(sessions, venues):
    venues.inject(Status(503), path="/pmlr/v247/gh-pages/_posts/2024-06-30-alon24a.md")
    async with client_for(FakeClock()) as client:
        result = await crawl_venue(sessions, client, "COLT.2024", bases=bases(venues))
    assert (result.source, result.papers) == ("pmlr", 20)  # every post, open problems too
    stored = await rows(sessions, "COLT.2024")
    paper, venue = stored["pmlr:v247/alon24a"]
    assert venue.landing_url == "https://proceedings.mlr.press/v247/alon24a.html"
    assert paper.authors


def test_the_command_crawls_and_refuses_bad_names(settings, venues, monkeypatch):
    for name, value in {
        "OPENREVIEW_API_BASE": venues.url + "/v2",
        "OPENREVIEW_API_V1_BASE": venues.url + "/v1",
        "MIN_REQUEST_INTERVAL": "0",
        "CONTACT_EMAIL": "dev@coolpapers.invalid",
    }.items():
        monkeypatch.setenv(f"COOLPAPERS_{name}", value)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    done = runner.invoke(cli, ["crawl", "venue", "ICLR.2024"])
    assert done.exit_code == 0, done.output
    assert "venue ICLR.2024 from openreview API v2: 3 papers in 1 pages (3 new" in done.output
    bad = runner.invoke(cli, ["crawl", "venue", "ICLR2024"])
    assert bad.exit_code == 2 and "expected NAME.YEAR" in bad.output
    missing = runner.invoke(cli, ["crawl", "venue", "COLT.1999"])
    assert missing.exit_code != 0 and "--volume" in missing.output


async def test_the_weekly_job_recrawls_the_venues(settings, sessions, venues):
    assert VENUES_JOB not in [job.name for job in all_jobs(settings)]
    weekly = settings.model_copy(
        update={
            "VENUES": ["ICLR.2024", "CVPR.2024", "ICCV.2023"],
            "OPENREVIEW_API_BASE": venues.url + "/v2",
            "CVF_BASE": venues.url + "/cvf",
        }
    )
    [job] = [job for job in all_jobs(weekly) if job.name == VENUES_JOB]
    assert job.trigger.describe().startswith("0 4 * * 6")
    assert venue_bases(weekly).cvf == venues.url + "/cvf"
    clock = FakeClock()
    now = dt.datetime(2026, 4, 18, 8, tzinfo=dt.UTC)
    context = JobContext(VENUES_JOB, sessions, calendar_of(weekly), now, now)
    options = {"clock": clock, "sleep": clock.asleep, "interval": 0.0}
    result = await venues_job(weekly, client_options=options).run(context)
    assert result.outcome == "succeeded", result.detail
    assert "ICLR.2024 3 (3 new, 0 updated)" in result.detail
    assert "CVPR.2024 2 (2 new, 0 updated)" in result.detail
    assert "ICCV.2023: CVF ICCV.2023: not found" in result.detail
