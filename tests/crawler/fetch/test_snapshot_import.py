"""Importing arXiv's metadata snapshot (JSON lines): streamed, committed in batches as it
goes, a bad line named by its number, progress by bytes of the file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.imports import ImportFailed, import_files, prefetch
from tests.fakearxiv import fixture
from tests.fakearxiv.state import count, crawl_runs

BATCH = 1000  # papers per transaction in these tests (imports use IMPORT_BATCH)
LINES = [json.loads(line) for line in fixture("snapshot/arxiv-metadata-sample.jsonl").splitlines()]


def snapshot(path: Path, n: int, *, bad_line: int | None = None, odd_line: int | None = None):
    """``n`` snapshot lines made from the recorded ones, each with an id of its own."""
    with path.open("w") as handle:
        for i in range(n):
            if i + 1 == bad_line:
                handle.write('{"id": "2301.99999", "title": \n')  # cut short
                continue
            obj = dict(LINES[i % len(LINES)], id=f"2301.{i:05d}")
            if i + 1 == odd_line:
                obj["id"] = "not-an-id"
            handle.write(json.dumps(obj) + "\n")
    return path


class Recorded:
    def __init__(self):
        self.started, self.done, self.closed = None, 0, False

    def start(self, description, total=None, unit="papers"):
        self.started = (description, total, unit)

    def advance(self, done, *, total=None, note=None):
        self.done += done

    def close(self):
        self.closed = True


async def test_a_snapshot_streams_in_batches(sessions, database_path, tmp_path):
    path = snapshot(tmp_path / "arxiv-metadata.json", 2 * BATCH + 500)
    progress = Recorded()
    batches: list[int] = []
    result = await import_files(
        sessions, [path], progress=progress, batch_papers=BATCH, committed=batches.append
    )
    assert batches == [BATCH, BATCH, 500]
    assert result.files[0].kind == "snapshot"
    assert result.counts.new == 2 * BATCH + 500 == count(database_path, "papers")
    assert progress.started == ("import arxiv-metadata.json", path.stat().st_size, "bytes")
    assert progress.done == path.stat().st_size and progress.closed
    again = await import_files(sessions, [path], progress=Recorded())
    assert (again.counts.new, again.counts.unchanged) == (0, 2 * BATCH + 500)


async def test_a_gzipped_snapshot_imports_the_same(sessions, database_path, tmp_path):
    plain = snapshot(tmp_path / "s.json", 1200)
    packed = tmp_path / "s.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    progress = Recorded()
    result = await import_files(sessions, [packed], progress=progress)
    assert result.counts.new == 1200
    assert progress.done == packed.stat().st_size


async def test_a_bad_line_stops_the_import_keeping_the_batches_before_it(
    sessions, database_path, tmp_path
):
    path = snapshot(tmp_path / "s.json", 2 * BATCH, bad_line=BATCH + 7)
    with pytest.raises(ImportFailed, match=rf"s\.json: snapshot line {BATCH + 7}: "):
        await import_files(sessions, [path], progress=Recorded(), batch_papers=BATCH)
    assert count(database_path, "papers") == BATCH
    [run] = crawl_runs(database_path)
    assert (run["status"], run["n_new"]) == ("failed", BATCH)


async def test_an_unusable_record_is_skipped_and_counted(sessions, database_path, tmp_path):
    path = snapshot(tmp_path / "s.json", 30, odd_line=4)
    result = await import_files(sessions, [path], progress=Recorded())
    assert (result.counts.new, result.counts.failed) == (29, 1)
    [run] = crawl_runs(database_path)
    assert run["n_failed"] == 1 and "snapshot line 4" in run["gaps"]


async def test_prefetch_yields_every_item_in_order_and_stops_early_cleanly():
    produced = []

    def items():
        for i in range(5):
            produced.append(i)
            yield i

    assert [i async for i in prefetch(items())] == [0, 1, 2, 3, 4]
    produced.clear()
    async for i in prefetch(items()):
        if i == 1:
            break
    assert produced[:2] == [0, 1] and len(produced) <= 3


async def test_a_snapshot_between_response_files_ends_their_transaction(sessions, tmp_path):
    """XML files, a snapshot, an XML file: the files before the snapshot share a
    transaction, the snapshot streams in its own batches, the file after it is written on
    its own; every file is listed in order with its own counts."""
    from crawler.imports import read_file
    from crawler.parse import parse_document
    from crawler.sample import sample_files

    first, second, *_, last = sample_files()
    path = snapshot(tmp_path / "arxiv-metadata.json", BATCH + 10)
    sizes = [len(parse_document(read_file(p)).papers) for p in (first, second, last)]
    commits: list[int] = []
    files = [first, second, path, last]
    result = await import_files(
        sessions, files, batch_papers=BATCH, progress=Recorded(), committed=commits.append
    )
    assert commits == [sizes[0] + sizes[1], BATCH, 10, sizes[2]]
    assert [f.path for f in result.files] == files
    assert [f.kind for f in result.files][2] == "snapshot"
    assert [f.counts.papers for f in result.files] == [sizes[0], sizes[1], BATCH + 10, sizes[2]]


async def test_an_import_that_fails_amid_a_transaction_leaves_no_parsing_thread(
    sessions, monkeypatch
):
    """A write that fails for good (not a transient error) fails the import: nothing of the
    transaction is kept, the run is marked failed, and the thread that parsed ahead is done."""
    import threading

    import crawler.imports
    from crawler.sample import sample_files

    real_ingest = crawler.imports.ingest
    calls: list[int] = []

    async def ingest(session, papers, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return await real_ingest(session, papers, **kwargs)

    monkeypatch.setattr(crawler.imports, "ingest", ingest)
    with pytest.raises(RuntimeError, match="the disk is full"):
        await import_files(sessions, sample_files(), batch_papers=10_000)
    assert not [t for t in threading.enumerate() if t.name.startswith("prefetch")]
    async with sessions() as session:
        statuses = (await session.execute(text("select status from crawl_runs"))).scalars()
        assert list(statuses) == ["failed"]
        assert (await session.execute(text("select count(*) from papers"))).scalar() == 0
