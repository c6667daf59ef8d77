"""Full texts: extraction speed of arXiv's HTML pages and of PDFs, and what a paper costs in
the database, on the recorded fixtures (tests/fixtures/fulltext).

    .venv/bin/python -m benchmarks.fulltext_bench [--repeat 3] [--libraries]

For each recorded page and PDF: the best of ``--repeat`` extractions (``fulltext.html``,
``fulltext.pdf``), in pages per second (a LaTeXML page is one page; a PDF has its own count),
the size received and the size stored (the zlib-compressed document). With ``--libraries``
the three PDF libraries that were candidates are timed on the same PDFs (bare text
extraction), the figures the choice of pypdfium2 rests on.
"""

from __future__ import annotations

import argparse
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--libraries", action="store_true")
    args = parser.parse_args()
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
        print(f"{path.name:40} {pages:5} {seconds:8.3f} {pages / seconds:8.1f} "
              f"{len(content):10,} {stored:9,}")  # fmt: skip
    for kind, (pages, seconds, received, stored) in totals.items():
        files = len(list(FIXTURES.glob(f"{kind}/*.{kind}")))
        print(f"{kind}: {pages / seconds:.1f} pages/s; stored {stored / files / 1024:.0f} KiB per"
              f" paper on average ({stored / received:.1%} of what was received)")  # fmt: skip
    if args.libraries:
        print(
            f"\n{'PDF, bare text extraction':40} {'pypdfium2':>10} {'pypdf':>10} {'pdfminer':>10}"
        )
        for path in sorted(FIXTURES.glob("pdf/*.pdf")):
            times = libraries(path, args.repeat)
            print(f"{path.name:40} {times['pypdfium2']:10.3f} {times['pypdf']:10.3f} "
                  f"{times['pdfminer.six']:10.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
