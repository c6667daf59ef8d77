"""Papers alike, on the site: related papers (the paper page and ``/api/papers/<id>/related``),
"for you" (``POST /api/foryou``) and the topics of a list, from ``search.alike`` vectors of
every visible paper, built in a thread (for a served site, in a child process that reads the
archive itself and hands them over as files mapped into memory) and kept until the archive
changes; where ``EMBEDDINGS_BASE_URL`` is set, the vectors ``coolpapers embed`` stored are
blended in. A served site learns the topics and "for you" in child processes too: its own
process never imports scikit-learn.

Stars sent to "for you" are used for that answer only and never stored.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fulltext.store import decompress
from models.db import create_engine, session_factory
from models.embeddings import PaperEmbedding
from models.fulltext import PaperFullText
from models.queries import get_papers
from models.schema import Paper, PaperCategory
from models.settings import Settings
from search.alike import Alike, PaperText, Topic, kmeans_labels, svm_scores
from summaries.embeddings import stored_embeddings
from venues.names import parse_paper_id
from web import openapi
from web.apart import in_child_process
from web.errors import HTTPError, json_object

MAX_STARS = 500
MAX_CANDIDATES = 5000
MAX_RELATED = 50
MAX_BODY_BYTES = 512 * 1024  # room for the most ids a "for you" request may send
RECHECK_SECONDS = 30.0  # how long the vectors serve before the archive is asked if it changed

log = logging.getLogger(__name__)
T = TypeVar("T")


class AlikeCache:
    """The vectors of the archive's visible papers, rebuilt when papers, full texts or
    stored embeddings change (looked at no more often than every ``recheck`` seconds); the
    embeddings of ``embeddings_model`` are blended in (None: none).

    Once the cache has sessions of its own (``bind``: the site's), a change is built in the
    background, one build at a time, and readers get the previous vectors meanwhile; only
    readers that come before the first vectors wait, for the build under way (``start``
    begins it as the site starts). Without sessions, the reader's session builds them.

    ``apart``: build in a child process instead of a worker thread, and learn there (the
    k-means of a list's topics, the SVM of "for you": ``learning``). A build is Python's work
    for the most part (scikit-learn's tokenizing and counting: about a second at 1,000
    papers, minutes at a million); in a thread it holds the interpreter's lock, and every
    request meanwhile waits for the lock at each of its reads. A served site builds apart
    (``cli.serve``), the child reading the texts from the database itself (``build_from``);
    ``build`` must then be a function a child process can import."""

    def __init__(
        self,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        embeddings_model: str | None = None,
        build: Callable[..., Alike] = Alike,
        apart: bool = False,
    ) -> None:
        self.recheck = recheck
        self.apart = apart
        self.embeddings_model = embeddings_model
        self.clock = clock
        self.build = build
        self.alike: Alike | None = None
        self.stamp: tuple[object, ...] | None = None
        self.checked = float("-inf")
        self.lock = asyncio.Lock()
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.building: asyncio.Task[Alike] | None = None
        self.builds = 0  # vectors built so far

    def learning(self, function: Callable[..., T]) -> Callable[..., T]:
        """``function`` (``search.alike.svm_scores`` or ``kmeans_labels``) as a worker thread
        calls it: in a child process of its own when the cache works ``apart`` (the site's
        process then never imports scikit-learn), else as it is."""
        if not self.apart:
            return function

        def apart(*args: object) -> T:
            return anyio.from_thread.run(functools.partial(in_child_process, function, *args))

        return apart

    @classmethod
    def from_settings(cls, settings: Settings) -> AlikeCache:
        """The cache of the site: embeddings blended in when an endpoint is configured."""
        model = settings.EMBEDDINGS_MODEL if settings.EMBEDDINGS_BASE_URL else None
        return cls(embeddings_model=model)

    def bind(self, sessions: async_sessionmaker[AsyncSession] | None) -> None:
        """Build with ``sessions`` from now on, in the background (None: in the reader's)."""
        self.sessions = sessions

    def start(self) -> asyncio.Task[Alike] | None:
        """Begin building the first vectors in the background (when bound, not built yet)."""
        if self.sessions is None or self.alike is not None:
            return None
        return self.building or self._background()

    def waiting(self) -> bool:
        """Whether a reader would now wait for the first vectors (bound, none built yet: a site
        just started); their build is begun if it was not. A page that need not wait for them
        asks for them later (``/fragments/related/<id>``)."""
        if self.sessions is None or self.alike is not None:
            return False
        self.start()
        return True

    async def stop(self) -> None:
        """Cancel the build under way, if any (the thread of its last step runs to its end)."""
        task, self.building = self.building, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    async def get(self, session: AsyncSession) -> Alike:
        if self.alike is not None and self.clock() - self.checked < self.recheck:
            return self.alike
        if self.sessions is None:
            return await self._get_here(session)
        if self.alike is None:  # nothing to serve yet: wait for the build under way
            return await asyncio.shield(self.building or self._background())
        self.checked = self.clock()  # the readers until the next look keep these vectors
        if self.building is None:
            stamp = await archive_stamp(session, self.embeddings_model)
            if stamp != self.stamp and self.building is None:
                self._background(stamp)
        return self.alike

    def _background(self, stamp: tuple[object, ...] | None = None) -> asyncio.Task[Alike]:
        task = asyncio.get_running_loop().create_task(self._build_in_background(stamp))
        # A failure is logged by the build itself; retrieved here so that no one must await it.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        self.building = task
        return task

    async def _build_in_background(self, stamp: tuple[object, ...] | None) -> Alike:
        assert self.sessions is not None
        try:
            async with self.sessions() as session:
                if stamp is None:
                    stamp = await archive_stamp(session, self.embeddings_model)
                alike = await self._built(session)
            self.alike, self.stamp, self.checked = alike, stamp, self.clock()
            return alike
        except Exception:
            log.exception("the related papers' vectors could not be built")
            raise
        finally:
            if self.building is asyncio.current_task():
                self.building = None

    async def _get_here(self, session: AsyncSession) -> Alike:
        async with self.lock:
            if self.alike is not None and self.clock() - self.checked < self.recheck:
                return self.alike
            stamp = await archive_stamp(session, self.embeddings_model)
            if self.alike is None or stamp != self.stamp:
                self.alike = await self._built(session)
                self.stamp = stamp
            self.checked = self.clock()
            return self.alike

    async def _built(self, session: AsyncSession) -> Alike:
        url = _shared_url(session)
        if self.apart and url is not None:  # the child reads the texts itself
            # and hands the vectors over as files, mapped here, then removed (in a thread: a
            # gigabyte of files takes a while to unlink)
            directory = tempfile.mkdtemp(prefix="coolpapers-vectors-")
            try:
                alike = await in_child_process(
                    build_from, url, self.embeddings_model, self.build, directory
                )
            except BaseException:
                shutil.rmtree(directory, ignore_errors=True)
                raise
            await anyio.to_thread.run_sync(functools.partial(shutil.rmtree, directory, True))
            self.builds += 1
            return alike
        papers = await archive_texts(session)
        vectors = None
        if self.embeddings_model:
            vectors = await stored_embeddings(session, self.embeddings_model)
        if self.apart:
            alike = await in_child_process(self.build, papers, embeddings=vectors)
        else:
            build = functools.partial(self.build, papers, embeddings=vectors)
            alike = await anyio.to_thread.run_sync(build, abandon_on_cancel=True)
        self.builds += 1
        return alike


def _shared_url(session: AsyncSession) -> str | None:
    """The URL of the session's database, with its password, when another process can open
    it (not an in-memory SQLite database)."""
    url = session.bind.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def build_from(
    url: str,
    embeddings_model: str | None,
    build: Callable[..., Alike],
    directory: str | None = None,
) -> Alike:
    """In a child process: the vectors ``build`` makes of the archive in the database of
    ``url``, its texts (and embeddings of ``embeddings_model``) read there, their matrices
    pickled as files in ``directory`` (``Alike.spill_to``). Read by the site's process, a
    million papers' texts took it some twelve seconds to read and to send to the child
    (pickled, holding the interpreter's lock), during which its requests waited."""

    async def read() -> tuple[list[PaperText], dict[str, list[float]] | None]:
        engine = create_engine(url, settings=Settings(DATABASE_URL=url))
        try:
            async with session_factory(engine)() as session:
                papers = await archive_texts(session)
                vectors = None
                if embeddings_model:
                    vectors = await stored_embeddings(session, embeddings_model)
                return papers, vectors
        finally:
            await engine.dispose()

    papers, vectors = asyncio.run(read())
    alike = build(papers, embeddings=vectors)
    if directory is not None and isinstance(alike, Alike):
        alike.spill_to(directory)
    return alike


async def archive_stamp(session: AsyncSession, model: str | None = None) -> tuple[object, ...]:
    """What changes when a paper, its visibility, its full text or (of ``model``) its
    embedding changes."""
    papers = await session.execute(
        select(func.count(), func.max(Paper.modified_at), func.count().filter(Paper.hidden))
    )
    texts = await session.execute(
        select(func.count(), func.max(PaperFullText.fetched_at)).where(PaperFullText.status == "ok")
    )
    vectors: tuple[object, ...] = ()
    if model:
        found = await session.execute(
            select(func.count(), func.max(PaperEmbedding.computed_at)).where(
                PaperEmbedding.model == model
            )
        )
        vectors = tuple(found.one())
    return (*papers.one(), *texts.one(), *vectors)


async def archive_texts(session: AsyncSession) -> list[PaperText]:
    """Every visible paper's title, abstract, categories and stored full text, by id."""
    rows = await session.execute(
        select(Paper.id, Paper.title, Paper.abstract).where(Paper.hidden.is_(False))
    )
    papers = {i: (t or "", a or "") for i, t, a in rows}
    categories: dict[str, list[str]] = {}
    for paper_id, code in await session.execute(
        select(PaperCategory.paper_id, PaperCategory.category).order_by(
            PaperCategory.paper_id, PaperCategory.position
        )
    ):
        categories.setdefault(paper_id, []).append(code)
    bodies: dict[str, str] = {}
    for paper_id, blob in await session.execute(
        select(PaperFullText.paper_id, PaperFullText.document)
        .join(
            Paper, (Paper.id == PaperFullText.paper_id) & (Paper.version == PaperFullText.version)
        )
        .where(PaperFullText.status == "ok", PaperFullText.document.is_not(None))
    ):
        document = decompress(blob)
        bodies[paper_id] = "\n".join(f"{s.title}\n{s.text}" for s in document.sections)
    return [
        PaperText(i, t, a, tuple(categories.get(i, ())), bodies.get(i, ""))
        for i, (t, a) in sorted(papers.items())
    ]


def alike_cache(state: State) -> AlikeCache:
    """The site's cache, built by ``create_app``."""
    cache: AlikeCache = state.alike
    return cache


async def related_papers(cache: AlikeCache, session: AsyncSession, paper: Paper, limit: int = 5):
    """Up to ``limit`` other visible papers most like ``paper``, best first, with their
    authors and categories loaded, from ``cache`` (the site's, or the MCP server's)."""
    alike = await cache.get(session)
    return await get_papers(session, [i for i, _ in alike.related(paper.id, limit)])


async def list_topics(request: Request, session: AsyncSession, ids: Sequence[str]) -> list[Topic]:
    """The papers ``ids`` grouped into topics (`search.alike.Alike.topics`)."""
    cache = alike_cache(request.app.state)
    alike = await cache.get(session)
    cluster = cache.learning(kmeans_labels)
    return await anyio.to_thread.run_sync(alike.topics, list(ids), cluster)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "") or "5"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RELATED:
        raise HTTPError(400, f"limit must be a whole number from 1 to {MAX_RELATED}")
    return int(raw)


async def related_api(request: Request) -> JSONResponse:
    raw = request.path_params["arxiv_id"]
    limit = _limit(request)
    try:
        arxiv_id = parse_paper_id(raw)
    except ValueError:
        raise HTTPError(404, f"not an arXiv id nor a venue paper's: {raw[:80]}") from None
    async with request.app.state.sessions() as session:
        paper = await session.get(Paper, arxiv_id)
        if paper is None or paper.hidden:
            raise HTTPError(404, f"no paper {arxiv_id} in this archive")
        alike = await alike_cache(request.app.state).get(session)
        scored = alike.related(arxiv_id, limit)
        found = {p.id: p for p in await get_papers(session, [i for i, _ in scored])}
    related = [{"id": i, "title": found[i].title, "score": s} for i, s in scored if i in found]
    return JSONResponse({"related": related})


def _ids(body: dict[str, object], name: str, most: int) -> list[object]:
    value = body.get(name, [])
    if not isinstance(value, list):
        raise HTTPError(400, f"{name} must be a list of arXiv ids")
    if len(value) > most:
        raise HTTPError(400, f"{name}: at most {most} ids, got {len(value)}", limit=most)
    return value


def _known(values: Sequence[object]) -> tuple[list[str], int]:
    ids, malformed = [], 0
    for value in values:
        try:
            ids.append(parse_paper_id(value) if isinstance(value, str) else "")
        except ValueError:
            ids.append("")
        malformed += not ids[-1]
    return [i for i in ids if i], malformed


async def for_you_api(request: Request) -> JSONResponse:
    body = await json_object(request, '{"starred": [ids], "candidates": [ids]}')
    starred, bad_stars = _known(_ids(body, "starred", MAX_STARS))
    candidates, bad_candidates = _known(_ids(body, "candidates", MAX_CANDIDATES))
    cache = alike_cache(request.app.state)
    async with request.app.state.sessions() as session:
        alike = await cache.get(session)
    learn = cache.learning(svm_scores)
    result = await anyio.to_thread.run_sync(alike.for_you, starred, candidates, learn)
    return JSONResponse(
        {
            "ranked": [{"id": i, "score": s} for i, s in result.ranked],
            "terms": result.terms,
            "ignored": result.ignored + bad_stars + bad_candidates,
        }
    )


routes = [
    Route("/api/papers/{arxiv_id:path}/related", related_api, name="api_related"),
    Route("/api/foryou", for_you_api, methods=["POST"], name="api_foryou"),
]

_IDS_LIST = {
    "type": "array",
    "items": {
        "description": "An arXiv id or a venue paper's id; anything else is ignored and counted."
    },
}
SCHEMAS: dict[str, openapi.Schema] = {
    "Related": {
        "type": "object",
        "required": ["related"],
        "properties": {
            "related": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "score"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "score": {"type": "number", "minimum": 0},
                    },
                },
            }
        },
    },
    "ForYou": {
        "type": "object",
        "required": ["ranked", "terms", "ignored"],
        "properties": {
            "ranked": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "score"],
                    "properties": {"id": {"type": "string"}, "score": {"type": "number"}},
                },
            },
            "terms": {"type": "array", "items": {"type": "string"}},
            "ignored": {"type": "integer", "minimum": 0},
        },
    },
}
PATHS: dict[str, dict[str, object]] = {
    "/api/papers/{arxiv_id}/related": {
        "get": {
            "operationId": "getRelated",
            "summary": "Papers related to a paper, best first",
            "description": "Cosine of tf-idf vectors over title, abstract and stored full"
            " text, blended with shared categories.",
            "parameters": [
                openapi.path_parameter(
                    "arxiv_id", "An arXiv id (new-style or old-style) or a venue paper's id."
                ),
                openapi.query_parameter(
                    "limit",
                    f"How many, 1 to {MAX_RELATED} (5 by default).",
                    openapi.optional({"type": "string", "pattern": "^(?:[1-9]|[1-4][0-9]|50)$"}),
                ),
            ],
            "responses": {
                "200": openapi.json_response("The related papers", "Related"),
                "400": openapi.error_response("limit is not 1 to 50"),
                "404": openapi.error_response("Not a paper id, or not in this archive"),
            },
        }
    },
    "/api/foryou": {
        "post": {
            "operationId": "forYou",
            "summary": "Candidates ranked by a classifier trained on the stars",
            "description": "A linear SVM over tf-idf, trained per request on the starred"
            " papers against the candidates; the stars are not stored. Ids not in the archive"
            " or not arXiv ids are ignored and counted.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "starred": {**_IDS_LIST, "maxItems": MAX_STARS},
                                "candidates": {**_IDS_LIST, "maxItems": MAX_CANDIDATES},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": openapi.json_response("The candidates, best first", "ForYou"),
                "400": openapi.error_response(
                    f"Not JSON, or more than {MAX_STARS} stars or {MAX_CANDIDATES} candidates"
                ),
                "413": openapi.error_response(
                    f"The body is larger than {MAX_BODY_BYTES // 1024} KiB"
                ),
            },
        }
    },
}
OPENAPI = openapi.Description(PATHS, SCHEMAS)
