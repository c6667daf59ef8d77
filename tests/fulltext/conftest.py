"""Fixtures of the full-text tests: the recorded pages and PDFs, bad PDFs made here, papers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from models.schema import Paper

FULLTEXT = Path(__file__).resolve().parent.parent / "fixtures" / "fulltext"
DELEGATE = "2604.15597"  # html/arxiv_html_2604.15597v1.html
LIE = "1901.01543"  # html/arxiv_html_1901.01543v11.html (version 11)
PASA = "2501.10120"  # pdf/arxiv_2501.10120v1_pasa.pdf
ATTENTION = "1706.03762"  # pdf/arxiv_1706.03762v7_attention.pdf (version 7)


def recorded(relative: str) -> bytes:
    return (FULLTEXT / relative).read_bytes()


def blank_pdf(pages: int = 2, password: str | None = None) -> bytes:
    """A PDF of empty pages (a scan without text layer looks the same), encrypted if asked."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def add_paper(
    sessions, paper_id: str, version: int = 1, *, abstract: str = "", comment: str | None = None
) -> None:
    async with sessions() as session:
        session.add(
            Paper(
                id=paper_id,
                version=version,
                title=f"Paper {paper_id}",
                abstract=abstract,
                comment=comment,
            )
        )
        await session.commit()


@pytest.fixture
def pdf_bytes() -> dict[str, bytes]:
    return {
        "encrypted": blank_pdf(password="secret"),
        "scanned": blank_pdf(),
        "corrupt": recorded("pdf/arxiv_2501.10120v1_pasa.pdf")[:3000],
    }
