"""The parsers under mutated recordings: truncated, bit-flipped, with entity declarations
(XXE, billion laughs), huge attributes or the wrong encoding, every recorded fixture either
parses or raises ``ParseError`` (never another exception), in bounded time and memory, and
nothing outside the document (a local file named by an external entity) gets in."""

from __future__ import annotations

import io
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.parse import (
    KINDS,
    OaiStream,
    ParseError,
    iter_snapshot,
    parse_api,
    parse_document,
    parse_oai,
    parse_rss,
)
from crawler.records import ParsedDocument

ARXIV = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv"
SMALL_ENOUGH = 300_000  # bytes: the larger OAI recording would make each example slow
FIXTURES = {
    path.relative_to(ARXIV).as_posix(): path.read_bytes()
    for path in sorted(ARXIV.glob("*/*"))
    if path.suffix in {".xml", ".jsonl"} and path.stat().st_size <= SMALL_ENOUGH
}
SECRET = b"coolpapers-fuzz-secret-3141"
SECONDS_PER_DOCUMENT = 2.0
MAX_GROWTH_KB = 256 * 1024  # resident memory the whole run may add


def _declaration_end(data: bytes) -> int:
    return data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0


def _in_prolog(data: bytes, text: bytes) -> bytes:
    at = _declaration_end(data)
    return data[:at] + text + data[at:]


def _xxe(secret_file: Path):
    def mutate(data: bytes, _: int) -> bytes:
        dtd = b'<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file://' + str(secret_file).encode() + b'">]>'
        marked = _in_prolog(data, dtd)
        first = marked.find(b"<title>")
        return marked if first < 0 else marked[: first + 7] + b"&xxe;" + marked[first + 7 :]

    return mutate


def _billion_laughs(data: bytes, _: int) -> bytes:
    levels = [b'<!ENTITY l0 "lol">'] + [
        b'<!ENTITY l%d "%s">' % (n, b"".join(b"&l%d;" % (n - 1) for _ in range(10)))
        for n in range(1, 10)
    ]
    laughs = _in_prolog(data, b"<!DOCTYPE lolz [" + b"".join(levels) + b"]>")
    first = laughs.find(b"<title>")
    return laughs if first < 0 else laughs[: first + 7] + b"&l9;" + laughs[first + 7 :]


def _external_dtd(data: bytes, _: int) -> bytes:
    return _in_prolog(data, b'<!DOCTYPE feed SYSTEM "http://127.0.0.1:9/evil.dtd">')


def _truncate(data: bytes, at: int) -> bytes:
    return data[: at % (len(data) + 1)]


def _flip(data: bytes, at: int) -> bytes:
    if not data:
        return data
    position = at % len(data)
    return data[:position] + bytes([data[position] ^ (1 << (at % 8))]) + data[position + 1 :]


def _huge_attribute(data: bytes, at: int) -> bytes:
    tag = data.find(b"<", _declaration_end(data))
    end = data.find(b">", tag)
    if tag < 0 or end < 0:
        return data + b'{"id": "' + b"9" * 2_000_000 + b'"}'
    return data[:end] + b' huge="' + b"A" * (1_000_000 + at % 1000) + b'"' + data[end:]


def _entity_reference(data: bytes, at: int) -> bytes:
    position = at % (len(data) + 1)
    reference = [b"&undefined;", b"&#0;", b"&#xD800;", b"&amp", b"]]>", b"<![CDATA["][at % 6]
    return data[:position] + reference + data[position:]


def _encoding(codec: str):
    def mutate(data: bytes, _: int) -> bytes:
        return data.decode("utf-8", "replace").encode(codec, "replace")

    return mutate


def _lying_declaration(data: bytes, at: int) -> bytes:
    claimed = [b"utf-16", b"ebcdic-cp-us", b"no-such-encoding", b"iso-8859-1"][at % 4]
    body = data[_declaration_end(data) :]
    return b'<?xml version="1.0" encoding="' + claimed + b'"?>' + body


def mutations(secret_file: Path) -> dict[str, object]:
    return {
        "truncate": _truncate,
        "flip": _flip,
        "xxe": _xxe(secret_file),
        "billion laughs": _billion_laughs,
        "external dtd": _external_dtd,
        "huge attribute": _huge_attribute,
        "entity reference": _entity_reference,
        "utf-16": _encoding("utf-16"),
        "latin-1": _encoding("latin-1"),
        "cp500": _encoding("cp500"),
        "lying declaration": _lying_declaration,
    }


def _stream(data: bytes) -> ParsedDocument:
    stream = OaiStream()
    papers = []
    for start in range(0, len(data), 4096):
        papers += stream.feed(data[start : start + 4096])
    document = stream.close()
    document.papers.extend(papers)
    return document


def _snapshot(data: bytes) -> ParsedDocument:
    document = ParsedDocument(kind="snapshot")
    lines = io.BytesIO(data)
    document.papers.extend(iter_snapshot(lines, on_problem=document.problems.append))
    return document


PARSERS = {
    "detect": parse_document,
    **{
        f"as {kind}": (lambda k: lambda d: parse_document(d, source_hint=k))(kind) for kind in KINDS
    },
    "rss": parse_rss,
    "api": parse_api,
    "oai": parse_oai,
    "oai stream": _stream,
    "snapshot lines": _snapshot,
}


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xxe") / "secret.txt"
    path.write_bytes(SECRET)
    return path


def test_fixtures_are_there():
    kinds = {name.split("/")[0] for name in FIXTURES}
    assert kinds == {"atom-api", "oai", "rss", "snapshot"}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(data=st.data())
def test_mutated_recordings_parse_or_raise_parse_error(secret_file: Path, data) -> None:
    table = mutations(secret_file)
    name = data.draw(st.sampled_from(sorted(FIXTURES)), label="fixture")
    document = FIXTURES[name]
    steps = data.draw(st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=3))
    for step in steps:
        document = table[step](document, data.draw(st.integers(0, 2**31), label=step))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for parser_name, parser in PARSERS.items():
        started = time.monotonic()
        try:
            parsed = parser(document)
        except ParseError:
            parsed = None
        elapsed = time.monotonic() - started
        assert elapsed < SECONDS_PER_DOCUMENT, f"{parser_name} took {elapsed:.1f} s on {steps}"
        if parsed is not None:
            assert isinstance(parsed, ParsedDocument)
            assert SECRET.decode() not in repr(parsed.papers), f"{parser_name} read the file"
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < MAX_GROWTH_KB, f"{steps} on {name} grew the process by {grown} kB"
