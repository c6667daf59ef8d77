"""The retry demo's figures: attempts per block, and the first runs on the fake clock."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import INK, Chart, Step, Timeline, format_number


def retry_figures(r: dict) -> list[Figure]:
    tries = r["tries"]
    ks = list(range(1, tries + 1))
    attempts = Chart(
        "retry-attempts",
        f"Attempts per block (p_fail = {format_number(r['p_fail'])}, {tries} tries)",
        x_label="attempts made by one block",
        y_label="share of the runs",
        x_range=(0.4, tries + 0.6),
        note=f"{r['runs']} simulated runs against the exact distribution",
    )
    attempts.columns(ks, [h / r["runs"] for h in r["attempts_histogram"]], "simulated")
    attempts.points(ks, r["attempts_distribution_exact"], "exact", colour=INK)
    rows = []
    for k, run in enumerate(r["timelines"], start=1):
        steps = [
            Step(event["ok"]) if event["kind"] == "attempt" else Step(None, event["seconds"])
            for event in run["events"]
        ]
        rows.append((f"run {k}", steps))
    timeline = Timeline(
        "retry-timeline",
        "The first runs on the fake clock",
        rows,
        note=f"✓ a call that succeeded, ✗ one that failed; grey: a sleep of {r['sleep']:g} s",
    )
    return [Figure("attempts", attempts.svg()), Figure("timeline", timeline.svg())]
