"""Tokenizing time grows linearly with line length: one long line costs no more per byte than the
same text in short lines (the original's backtracking is quadratic on long lines)."""

from __future__ import annotations

import itertools
import time

import pytest

from tokenizer import Tokenizer

from .conftest import CORPUS, MODEL

pytestmark = pytest.mark.serial  # it measures time


def best_time(run, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize(("backend", "size"), [("compiled", 4 << 20), ("python", 256 << 10)])
def test_a_long_line_costs_no_more_per_byte_than_short_lines(backend: str, size: int) -> None:
    tokenizer = Tokenizer(MODEL, backend=backend)
    abstracts = CORPUS.read_text(encoding="utf-8").splitlines()
    short: list[str] = []
    total = 0
    for abstract in itertools.cycle(abstracts):
        short.append(abstract)
        total += len(abstract.encode()) + 1
        if total >= size:
            break
    long_line = " ".join(short)
    assert "\n" not in long_line and len(long_line.encode()) >= size
    sample = short[: len(short) // 4]
    sample_bytes = sum(len(s.encode()) for s in sample)

    per_byte_short = best_time(lambda: [tokenizer.encode(s) for s in sample]) / sample_bytes
    per_byte_long = best_time(lambda: tokenizer.encode(long_line), 2) / len(long_line.encode())
    assert per_byte_long < 2.0 * per_byte_short
    assert tokenizer.decode(tokenizer.encode(long_line)) == long_line
