"""The segmentations demo's figure: exact probabilities against sampled frequencies."""

from __future__ import annotations

from web.demo_pages.figures import Figure
from web.plots import BarRows, format_number

SEGMENTATION_ROWS = 24


def segmentations_figures(r: dict) -> list[Figure]:
    rows = r["rows"][:SEGMENTATION_ROWS]
    shown = "" if len(r["rows"]) <= SEGMENTATION_ROWS else f"; the {len(rows)} most probable"
    target = "n-best target" if r["algorithm"] == "nbest" else "exact probability"
    bars = BarRows(
        "segmentations-bars",
        f"Segmentations of '{r['text']}' at α = {format_number(r['alpha'])}",
        [row["text"] for row in rows],
        x_label="probability",
        note=f"{r['count']} segmentations{shown}; {r['samples']} samples ({r['algorithm']})",
    )
    bars.add(target, [row["target"] for row in rows])
    bars.add("sampled frequency", [row["frequency"] for row in rows])
    return [Figure("distribution", bars.svg())]
