"""Full texts: extraction speed of arXiv's HTML pages and of PDFs, and what a paper costs in
the database, on the recorded fixtures (tests/fixtures/fulltext).

    .venv/bin/python -m benchmarks.fulltext_bench [--repeat 3] [--libraries]

For each recorded page and PDF: the best of ``--repeat`` extractions (``fulltext.html``,
``fulltext.pdf``), in pages per second (a LaTeXML page is one page; a PDF has its own count),
the size received and the size stored (the zlib-compressed document). With ``--libraries``
the three PDF libraries that were candidates are timed on the same PDFs (bare text
extraction), the figures the choice of pypdfium2 rests on.

With ``--search N``, the search index of N synthetic papers (``benchmarks.search_bench``'s
corpus) built without bodies and with them, in one run: each paper is given one of the
recorded full texts (extracted once, stored as the site stores them), and for each index its
size, its build rate (``search.rebuild_index``, reading included) and the latency of
``search.search_papers`` (p50/p99 over the 200 queries of ``search_bench`` and 50 words that
occur in the bodies only, after a first round that fills the caches).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fulltext.html import extract_html  # noqa: E402
from fulltext.pdf import extract_pdf  # noqa: E402
from fulltext.store import compress  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "fulltext"


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def pdf_pages(content: bytes) -> int:
    import pypdfium2 as pdfium

    return len(pdfium.PdfDocument(content))


def libraries(path: Path, repeat: int) -> dict[str, float]:
    import pypdf
    import pypdfium2 as pdfium
    from pdfminer.high_level import extract_text

    def with_pdfium() -> str:
        document = pdfium.PdfDocument(str(path))
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))

    def with_pypdf() -> str:
        return "".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)

    return {
        "pypdfium2": best_of(repeat, with_pdfium)[0],
        "pypdf": best_of(repeat, with_pypdf)[0],
        "pdfminer.six": best_of(repeat, lambda: extract_text(str(path)))[0],
    }


def fixture_documents() -> list[bytes]:
    """The recorded full texts, extracted and compressed as the site stores them."""
    documents = []
    for path in sorted(FIXTURES.glob("*/*")):
        if path.suffix == ".html":
            documents.append(compress(extract_html(path.read_bytes())))
        elif path.suffix == ".pdf":
            documents.append(compress(extract_pdf(path.read_bytes())))
    return documents


def body_only_words(documents: list[bytes], abstracts: list[str], n: int = 50) -> list[str]:
    """Words of the full texts that no title or abstract of the corpus holds."""
    from fulltext.store import decompress
    from search.documents import body_text
    from search.text import words

    seen = {w for text in abstracts for w in words(text)}
    found: dict[str, None] = {}
    for blob in documents:
        for word in words(body_text(decompress(blob))):
            if len(word) >= 6 and word.isalpha() and word not in seen:
                found[word] = None
    return list(found)[:: max(1, len(found) // n)][:n]


def search_with_bodies(papers: int) -> None:
    from benchmarks import search_bench as bench
    from models.db import create_engine, session_factory
    from models.settings import Settings
    from search import loaded, rebuild_index, search_papers

    corpus = bench.make_corpus(papers)
    queries = [q.ours() for q in bench.make_queries(corpus)]
    documents = fixture_documents()
    body_queries = body_only_words(documents, corpus.titles + corpus.abstracts)
    print(
        f"\n{papers:,} papers, {len(documents)} recorded full texts given in turn;"
        f" {len(queries)} queries, {len(body_queries)} words of the bodies only"
    )
    print(
        f"{'index':16} {'MiB':>8} {'papers/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'body p50':>9} {'body p99':>9} {'body hits':>9}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        template = Path(workdir) / "papers.db"
        bench._load_papers(template, corpus)
        with sqlite3.connect(template) as connection:
            connection.executemany(
                "INSERT INTO paper_fulltexts (paper_id, version, status, source, fetched_at,"
                " attempts, bytes_fetched, bytes_stored, document, code_links)"
                " VALUES (?, 1, 'ok', 'html', '2025-01-01 00:00:00.000000', 1, 0, ?, ?, '[]')",
                (
                    (f"{i:08d}", len(documents[i % len(documents)]), documents[i % len(documents)])
                    for i in range(papers)
                ),
            )
        for bodies in (False, True):
            path = Path(workdir) / f"bodies-{bodies}.db"
            shutil.copy(template, path)
            url = f"sqlite+aiosqlite:///{path}"

            async def go(url: str = url, bodies: bool = bodies) -> tuple[float, list, list, int]:
                engine = create_engine(url, settings=Settings(DATABASE_URL=url))
                sessions = session_factory(engine)
                start = time.perf_counter()
                await rebuild_index(sessions, bodies=bodies)
                build = time.perf_counter() - start
                loaded._loaded.clear()
                timings: list[list[float]] = [[], []]
                hits = 0
                async with sessions() as session:
                    for round_ in range(3):
                        for kind, texts in enumerate((queries, body_queries)):
                            for text in texts:
                                t0 = time.perf_counter()
                                page = await search_papers(
                                    session, text, limit=bench.TOP_K, bodies=bodies
                                )
                                if round_:  # the first round fills the caches
                                    timings[kind].append(time.perf_counter() - t0)
                                if round_ == 1 and kind == 1:
                                    hits += bool(page.hits)
                await engine.dispose()
                return build, timings[0], timings[1], hits

            build, plain, inside, hits = asyncio.run(go())
            with sqlite3.connect(path) as connection:
                size = bench._dbstat_bytes(connection, "search%")

            def ms(values: list[float], q: float) -> float:
                return float(bench.np.percentile(values, q)) * 1000

            name = "with bodies" if bodies else "without bodies"
            print(
                f"{name:16} {size / 2**20:8.1f} {papers / build:9.0f} {ms(plain, 50):7.2f}"
                f" {ms(plain, 99):7.2f} {ms(inside, 50):9.2f} {ms(inside, 99):9.2f}"
                f" {hits:4}/{len(body_queries)}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--libraries", action="store_true")
    parser.add_argument("--search", type=int, metavar="N", help="papers of the search benchmark")
    parser.add_argument("--only-search", action="store_true", help="skip the extraction figures")
    args = parser.parse_args()
    if args.search and args.only_search:
        search_with_bodies(args.search)
        return
    print(f"{'file':40} {'pages':>5} {'seconds':>8} {'pages/s':>8} {'received':>10} {'stored':>9}")
    totals = {"html": [0, 0.0, 0, 0], "pdf": [0, 0.0, 0, 0]}
    for path in sorted(FIXTURES.glob("*/*")):
        if path.suffix not in {".html", ".pdf"}:
            continue
        content = path.read_bytes()
        if path.suffix == ".html":
            kind, pages = "html", 1
            seconds, document = best_of(args.repeat, lambda c=content: extract_html(c))
        else:
            kind, pages = "pdf", pdf_pages(content)
            seconds, document = best_of(args.repeat, lambda c=content: extract_pdf(c))
        stored = len(compress(document))
        total = totals[kind]
        total[0] += pages
        total[1] += seconds
        total[2] += len(content)
        total[3] += stored
        print(
            f"{path.name:40} {pages:5} {seconds:8.3f} {pages / seconds:8.1f} "
            f"{len(content):10,} {stored:9,}"
        )
    for kind, (pages, seconds, received, stored) in totals.items():
        files = len(list(FIXTURES.glob(f"{kind}/*.{kind}")))
        print(
            f"{kind}: {pages / seconds:.1f} pages/s; stored {stored / files / 1024:.0f} KiB per"
            f" paper on average ({stored / received:.1%} of what was received)"
        )
    if args.libraries:
        print(
            f"\n{'PDF, bare text extraction':40} {'pypdfium2':>10} {'pypdf':>10} {'pdfminer':>10}"
        )
        for path in sorted(FIXTURES.glob("pdf/*.pdf")):
            times = libraries(path, args.repeat)
            print(
                f"{path.name:40} {times['pypdfium2']:10.3f} {times['pypdf']:10.3f} "
                f"{times['pdfminer.six']:10.3f}"
            )
    if args.search:
        search_with_bodies(args.search)


if __name__ == "__main__":
    main()
