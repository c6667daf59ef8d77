"""What a process keeps of an index between searches: every paper's length and day, and the
posting lists it read last (decoded, up to the SEARCH_CACHE_MB setting, see ``search.options``).

Nothing here can go stale: a docid's row never changes (a changed paper gets a new docid),
papers that leave are read from ``search_deleted`` in order, and a term's lists are kept
under the segments that hold it, which never change either. Each search first reads where
the index is (one small query) and catches up with what was added since.

Searches read and evaluate in worker threads (``search.sqlite``; a short search of lists
held here on the event loop, ``small_search``), through a ``Reader``: so everything kept here
is behind a lock, and the arrays of papers are replaced, never changed
in place, so that a ``Collection`` taken by one search holds still while another catches up.
On PostgreSQL a search reads on the event loop instead, through asyncpg itself, where and
what the index is and the terms' lists in one statement (``read_postgresql``), and decodes
and evaluates in a worker thread. A search whose lists are all held here ranks first and
checks that the index is still the one it ranked with in the statement that reads its page
(``speculate``, ``checked_postgresql``): one round trip instead of two.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field

import anyio.from_thread
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from models.plain import Params, driver_connection, postgresql_rows, read_rows, to_postgresql
from search import _kernel
from search.evaluate import Collection, Scores, TermList
from search.options import current
from search.plan import Plan
from search.schema import DELETED_TABLE, DOCS_TABLE, META_TABLE, POSTINGS_TABLE, SEGMENTS_TABLE
from search.snapshot import DELETED_SINCE, DOCS_SINCE, READ_SNAPSHOT, Snapshot

_IDS = "(SELECT value FROM json_each(?))"

# A statement and its parameters to its rows; callable from a search's worker thread.
Reader = Callable[[str, Params], list[tuple]]


@dataclass(slots=True)
class LoadedIndex:
    """One index as this process has read it."""

    index_id: str
    last_docid: int = 0
    last_deleted: int = 0
    alive: np.ndarray = field(default_factory=lambda: np.zeros(1024, dtype=np.uint8))
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(1024, dtype=np.float32))
    days: np.ndarray = field(default_factory=lambda: np.zeros(1024, dtype=np.int32))
    count: int = 0
    total_length: float = 0.0
    lists: OrderedDict[tuple, TermList] = field(default_factory=OrderedDict)
    latest: dict[str, tuple] = field(default_factory=dict)  # a term to its key in ``lists``
    cached_bytes: int = 0
    scores: ScoreMemo = field(default_factory=lambda: ScoreMemo())
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def collection(self) -> Collection:
        with self.lock:
            average = self.total_length / self.count if self.count else 1.0
            return Collection(self.alive, self.lengths, self.days, self.count, max(average, 1.0))

    def _copies(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New arrays of papers, the old ones copied in, with room for ``size`` docids."""
        capacity = len(self.alive) if size <= len(self.alive) else max(size, 2 * len(self.alive))
        copies = []
        for old in (self.alive, self.lengths, self.days):
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            copies.append(new)
        return copies[0], copies[1], copies[2]

    def add(self, rows: list[tuple[int, int, int]]) -> None:
        if not rows:
            return
        # each row's three numbers in one pass (np.asarray of a million tuples takes twice as long)
        flat = itertools.chain.from_iterable(rows)
        table = np.fromiter(flat, dtype=np.int64, count=3 * len(rows)).reshape(-1, 3)
        docids = table[:, 0]
        with self.lock:
            alive, lengths, days = self._copies(int(docids.max()) + 1)
            fresh = docids[alive[docids] == 0]
            alive[docids] = 1
            lengths[docids] = table[:, 1]
            days[docids] = table[:, 2]
            self.alive, self.lengths, self.days = alive, lengths, days
            self.count += len(fresh)
            self.total_length += float(lengths[fresh].sum())
            self.last_docid = max(self.last_docid, int(docids.max()))

    @property
    def fresh(self) -> bool:
        """Whether nothing of the index has been read into it yet."""
        return self.last_docid == 0 and self.last_deleted == 0 and self.count == 0

    def restore(self, snapshot: Snapshot) -> None:
        """Take the papers' arrays of ``snapshot`` (an index read for the first time)."""
        size = snapshot.upto + 1
        with self.lock:
            capacity = max(size, len(self.alive))
            alive = np.zeros(capacity, dtype=np.uint8)
            lengths = np.zeros(capacity, dtype=np.float32)
            days = np.zeros(capacity, dtype=np.int32)
            alive[:size] = snapshot.alive
            lengths[:size] = snapshot.lengths
            days[:size] = snapshot.days
            self.alive, self.lengths, self.days = alive, lengths, days
            self.count = snapshot.count
            self.total_length = float(lengths[alive == 1].sum(dtype=np.float64))
            self.last_docid = max(self.last_docid, snapshot.upto)
            self.last_deleted = max(self.last_deleted, snapshot.deleted_upto)

    def remove(self, docids: Iterable[int]) -> None:
        gone = np.fromiter(docids, dtype=np.int64)
        with self.lock:
            gone = gone[gone < len(self.alive)]
            gone = np.unique(gone[self.alive[gone] == 1])
            alive = self.alive.copy()
            alive[gone] = 0
            self.alive = alive
            self.count -= len(gone)
            self.total_length -= float(self.lengths[gone].sum())

    def cached(self, key: tuple, *, with_positions: bool) -> TermList | None:
        """The term list kept under ``key`` (with its positions if asked), or None."""
        with self.lock:
            found = self.lists.get(key)
            if found is None or (with_positions and found.positions is None):
                return None
            self.lists.move_to_end(key)
            return found

    def latest_list(self, term: str, *, with_positions: bool) -> TermList | None:
        """The list of ``term`` kept last (with its positions if asked), whatever its
        segments, or None."""
        with self.lock:
            key = self.latest.get(term)
            return None if key is None else self.cached(key, with_positions=with_positions)

    def remember(self, key: tuple, found: TermList) -> None:
        with self.lock:
            if key in self.lists:
                self.cached_bytes -= _size(self.lists.pop(key))
            self.lists[key] = found
            self.latest[key[0]] = key
            self.cached_bytes += _size(found)
            budget = current().cache_bytes - _scores_budget()
            while self.cached_bytes > budget and len(self.lists) > 1:
                old_key, old = self.lists.popitem(last=False)
                self.cached_bytes -= _size(old)
                if self.latest.get(old_key[0]) == old_key:
                    del self.latest[old_key[0]]


# What an entry of the caches costs beyond the objects it holds: the OrderedDict's slot and
# link, and the allocator's rounding (measured with tracemalloc, see the tests).
ENTRY_BYTES = 128


def _size(found: TermList) -> int:
    """The memory of a kept list: its arrays (with their headers), positions, key and entry.
    For a rare word's list, a few postings, the objects are most of it."""
    size = ENTRY_BYTES + sys.getsizeof(found) + _deep_bytes(found.key)
    size += _array_bytes(found.docids) + _array_bytes(found.tf)
    if found.positions is not None:
        data, entries = found.positions
        size += sys.getsizeof(found.positions) + sys.getsizeof(data) + _array_bytes(entries)
    return size


def _scores_size(key: Hashable, value: Scores) -> int:
    docids, scores = value
    size = ENTRY_BYTES + _deep_bytes(key) + sys.getsizeof(value)
    return size + _array_bytes(docids) + _array_bytes(scores)


def _array_bytes(array: np.ndarray) -> int:
    """An array's header and data; for a view, the whole array it looks into, which it keeps
    (the kernel's results are the front of a buffer made for the longest outcome)."""
    base = array.base
    if isinstance(base, np.ndarray):
        return sys.getsizeof(array) + _array_bytes(base)
    return sys.getsizeof(array) + (array.nbytes if base is not None else 0)


def _deep_bytes(key: object) -> int:
    """A key's memory: its tuples and what they hold (strings, numbers)."""
    if isinstance(key, tuple):
        return sys.getsizeof(key) + sum(_deep_bytes(part) for part in key)
    return sys.getsizeof(key)


def _scores_budget() -> int:
    """The scores' share of the cache's budget (the posting lists have the rest)."""
    return current().cache_bytes // 4


class ScoreMemo(MutableMapping[Hashable, Scores]):
    """The scores of whole posting lists (``search.evaluate``), the least recently used
    dropped beyond a quarter of the cache's budget (the posting lists keep to the other three
    quarters); safe to share between threads."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, Scores] = OrderedDict()
        self.bytes = 0
        self.lock = threading.RLock()

    def __getitem__(self, key: Hashable) -> Scores:
        with self.lock:
            value = self._kept[key]
            self._kept.move_to_end(key)
            return value

    def __setitem__(self, key: Hashable, value: Scores) -> None:
        with self.lock:
            if key in self._kept:
                return
            self._kept[key] = value
            self.bytes += _scores_size(key, value)
            budget = _scores_budget()
            while self.bytes > budget and len(self._kept) > 1:
                old_key, old = self._kept.popitem(last=False)
                self.bytes -= _scores_size(old_key, old)

    def __delitem__(self, key: Hashable) -> None:
        with self.lock:
            self.bytes -= _scores_size(key, self._kept.pop(key))

    def __iter__(self) -> Iterator[Hashable]:
        with self.lock:
            return iter(list(self._kept))

    def __len__(self) -> int:
        return len(self._kept)


_loaded: dict[tuple[str, str], LoadedIndex] = {}
_loaded_lock = threading.Lock()


async def direct_reader(session: AsyncSession) -> Reader | None:
    """A ``Reader`` of the session's sqlite3 connection when it may be used from any thread,
    the event loop's included (the session waits meanwhile), else None."""
    direct = await driver_connection(session)
    if direct is None:
        return None
    return lambda statement, params=(): direct.execute(statement, params).fetchall()


async def thread_reader(session: AsyncSession) -> Reader:
    """A ``Reader`` of the session's database for a worker thread that ``anyio.to_thread``
    started: the session's sqlite3 connection itself when it may be used from any thread
    (``direct_reader``), else reads sent back to the event loop."""
    direct = await direct_reader(session)
    if direct is not None:
        return direct

    def read(statement: str, params: Params = ()) -> list[tuple]:
        return anyio.from_thread.run(read_rows, session, statement, params)

    return read


_POSITION = (
    f"SELECT (SELECT value FROM {META_TABLE} WHERE name = 'index_id') AS index_id, "
    f"(SELECT max(docid) FROM {DOCS_TABLE}) AS last_docid, "
    f"(SELECT max(seq) FROM {DELETED_TABLE}) AS last_deleted"
)
_last_ids: dict[str, str] = {}  # a database to the identity of its index read last


def _index(database: str, index_id: object) -> LoadedIndex:
    key = (database, str(index_id))
    with _loaded_lock:
        index = _loaded.get(key)
        if index is None:
            index = _loaded[key] = LoadedIndex(str(index_id))
        _last_ids[database] = str(index_id)
    return index


def _forget(index: LoadedIndex, gone: list[tuple]) -> None:
    """Take out the papers of these ``(seq, docid)`` rows of ``search_deleted``."""
    if gone:
        index.remove(docid for _, docid in gone)
        index.last_deleted = max([index.last_deleted, *(seq for seq, _ in gone)])


# A search runs on the event loop (``small_search``) when its lists hold at most this many
# postings in all, and the index has moved by at most this many papers since it was read.
SMALL_SEARCH_POSTINGS = 20_000
SMALL_SEARCH_CATCH_UP = 1_000


def small_search(read: Reader, database: str, plan: Plan) -> bool:
    """Whether a search of ``plan`` is short enough to run on the event loop: this process
    has read the index (the same one, up to at most ``SMALL_SEARCH_CATCH_UP`` papers added or
    deleted since) and holds every list of the plan, ``SMALL_SEARCH_POSTINGS`` postings at
    most in all, nothing of it being caught up by another search meanwhile. One small read."""
    with _loaded_lock:
        index = _loaded.get((database, _last_ids.get(database, "")))
    if index is None:
        return False
    ((index_id, last_docid, last_deleted),) = read(_POSITION, ())
    if str(index_id) != index.index_id:
        return False
    if not index.lock.acquire(blocking=False):  # another search is catching up
        return False
    try:
        behind = (last_docid or 0) - index.last_docid + (last_deleted or 0) - index.last_deleted
        if behind > SMALL_SEARCH_CATCH_UP:
            return False
        phrases = plan.phrase_terms()
        postings = 0
        for term in plan.terms():
            found = index.latest_list(term, with_positions=term in phrases)
            if found is None:
                return False
            postings += len(found)
        return postings <= SMALL_SEARCH_POSTINGS
    finally:
        index.lock.release()


def loaded_index(read: Reader, database: str) -> LoadedIndex:
    """This process's view of the index in ``database`` (its URL), brought up to date."""
    ((index_id, last_docid, last_deleted),) = read(_POSITION, ())
    index = _index(database, index_id)
    with index.lock:  # one catch-up at a time, in the index's order
        if index.fresh and last_docid:  # the papers' arrays in one row, then what came since
            snapshot = Snapshot.from_row(next(iter(read(READ_SNAPSHOT, ())), None))
            if snapshot is not None:
                index.restore(snapshot)
        if (last_docid or 0) > index.last_docid:
            index.add(read(DOCS_SINCE, (index.last_docid,)))
        if (last_deleted or 0) > index.last_deleted:
            _forget(index, read(DELETED_SINCE, (index.last_deleted,)))
    return index


# On PostgreSQL, where the index is and the terms' lists, in one statement: the lists of
# the terms of $1 in every segment, with their data unless this process holds them (the
# pairs "term segment" of $3), with their positions for the terms of $2. Each array is read
# through a sub-select, which PostgreSQL's planner does not look into: the plan is then the
# same whatever the arrays, and PostgreSQL keeps one plan for the prepared statement rather
# than planning each search anew (which cost more than running it).
_LISTS_POSTGRESQL = (
    "SELECT w.index_id, w.last_docid, w.last_deleted, "
    "p.term, p.segment, p.first_docid, p.df, p.docs, p.positions "
    f"FROM ({to_postgresql(_POSITION)[0]}) AS w LEFT JOIN ("
    "SELECT p.term, p.segment, s.first_docid, p.df, "
    "CASE WHEN p.term || ' ' || p.segment = ANY((SELECT $3::text[])::text[]) THEN NULL "
    "ELSE p.docs END AS docs, "
    "CASE WHEN p.term = ANY((SELECT $2::text[])::text[]) "
    "AND NOT p.term || ' ' || p.segment = ANY((SELECT $3::text[])::text[]) "
    "THEN p.positions END AS positions "
    f"FROM {POSTINGS_TABLE} p JOIN {SEGMENTS_TABLE} s ON s.segment = p.segment "
    "WHERE p.term = ANY((SELECT $1::text[])::text[])) AS p ON true"
)


@dataclass(frozen=True, slots=True)
class Speculation:
    """What a warm search on PostgreSQL ranks with before reading anything (``speculate``):
    the index as this process read it last and the terms' lists it holds. The ranking is
    exact when the index has not moved since and every term is in the same segments, which
    the read of the page's papers checks in the same statement (``checked_postgresql``)."""

    index: LoadedIndex
    collection: Collection
    lists: dict[str, TermList]
    since: tuple[str, int, int]  # the index's identity, last docid and last deletion read
    held: frozenset[str]  # "term segment" of each list
    small: bool  # ranked on the event loop: ``SMALL_SEARCH_POSTINGS`` postings at most

    def holds(
        self,
        index_id: object,
        last_docid: int | None,
        last_deleted: int | None,
        lists: Sequence[str],
    ) -> bool:
        """Whether the index read with the page (where it is, the terms' lists) is the one
        the search ranked with."""
        identity, docid, deleted = self.since
        return (
            str(index_id) == identity
            and (last_docid or 0) <= docid
            and (last_deleted or 0) <= deleted
            and frozenset(lists) == self.held
        )


def speculate(
    database: str, terms: Iterable[str], with_positions: Iterable[str] = ()
) -> Speculation | None:
    """A ``Speculation`` when this process holds the list of every term (with its positions
    where asked) and no other search is catching the index up meanwhile; else None (the
    search reads the index first)."""
    with _loaded_lock:
        index = _loaded.get((database, _last_ids.get(database, "")))
    if index is None or not index.lock.acquire(blocking=False):
        return None
    try:
        positions_for = set(with_positions)
        lists: dict[str, TermList] = {}
        postings = 0
        for term in set(terms):
            found = index.latest_list(term, with_positions=term in positions_for)
            if found is None or not isinstance(found.key, tuple):
                return None
            lists[term] = found
            postings += len(found)
        held = frozenset(
            f"{term} {segment}" for term, found in lists.items() for segment in found.key[1]
        )
        since = (index.index_id, index.last_docid, index.last_deleted)
        small = postings <= SMALL_SEARCH_POSTINGS
        return Speculation(index, index.collection(), lists, since, held, small)
    finally:
        index.lock.release()


def checked_postgresql(statement: str, terms: int) -> str:
    """``statement`` (a PostgreSQL SELECT) with, before the columns of each of its rows (and
    on one row when it has none), where the index is and the lists of the terms of the
    parameter ``$terms`` as "term segment": what ``Speculation.holds`` checks."""
    lists = (
        f"ARRAY(SELECT p.term || ' ' || p.segment FROM {POSTINGS_TABLE} p "
        f"WHERE p.term = ANY((SELECT ${terms}::text[])::text[]))"
    )
    return (
        f"SELECT w.index_id, w.last_docid, w.last_deleted, {lists}, page.* "
        f"FROM ({to_postgresql(_POSITION)[0]}) AS w LEFT JOIN ({statement}) AS page ON true"
    )


@dataclass(slots=True)
class PostgresqlRead:
    """What one search read of the index on PostgreSQL (``read_postgresql``), to be turned
    into the index brought up to date and the terms' lists (``lists``) in a worker thread."""

    index: LoadedIndex
    terms: list[str]
    positions_for: set[str]
    rows: list[tuple]
    held: dict[str, TermList]
    since: tuple[int, int]
    added: list[tuple]
    gone: list[tuple]
    snapshot: Snapshot | None = None  # for an index read for the first time

    def lists(self) -> tuple[dict[str, TermList], list[str]]:
        """The terms' lists, and the terms whose rows lack some of their data (to read again,
        ``complete``). What was added to or deleted from the index since this process read
        it last is applied first (after the snapshot, for a first read), unless another
        search did meanwhile."""
        index = self.index
        with index.lock:
            if (index.last_docid, index.last_deleted) == self.since:
                if self.snapshot is not None and index.fresh:
                    index.restore(self.snapshot)
                index.add(self.added)
                _forget(index, self.gone)
            self.added, self.gone, self.snapshot = [], [], None
        return _gathered(index, self.rows, self.terms, self.positions_for, self.held)

    def small(self) -> bool:
        """Whether ranking what was read is short enough to run on the event loop (see
        ``small_search``): every term's list held by this process, as its segments are now,
        ``SMALL_SEARCH_POSTINGS`` postings at most in all, at most ``SMALL_SEARCH_CATCH_UP``
        papers to add or take out, and no other search catching up the index meanwhile."""
        if self.snapshot is not None or len(self.added) + len(self.gone) > SMALL_SEARCH_CATCH_UP:
            return False
        segments: dict[str, list[int]] = defaultdict(list)
        for *_, term, segment, _first, _df, _docs, _positions in self.rows:
            if term is not None:
                segments[term].append(segment)
        postings = 0
        for term in self.terms:
            held = self.held.get(term)
            if term not in segments:
                continue  # in no segment: no list to read
            if held is None or held.key != (term, tuple(sorted(segments[term]))):
                return False
            postings += len(held)
        if postings > SMALL_SEARCH_POSTINGS or not self.index.lock.acquire(blocking=False):
            return False
        self.index.lock.release()
        return True

    async def complete(self, session: AsyncSession, missing: list[str]) -> None:
        """Read again, whole, the lists of these terms."""
        again = await postgresql_rows(
            session, _LISTS_POSTGRESQL, (missing, sorted(self.positions_for), [])
        )
        left = set(missing)
        self.rows = [row for row in self.rows if row[3] not in left] + again


async def read_postgresql(
    session: AsyncSession,
    database: str,
    terms: Iterable[str],
    with_positions: Iterable[str] = (),
) -> PostgresqlRead:
    """What ``loaded_index`` and ``term_lists`` read, on PostgreSQL, on the event loop, in one
    statement (three when papers were added and deleted since the last search): the lists
    this process holds are named in it, and only the others' data come."""
    wanted = sorted(set(terms))
    positions_for = set(with_positions) & set(wanted)
    held: dict[str, TermList] = {}
    with _loaded_lock:
        before = _loaded.get((database, _last_ids.get(database, "")))
    if before is not None:
        for term in wanted:
            found = before.latest_list(term, with_positions=term in positions_for)
            if found is not None:
                held[term] = found
    # "term segment" names one list: a segment is a number, and the last word
    known = [f"{term} {segment}" for term, found in held.items() for segment in found.key[1]]
    rows = await postgresql_rows(session, _LISTS_POSTGRESQL, (wanted, sorted(positions_for), known))
    index_id, last_docid, last_deleted = rows[0][:3]
    index = _index(database, index_id)
    since = (index.last_docid, index.last_deleted)
    docid_after, deleted_after = since
    snapshot = None
    if index.fresh and last_docid:  # the papers' arrays in one row, then what came since
        found = await postgresql_rows(session, READ_SNAPSHOT)
        snapshot = Snapshot.from_row(found[0] if found else None)
        if snapshot is not None:
            docid_after, deleted_after = snapshot.upto, snapshot.deleted_upto
    added: list[tuple] = []
    gone: list[tuple] = []
    if (last_docid or 0) > docid_after:
        added = await postgresql_rows(session, *to_postgresql(DOCS_SINCE, (docid_after,)))
    if (last_deleted or 0) > deleted_after:
        gone = await postgresql_rows(session, *to_postgresql(DELETED_SINCE, (deleted_after,)))
    return PostgresqlRead(
        index,
        wanted,
        positions_for,
        rows,
        held if index is before else {},
        since,
        added,
        gone,
        snapshot,
    )


def _gathered(
    index: LoadedIndex,
    rows: list[tuple],
    terms: list[str],
    positions_for: set[str],
    held: dict[str, TermList],
) -> tuple[dict[str, TermList], list[str]]:
    """The term lists of ``_LISTS_POSTGRESQL``'s rows, and the terms some of whose data the
    rows lack (a list held was dropped from the cache, or the term is in new segments)."""
    parts: dict[str, list[tuple]] = defaultdict(list)
    for *_, term, segment, first, df, docs, positions in rows:
        if term is not None:
            parts[term].append((first, docs, df, positions, segment))
    found: dict[str, TermList] = {}
    missing: list[str] = []
    for term in terms:
        if term not in parts:
            continue
        key = (term, tuple(sorted(part[-1] for part in parts[term])))
        with_positions = term in positions_for
        cached = held.get(term)
        if cached is None or cached.key != key:
            cached = index.cached(key, with_positions=with_positions)
        if cached is not None:
            found[term] = cached
        elif all(part[1] is not None for part in parts[term]):
            found[term] = _joined([p[:4] for p in parts[term]], with_positions, key)
            index.remember(key, found[term])
        else:
            missing.append(term)
    return found, missing


def _joined(
    parts: list[tuple[int, bytes, int, bytes | None]], positions: bool, key: tuple
) -> TermList:
    """One term list from its lists in segments, ``(first docid, docs, df, positions)``."""
    if len(parts) == 1:  # one segment: its docids ascend already (delta-coded), no copies
        first, docs, df, part_positions = parts[0]
        docids, tf = _kernel.decode(docs, df, first)
        one_positions = None
        if positions:
            data = part_positions or b""
            one_positions = (data, _kernel.position_entries(data, df))
        return TermList(np.ascontiguousarray(docids), np.ascontiguousarray(tf), one_positions, key)
    parts.sort(key=lambda part: part[0])
    decoded = [_kernel.decode(docs, df, first) for first, docs, df, _ in parts]
    docids = np.concatenate([d for d, _ in decoded]) if decoded else np.empty(0, np.int32)
    tf = np.concatenate([t for _, t in decoded]) if decoded else np.empty((0, 6), np.uint8)
    found_positions = None
    if positions:
        data = b"".join(p or b"" for *_, p in parts)
        entries, shift = [], 0
        for _, _, df, part_positions in parts:
            entries.append(_kernel.position_entries(part_positions or b"", df) + shift)
            shift += len(part_positions or b"")
        found_positions = (data, np.concatenate(entries))
    if len(docids) > 1 and np.any(np.diff(docids) <= 0):  # segments overlapping: sort
        order = np.argsort(docids, kind="stable")
        docids, tf = docids[order], tf[order]
        if found_positions is not None:
            data, entries_all = found_positions
            found_positions = (data, entries_all[order])
    return TermList(np.ascontiguousarray(docids), np.ascontiguousarray(tf), found_positions, key)


def term_lists(
    read: Reader,
    index: LoadedIndex,
    terms: Iterable[str],
    with_positions: Iterable[str] = (),
) -> dict[str, TermList]:
    """The posting lists of these terms over the whole index (positions for some)."""
    terms = sorted(set(terms))
    positions_for = set(with_positions)
    if not terms:
        return {}
    held: dict[str, list[int]] = defaultdict(list)
    for term, segment in read(
        f"SELECT term, segment FROM {POSTINGS_TABLE} WHERE term IN {_IDS}", (_json(terms),)
    ):
        held[term].append(segment)
    found: dict[str, TermList] = {}
    missing: list[str] = []
    for term in terms:
        key = (term, tuple(sorted(held.get(term, ()))))
        cached = index.cached(key, with_positions=term in positions_for)
        if cached is not None:
            found[term] = cached
        elif held.get(term):
            missing.append(term)
    if missing:
        parts: dict[str, list] = defaultdict(list)
        need_positions = [t for t in missing if t in positions_for]
        other = [t for t in missing if t not in positions_for]
        for chosen, columns in ((need_positions, "p.positions"), (other, "NULL")):
            if not chosen:
                continue
            # Each read is a transaction of its own: a segment written or merged since the
            # query above is read as it is now, with its first docid.
            for term, segment, first, docs, df, positions in read(
                f"SELECT p.term, p.segment, s.first_docid, p.docs, p.df, {columns} "
                f"FROM {POSTINGS_TABLE} p JOIN {SEGMENTS_TABLE} s ON s.segment = p.segment "
                f"WHERE p.term IN {_IDS}",
                (_json(chosen),),
            ):
                parts[term].append((first, docs, df, positions, segment))
        for term in missing:
            key = (term, tuple(sorted(part[-1] for part in parts[term])))
            found[term] = _joined([p[:4] for p in parts[term]], term in positions_for, key)
            index.remember(key, found[term])
    return found


def _json(values: list[str]) -> str:
    return json.dumps(values)
