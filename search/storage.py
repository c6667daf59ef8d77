"""Writing the index on SQLite: papers' rows, segments of posting lists, and their merging.

Every write happens in the caller's transaction: the papers of one write form one new
segment (their docids, new and never reused, follow each other), so a paper is searchable
once the transaction commits, and a crash leaves the index as it was. A paper that changes
leaves its old docid behind (logged in ``search_deleted``); merging neighbouring segments
drops the papers gone. After each write, the newest segments are merged in tiers of
``MERGE_FACTOR`` similar sizes, up to ``AUTO_MERGE_LIMIT`` papers; ``merge_all`` merges
everything into one segment.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crawler.ingest import alongside, copy_records
from search import _kernel
from search.dialect import IDS, ids_parameter, to_postgresql, to_postgresql_many
from search.documents import fetch_plain
from search.schema import (
    DELETED_TABLE,
    DOCS_TABLE,
    POSTINGS_TABLE,
    SEGMENTS_TABLE,
    SNAPSHOT_TABLE,
    TABLE_PREFIX,
)
from search.segments import (
    AnalyzedPaper,
    BuiltSegment,
    IndexedPaper,
    Vocabulary,
    build_segment,
    pack_terms,
    unpack_terms,
)
from search.snapshot import (
    DELETED_SINCE,
    DOCS_SINCE,
    READ_SNAPSHOT,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_EVERY,
    Snapshot,
    advanced,
)

MERGE_FACTOR = 8
MERGE_BASE = 1000  # papers: segments below this size are all in the first tier
AUTO_MERGE_LIMIT = 200_000  # papers: larger merges wait for merge_all
MERGE_TERMS_PER_READ = 5000  # terms: each read of lists to merge holds the event loop briefly
_IDS = IDS
# Index writers take this lock on PostgreSQL (until their transaction ends), as SQLite's one
# writer at a time does: docids follow each other, and ``search_deleted`` grows in order.
WRITE_LOCK = 0x5EA4C4


@dataclass(frozen=True, slots=True)
class Segment:
    segment: int
    first_docid: int
    last_docid: int
    docs: int

    @property
    def tier(self) -> int:
        return int(math.log(max(self.docs, MERGE_BASE) / MERGE_BASE, MERGE_FACTOR))


@dataclass(frozen=True, slots=True)
class IndexSize:
    documents: int
    bytes: int | None  # pages of the index's tables, when SQLite can tell


async def has_index(session: AsyncSession) -> bool:
    """Whether the session's database holds the index's tables (migrated to ``0005``)."""
    connection = await session.connection()
    names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return DOCS_TABLE in names


async def index_size(session: AsyncSession) -> IndexSize | None:
    """Documents in the index and the bytes its tables take (None: no index)."""
    if not await has_index(session):
        return None
    documents = (await session.execute(text(f"SELECT count(*) FROM {DOCS_TABLE}"))).scalar_one()
    size = None
    if session.bind.dialect.name == "sqlite":
        pattern = f"{TABLE_PREFIX}%"
        try:
            size = (
                await session.execute(
                    text("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE :pattern"),
                    {"pattern": pattern},
                )
            ).scalar_one()
        except Exception:  # dbstat is a compile-time option of SQLite
            size = None
    elif session.bind.dialect.name == "postgresql":
        size = (
            await session.execute(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class "
                    "WHERE relkind = 'r' AND relname LIKE :pattern"
                ),
                {"pattern": f"{TABLE_PREFIX}%"},
            )
        ).scalar_one()
    return IndexSize(int(documents), None if size is None else int(size))


async def _connection(session: AsyncSession) -> AsyncConnection:
    return await session.connection()


def _postgresql(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def _rows(session: AsyncSession, statement: str, params: tuple = ()) -> list[tuple]:
    connection = await _connection(session)
    if _postgresql(session):
        statement, params = to_postgresql(statement, params)
    return list((await connection.exec_driver_sql(statement, params)).fetchall())


async def _run(session: AsyncSession, statement: str, params: tuple | list = ()) -> None:
    if isinstance(params, list) and not params:
        return
    connection = await _connection(session)
    if _postgresql(session):
        if isinstance(params, list):
            statement, params = to_postgresql_many(statement, params)
        else:
            statement, params = to_postgresql(statement, params)
    await connection.exec_driver_sql(statement, params)


POSTING_COLUMNS = ("term", "segment", "df", "last_docid", "docs", "positions")
POSTINGS_PER_INSERT = 100  # rows per INSERT statement on SQLite


async def _insert_postings(session: AsyncSession, table: str, rows: list[tuple]) -> None:
    """Insert posting rows ``(term, segment, df, last docid, docs, positions)`` into
    ``table``: on SQLite many rows per statement (SQLite inserts them without going back to
    Python between rows), on PostgreSQL by COPY."""
    if not rows:
        return
    if _postgresql(session):
        await copy_records(session, table, POSTING_COLUMNS, rows)
        return
    connection = await _connection(session)
    head = f"INSERT INTO {table} ({', '.join(POSTING_COLUMNS)}) VALUES "
    one = "(?, ?, ?, ?, ?, ?)"
    per = POSTINGS_PER_INSERT
    whole = len(rows) - len(rows) % per
    if whole:
        await connection.exec_driver_sql(
            head + ", ".join([one] * per),
            [tuple(chain.from_iterable(rows[at : at + per])) for at in range(0, whole, per)],
        )
    if whole < len(rows):
        rest = rows[whole:]
        await connection.exec_driver_sql(
            head + ", ".join([one] * len(rest)), tuple(chain.from_iterable(rest))
        )


async def lock_writes(session: AsyncSession) -> None:
    """On PostgreSQL, wait for the index's other writers (see ``WRITE_LOCK``)."""
    if _postgresql(session):
        # Each statement that follows in the transaction is planned for its own values: a
        # plan kept from when the index was small would scan its tables for every paper.
        await _rows(
            session,
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
            f"pg_advisory_xact_lock({WRITE_LOCK})",
        )


async def stored_digests(session: AsyncSession, paper_ids: Sequence[str]) -> dict[str, tuple]:
    """``paper_id -> (docid, digest)`` of the indexed papers among these."""
    rows = await _rows(
        session,
        f"SELECT paper_id, docid, digest FROM {DOCS_TABLE} WHERE paper_id IN {_IDS}",
        (ids_parameter(paper_ids),),
    )
    return {paper_id: (docid, bytes(digest)) for paper_id, docid, digest in rows}


async def _forget(session: AsyncSession, docids: Sequence[int]) -> None:
    if not docids:
        return
    await lock_writes(session)
    await _run(session, f"DELETE FROM {DOCS_TABLE} WHERE docid IN {_IDS}", (ids_parameter(docids),))
    await _run(session, f"INSERT INTO {DELETED_TABLE} (docid) VALUES (?)", [(d,) for d in docids])


async def segments(session: AsyncSession) -> list[Segment]:
    """The index's segments, oldest papers first."""
    rows = await _rows(
        session,
        f"SELECT segment, first_docid, last_docid, docs FROM {SEGMENTS_TABLE} ORDER BY first_docid",
    )
    return [Segment(*row) for row in rows]


async def write_papers(
    session: AsyncSession,
    papers: Sequence[AnalyzedPaper],
    vocabulary: Vocabulary,
    *,
    merge: bool = True,
    built: BuiltSegment | None = None,
) -> int:
    """Index these papers, replacing what the index held for them; returns how many changed.

    A paper whose digest is unchanged is left as it is; the changed ones form a new segment
    (``built``, when given: the segment of ``papers`` built beforehand, written when all of
    them changed).
    """
    latest = {p.paper_id: p for p in papers}
    await lock_writes(session)  # on PostgreSQL, what is read next holds until the write
    stored = await stored_digests(session, list(latest))
    changed = [p for i, p in latest.items() if i not in stored or stored[i][1] != p.digest]
    if not changed:
        return 0
    if built is None or len(changed) != len(papers):
        built = build_segment(changed, vocabulary)
    return await _write_built(session, built, list(enumerate(built.papers)), stored, merge)


async def _next_docid(session: AsyncSession) -> int:
    if _postgresql(session):
        rows = await _rows(
            session,
            "SELECT greatest(coalesce(pg_sequence_last_value("
            f"CAST(pg_get_serial_sequence('{DOCS_TABLE}', 'docid') AS regclass)), 0), "
            f"coalesce((SELECT max(docid) FROM {DOCS_TABLE}), 0))",
        )
        return int(rows[0][0]) + 1
    rows = await _rows(
        session,
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "
        f"coalesce((SELECT max(docid) FROM {DOCS_TABLE}), 0))",
        (DOCS_TABLE,),
    )
    return int(rows[0][0]) + 1


async def write_segment(
    session: AsyncSession,
    built: BuiltSegment,
    *,
    skip: Collection[str] = (),
    merge: bool = True,
) -> int:
    """Write a built segment: its papers that are new or changed (and not in ``skip``) get
    the docids ``first + number`` and replace what the index held for them; the others' lists
    stay in the segment with docids that no paper has, and go at its next merge. Returns how
    many papers were written."""
    stored = await stored_digests(session, [p.paper_id for p in built.papers])
    written = [
        (number, paper)
        for number, paper in enumerate(built.papers)
        if paper.paper_id not in skip
        and (paper.paper_id not in stored or stored[paper.paper_id][1] != paper.digest)
    ]
    if not written:
        return 0
    await lock_writes(session)
    if _postgresql(session):  # read again behind the lock: another writer may have gone first
        stored = await stored_digests(session, [p.paper_id for _, p in written])
        written = [
            (n, p)
            for n, p in written
            if p.paper_id not in stored or stored[p.paper_id][1] != p.digest
        ]
    return await _write_built(session, built, written, stored, merge)


async def _write_built(
    session: AsyncSession,
    built: BuiltSegment,
    written: list[tuple[int, IndexedPaper]],
    stored: dict[str, tuple],
    merge: bool,
) -> int:
    """``write_segment`` of the papers ``written`` (number in the segment, paper), behind the
    index's write lock, ``stored`` what the index held for them."""
    await _forget(session, [stored[p.paper_id][0] for _, p in written if p.paper_id in stored])
    first = await _next_docid(session)
    last = first + len(built.papers) - 1
    docs = [(first + n, p.paper_id, p.digest, p.length, p.day) for n, p in written]
    if _postgresql(session):
        await copy_records(
            session, DOCS_TABLE, ("docid", "paper_id", "digest", "length", "day"), docs
        )
    else:
        await _run(
            session,
            f"INSERT INTO {DOCS_TABLE} (docid, paper_id, digest, length, day) "
            "VALUES (?, ?, ?, ?, ?)",
            docs,
        )
    # Docids are never reused, those of papers left out included.
    if _postgresql(session):
        await _rows(
            session,
            f"SELECT setval(pg_get_serial_sequence('{DOCS_TABLE}', 'docid'), ?)",
            (last,),
        )
    else:
        await _run(session, "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (last, DOCS_TABLE))
    segment = await _new_segment(session, first, last, len(written), pack_terms(built.terms))
    await _insert_postings(session, POSTINGS_TABLE, built.table_rows(segment, first))
    if merge:
        await merge_tiers(session)
    await refresh_snapshot(session)
    return len(written)


async def refresh_snapshot(
    session: AsyncSession, every: int | None = None, *, anew: bool = False
) -> bool:
    """Write the papers' arrays anew (``search.snapshot``) when the index has moved
    ``every`` docids or more past them (default: ``SNAPSHOT_EVERY``; 0: whatever it holds),
    in the caller's transaction (behind the index's write lock); returns whether it did.
    The new arrays are the old ones with the rows added and the deletions since: at a
    million papers, the old arrays read and the new written (9 MB each) and the rows of
    ``every`` papers, not every row; ``anew``: from every row, whatever the old ones hold."""
    every = SNAPSHOT_EVERY if every is None else every
    await lock_writes(session)
    ((last,),) = await _rows(session, f"SELECT coalesce(max(docid), 0) FROM {DOCS_TABLE}")
    held = await _rows(session, f"SELECT upto FROM {SNAPSHOT_TABLE} ORDER BY upto DESC LIMIT 1")
    upto = int(held[0][0]) if held else -1
    if not last or (every > 0 and int(last) - upto < every):
        return False
    old = Snapshot.from_row((await _rows(session, READ_SNAPSHOT))[0]) if held and not anew else None
    added = await _rows(session, DOCS_SINCE, (old.upto if old is not None else -1,))
    if old is None:  # the rows held are every paper indexed: the deletions are in them
        ((deleted,),) = await _rows(session, f"SELECT coalesce(max(seq), 0) FROM {DELETED_TABLE}")
        fresh = advanced(None, added, [])
        fresh = Snapshot(fresh.upto, int(deleted), fresh.alive, fresh.lengths, fresh.days)
    else:
        gone = await _rows(session, DELETED_SINCE, (old.deleted_upto,))
        fresh = advanced(old, added, gone)
    await _run(session, f"DELETE FROM {SNAPSHOT_TABLE}")
    await _run(
        session,
        f"INSERT INTO {SNAPSHOT_TABLE} ({SNAPSHOT_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
        fresh.row(),
    )
    return True


async def remove_papers(session: AsyncSession, paper_ids: Sequence[str]) -> None:
    """Take these papers out of the index."""
    if not paper_ids:
        return
    stored = await stored_digests(session, paper_ids)
    await _forget(session, [docid for docid, _ in stored.values()])


async def merge_tiers(session: AsyncSession) -> int:
    """Merge the newest segments while ``MERGE_FACTOR`` of them share a tier; returns the
    number of merges."""
    merges = 0
    await lock_writes(session)
    while True:
        found = await segments(session)
        if not found:
            return merges
        tier = found[-1].tier
        run: list[Segment] = []
        for segment in reversed(found):
            if segment.tier != tier:
                break
            run.append(segment)
        run.reverse()
        if len(run) < MERGE_FACTOR or sum(s.docs for s in run) > AUTO_MERGE_LIMIT:
            return merges
        await merge(session, run)
        merges += 1


async def merge_all(session: AsyncSession) -> bool:
    """Merge every segment into one (False: there was at most one, with no paper gone), and
    bring the papers' arrays (``refresh_snapshot``) up to the last paper."""
    await lock_writes(session)
    found = await segments(session)
    merged = False
    if len(found) > 1:
        merged = True
    elif found:
        held = await _rows(
            session,
            f"SELECT count(*) FROM {DOCS_TABLE} WHERE docid BETWEEN ? AND ?",
            (found[0].first_docid, found[0].last_docid),
        )
        merged = held[0][0] != found[0].docs
    if merged:
        await _merge_everything(session, found)
    await refresh_snapshot(session, every=1)
    return merged


MERGE_ROWS_PER_READ = 20_000


async def _merge_everything(session: AsyncSession, found: Sequence[Segment]) -> None:
    """``merge`` of every segment: the lists are read in the table's order and written to a
    new table, which then replaces the old one (dropping a table costs far less than
    deleting its rows)."""
    first, last = found[0].first_docid, found[-1].last_docid
    live = [
        docid
        for (docid,) in await _rows(
            session,
            f"SELECT docid FROM {DOCS_TABLE} WHERE docid BETWEEN ? AND ? ORDER BY docid",
            (first, last),
        )
    ]
    numbers = ids_parameter([s.segment for s in found])
    if not live:
        await _run(session, f"DELETE FROM {POSTINGS_TABLE}")
        await _run(session, f"DELETE FROM {SEGMENTS_TABLE} WHERE segment IN {_IDS}", (numbers,))
        return
    alive = np.zeros(last + 1, dtype=np.uint8)
    alive[live] = 1
    bases = {s.segment: s.first_docid for s in found}
    new_table = f"{POSTINGS_TABLE}_merged"
    await _run(session, f"DROP TABLE IF EXISTS {new_table}")
    schema = _POSTINGS_SCHEMA_POSTGRESQL if _postgresql(session) else _POSTINGS_SCHEMA
    await _run(session, schema.format(table=new_table))
    terms: list[str] = []
    segment: int | None = None
    after = ""
    while True:
        rows = await _rows(
            session,
            f"SELECT term, segment, docs, positions FROM {POSTINGS_TABLE} WHERE term > ? "
            "AND term <= (SELECT max(term) FROM (SELECT term FROM "
            f"{POSTINGS_TABLE} WHERE term > ? ORDER BY term LIMIT ?) AS chunk) ORDER BY term",
            (after, after, MERGE_ROWS_PER_READ),
        )
        if not rows:
            break
        after = rows[-1][0]
        if segment is None:
            segment = await _new_segment(session, live[0], live[-1], len(live), b"")
        merged = _kernel.merge_segment_rows(rows, bases, alive, live[0], segment)
        terms += [row[0] for row in merged]
        await _insert_postings(session, new_table, merged)
    if segment is None:
        segment = await _new_segment(session, live[0], live[-1], len(live), b"")
    await _run(session, f"DROP TABLE {POSTINGS_TABLE}")
    await _run(session, f"ALTER TABLE {new_table} RENAME TO {POSTINGS_TABLE}")
    await _run(session, _POSTINGS_INDEX)
    await _run(
        session,
        f"UPDATE {SEGMENTS_TABLE} SET terms = ? WHERE segment = ?",
        (pack_terms(terms), segment),
    )
    await _run(session, f"DELETE FROM {SEGMENTS_TABLE} WHERE segment IN {_IDS}", (numbers,))


# The table as the migration 0005 creates it; its index is made once the table is filled.
_POSTINGS_SCHEMA = (
    "CREATE TABLE {table} ("
    "term TEXT NOT NULL, segment INTEGER NOT NULL, df INTEGER NOT NULL, "
    "last_docid INTEGER NOT NULL, docs BLOB NOT NULL, positions BLOB NOT NULL)"
)
_POSTINGS_SCHEMA_POSTGRESQL = (
    "CREATE TABLE {table} ("
    'term TEXT COLLATE "C" NOT NULL, segment BIGINT NOT NULL, df INTEGER NOT NULL, '
    "last_docid BIGINT NOT NULL, docs BYTEA NOT NULL, positions BYTEA NOT NULL)"
)
_POSTINGS_INDEX = (
    f"CREATE UNIQUE INDEX {POSTINGS_TABLE}_term ON {POSTINGS_TABLE} (term, segment, df)"
)


async def _new_segment(
    session: AsyncSession, first: int, last: int, docs: int, terms: bytes
) -> int:
    rows = await _rows(
        session,
        f"INSERT INTO {SEGMENTS_TABLE} (first_docid, last_docid, docs, terms) "
        "VALUES (?, ?, ?, ?) RETURNING segment",
        (first, last, docs, terms),
    )
    return int(rows[0][0])


async def merge(session: AsyncSession, run: Sequence[Segment]) -> Segment | None:
    """One segment in place of these neighbouring ones, without the papers gone."""
    first, last = run[0].first_docid, run[-1].last_docid
    live = await _rows(
        session,
        f"SELECT docid FROM {DOCS_TABLE} WHERE docid BETWEEN ? AND ? ORDER BY docid",
        (first, last),
    )
    alive = np.zeros(last + 1, dtype=np.uint8)
    alive[[docid for (docid,) in live]] = 1
    numbers = ids_parameter([s.segment for s in run])
    terms = sorted({term for s in run for term in await segment_terms(session, s.segment)})
    merged: Segment | None = None
    if live:
        merged = await _merged_segment(session, [docid for (docid,) in live], terms)
    bases = {s.segment: s.first_docid for s in run}
    # The lists of a range of terms at a time, read along the table's index.
    ranges = [
        (terms[start], terms[min(start + MERGE_TERMS_PER_READ, len(terms)) - 1])
        for start in range(0, len(terms), MERGE_TERMS_PER_READ)
    ]
    if _postgresql(session):
        await _merge_postgresql(session, ranges, numbers, merged, bases, alive)
        ranges = []
    for low, high in ranges:
        chosen = f"term BETWEEN ? AND ? AND segment IN {_IDS}"
        if merged is not None:
            rows = await fetch_plain(
                session,
                f"SELECT term, segment, docs, positions FROM {POSTINGS_TABLE} WHERE {chosen} "
                "ORDER BY term, segment",
                (low, high, numbers),
            )
            await _insert_postings(
                session,
                POSTINGS_TABLE,
                _kernel.merge_segment_rows(rows, bases, alive, merged.first_docid, merged.segment),
            )
        await _run(session, f"DELETE FROM {POSTINGS_TABLE} WHERE {chosen}", (low, high, numbers))
    await _run(session, f"DELETE FROM {SEGMENTS_TABLE} WHERE segment IN {_IDS}", (numbers,))
    return merged


# The lists of a range of terms in some segments, taken out of the table as they are read: one
# pass over the rows where a read and a delete would make two.
_TAKE_LISTS = (
    f"WITH gone AS (DELETE FROM {POSTINGS_TABLE} WHERE term BETWEEN ? AND ? AND segment IN {_IDS} "
    "RETURNING term, segment, docs, positions) SELECT * FROM gone ORDER BY term, segment"
)


async def _merge_postgresql(
    session: AsyncSession,
    ranges: list[tuple[str, str]],
    numbers: object,
    merged: Segment | None,
    bases: dict[int, int],
    alive: np.ndarray,
) -> None:
    """``merge``'s lists on PostgreSQL, range of terms after range: the server takes the next
    range's lists while this process merges the ones it has."""

    def take(low: str, high: str) -> Awaitable[list]:
        return fetch_plain(session, _TAKE_LISTS, (low, high, numbers))

    def merging(rows: list, written: list[tuple]) -> Iterator[None]:
        if merged is not None:
            written += _kernel.merge_segment_rows(
                rows, bases, alive, merged.first_docid, merged.segment
            )
        yield

    if not ranges:
        return
    rows = await take(*ranges[0])
    for at in range(len(ranges)):
        written: list[tuple] = []
        if at + 1 < len(ranges):
            rows = await alongside(take(*ranges[at + 1]), merging(rows, written))
        else:
            for _ in merging(rows, written):
                pass
        await _insert_postings(session, POSTINGS_TABLE, written)


async def segment_terms(session: AsyncSession, segment: int) -> list[str]:
    rows = await _rows(session, f"SELECT terms FROM {SEGMENTS_TABLE} WHERE segment = ?", (segment,))
    return unpack_terms(rows[0][0]) if rows else []


async def orphan_ids(session: AsyncSession) -> list[str]:
    """Indexed paper ids whose paper is gone."""
    rows = await _rows(
        session,
        f"SELECT paper_id FROM {DOCS_TABLE} WHERE paper_id NOT IN (SELECT id FROM papers)",
    )
    return [paper_id for (paper_id,) in rows]


async def unindexed_count(session: AsyncSession) -> int:
    """Visible papers that the index lacks."""
    rows = await _rows(
        session,
        f"SELECT count(*) FROM papers WHERE NOT hidden "
        f"AND id NOT IN (SELECT paper_id FROM {DOCS_TABLE})",
    )
    return int(rows[0][0])


async def indexed_count(session: AsyncSession) -> int:
    return int((await _rows(session, f"SELECT count(*) FROM {DOCS_TABLE}"))[0][0])


async def indexed_ids(session: AsyncSession) -> list[str]:
    rows = await _rows(session, f"SELECT paper_id FROM {DOCS_TABLE} ORDER BY paper_id")
    return [paper_id for (paper_id,) in rows]


INTEGRITY_SAMPLE = 500


async def snapshot_problem(session: AsyncSession) -> str | None:
    """What is wrong with the papers' arrays (``search.snapshot``; None: nothing, or none
    stored): arrays that do not decode, an indexed paper whose row they lack or hold
    otherwise, or a paper they hold that is neither indexed nor deleted since."""
    held = await _rows(session, READ_SNAPSHOT)
    if not held:
        return None
    snapshot = Snapshot.from_row(held[0])
    if snapshot is None:
        return f"the papers' arrays ({SNAPSHOT_TABLE}) do not decode"
    rows = await _rows(
        session, f"SELECT docid, length, day FROM {DOCS_TABLE} WHERE docid <= ?", (snapshot.upto,)
    )
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
    table = table.reshape(-1, 3)
    docids = table[:, 0]
    if (
        (snapshot.alive[docids] != 1).any()
        or (snapshot.lengths[docids] != table[:, 1]).any()
        or (snapshot.days[docids] != table[:, 2]).any()
    ):
        return f"the papers' arrays ({SNAPSHOT_TABLE}) differ from {DOCS_TABLE}"
    gone = await _rows(session, DELETED_SINCE, (snapshot.deleted_upto,))
    known = np.union1d(docids, np.array([docid for _, docid in gone], dtype=np.int64))
    if not np.isin(np.flatnonzero(snapshot.alive), known).all():
        return f"the papers' arrays ({SNAPSHOT_TABLE}) hold papers the index does not"
    return None


async def integrity_problem(session: AsyncSession) -> str | None:
    """What is wrong with the index's structure (None: nothing found): segments that overlap,
    papers outside every segment, posting lists that do not decode to what their row says
    (checked on a sample of lists), papers' arrays that differ from the papers' rows."""
    problem = await snapshot_problem(session)
    if problem is not None:
        return problem
    found = await segments(session)
    for before, after in pairwise(found):
        if after.first_docid <= before.last_docid:
            return f"segments {before.segment} and {after.segment} overlap"
    covered = (
        " OR ".join(f"docid BETWEEN {s.first_docid} AND {s.last_docid}" for s in found) or "FALSE"
    )
    outside = await _rows(session, f"SELECT count(*) FROM {DOCS_TABLE} WHERE NOT ({covered})")
    if outside[0][0]:
        return f"{outside[0][0]} indexed papers are in no segment"
    ranges = {s.segment: (s.first_docid, s.last_docid) for s in found}
    chosen = random.Random(0)
    sample = []
    for s in found:
        terms = await segment_terms(session, s.segment)
        sample += [(t, s.segment) for t in chosen.sample(terms, min(len(terms), INTEGRITY_SAMPLE))]
    rows = []
    for term, segment in sample:
        rows += await _rows(
            session,
            f"SELECT term, segment, df, last_docid, docs, positions FROM {POSTINGS_TABLE} "
            "WHERE term = ? AND segment = ?",
            (term, segment),
        )
    for term, segment, df, last_docid, docs, positions in rows:
        if segment not in ranges:
            return f"the list of {term!r} is in segment {segment}, which does not exist"
        try:
            docids, _ = _kernel.decode(docs, df, ranges[segment][0])
            _kernel.position_offsets(positions, df)
        except (ValueError, IndexError) as exc:
            return f"the list of {term!r} in segment {segment} does not decode: {exc}"
        low, high = ranges[segment]
        if docids[-1] != last_docid or docids[0] < low or docids[-1] > high:
            return f"the list of {term!r} in segment {segment} is outside its segment"
        if len(docids) > 1 and (docids[1:] <= docids[:-1]).any():
            return f"the list of {term!r} in segment {segment} is out of order"
    return None


async def _merged_segment(session: AsyncSession, live: list[int], terms: list[str]) -> Segment:
    # The merged segment holds every term of the run, unless all its papers are gone: it is
    # only read to merge it again, when a term without a list is skipped.
    segment = await _new_segment(session, live[0], live[-1], len(live), pack_terms(terms))
    return Segment(segment, live[0], live[-1], len(live))
