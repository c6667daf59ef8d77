"""What the MathML of a real formula costs the first reader who meets it.

    .venv/bin/python -m benchmarks.tex_bench [--rounds 5]

The formulas: every distinct one in the titles and abstracts of 1,294 real arXiv papers
(``benchmarks.web_bench.formulas``, 905 of them), each converted once per round with the
caches of ``web.tex`` emptied, as a new day's list, search page or paper page meets them:

- ``web.tex.tex_to_mathml``: what the site shows (math-core's conversion, then the check of
  its output);
- math-core's conversion alone;
- the baseline, in the same run: ``latex2mathml`` (the ``bench`` extra), the converter the
  site used before, its conversion alone, without the check the site then ran on its output.

Each round takes the three in turn (the order reversed every other round); the medians over
the rounds of the time per formula, wall and CPU, and how many formulas each converted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.web_bench import formulas  # noqa: E402


def tex_of(source: str) -> tuple[str, bool]:
    """A formula's TeX without its delimiters, and whether it is displayed."""
    for opener, closer, display in (
        ("$$", "$$", True),
        ("\\[", "\\]", True),
        ("\\(", "\\)", False),
    ):
        if source.startswith(opener) and source.endswith(closer) and len(source) >= 4:
            return source[len(opener) : -len(closer)].strip(), display
    return source[1:-1].strip(), False


def ways() -> dict[str, Callable[[str, bool], object]]:
    from math_core import LatexToMathML

    from web import tex

    converter = LatexToMathML(fancy_error=False)

    def site(text: str, display: bool) -> object:
        return tex.tex_to_mathml.__wrapped__(text, display)

    def math_core(text: str, display: bool) -> object:
        try:
            return converter.convert_with_local_state(text, displaystyle=display)
        except Exception:
            return None

    found: dict[str, Callable[[str, bool], object]] = {
        "web.tex.tex_to_mathml (the site)": site,
        "math-core, conversion alone": math_core,
    }
    try:
        from latex2mathml.converter import convert
    except ImportError:
        print("latex2mathml is not installed (pip install -e '.[bench]'): no baseline")
        return found

    def latex2mathml(text: str, display: bool) -> object:
        try:
            return convert(text, display="block" if display else "inline")
        except Exception:
            return None

    found["latex2mathml, conversion alone (baseline)"] = latex2mathml
    return found


def run(
    way: Callable[[str, bool], object], items: list[tuple[str, bool]]
) -> tuple[float, float, int]:
    start, start_cpu = time.perf_counter(), time.process_time()
    converted = sum(way(text, display) is not None for text, display in items)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return wall / len(items) * 1e6, cpu / len(items) * 1e6, converted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    items = [tex_of(source) for source in formulas()]
    found = ways()
    load_before = os.getloadavg()[0]
    walls: dict[str, list[float]] = {name: [] for name in found}
    cpus: dict[str, list[float]] = {name: [] for name in found}
    counts: dict[str, int] = {}
    names = list(found)
    for round_ in range(args.rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            wall, cpu, counts[name] = run(found[name], items)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load_after = os.getloadavg()[0]
    print(
        f"{len(items)} distinct real formulas, {args.rounds} rounds; load average "
        f"{load_before:.2f} before, {load_after:.2f} after; {os.cpu_count()} cores"
    )
    baseline = next((name for name in names if "baseline" in name), None)
    print(f"{'':44} {'us/formula wall':>16} {'CPU':>8} {'converted':>10} {'/ baseline':>11}")
    for name in names:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio = f"{wall / statistics.median(walls[baseline]):.3f}" if baseline else "-"
        print(f"{name:44} {wall:16.1f} {cpu:8.1f} {counts[name]:10} {ratio:>11}")


if __name__ == "__main__":
    main()
